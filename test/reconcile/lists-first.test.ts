/**
 * The re-run read through lists first (lib/core/reconcile/lists-first.ts), against the emulator with the
 * drift read's real listings: a converged fleet costs no write and no more calls than the drift read of
 * the same fleet; drift in the target is found through the lists and converged; an empty target streams.
 */
import { createIotRegistry } from '../../lib/aws/clients';
import { IotDriftListings } from '../../lib/aws/drift-listings';
import type { IotRegistry } from '../../lib/aws/iot-registry';
import { diff } from '../../lib/core/diff';
import { checkDrift, memoryDriftStore } from '../../lib/core/drift-read';
import { silentLogger } from '../../lib/core/logger';
import { runReconcile } from '../../lib/core/reconcile';
import { readAll } from '../../lib/core/scope';
import { startEmulator, type EmulatorStats, type RunningEmulator } from '../../lib/local/emulator';
import { buildFleet, type Fleet } from '../../lib/local/fleet';
import { IoTClient } from '@aws-sdk/client-iot';
import { ACCOUNT } from '../support/constants';

const SOURCE = 'us-east-1';
const TARGET = 'eu-west-1';

let emulator: RunningEmulator;
let source: IotRegistry;
let target: IotRegistry;
let fleet: Fleet;

const registry = (region: string) => createIotRegistry({ region, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger });
const listings = (region: string) =>
  new IotDriftListings(new IoTClient({ region, endpoint: emulator.url, credentials: { accessKeyId: 'k', secretAccessKey: 's' }, maxAttempts: 1 }), region);
const both = () => ({ source: listings(SOURCE), target: listings(TARGET) });

const calls = (stats: EmulatorStats, pick: (region: string, op: string) => boolean = () => true): number =>
  Object.entries(stats.byRegion).reduce((n, [region, ops]) => n + Object.entries(ops).reduce((m, [op, c]) => m + (pick(region, op) ? c.requests : 0), 0), 0);
const isWrite = (op: string) => !/^(Describe|List|Get)/.test(op);

async function differences(): Promise<number> {
  const [a, b] = await Promise.all([readAll(registry(SOURCE)), readAll(registry(TARGET))]);
  return diff(a, b, { sourceRegion: SOURCE, targetRegion: TARGET }).length;
}

beforeAll(async () => {
  emulator = await startEmulator({ quotaScale: 0, accountId: ACCOUNT, registryEvents: 'none' });
  source = registry(SOURCE);
  target = registry(TARGET);
  fleet = await buildFleet(source, { devices: 12, region: SOURCE, accountId: ACCOUNT });
});

afterAll(async () => {
  await emulator.close();
});

describe('reconcile read through lists first', () => {
  it('streams into an empty target, then re-runs a converged fleet with no write and no more calls than the drift read', async () => {
    const first = await runReconcile(source, { reader: target, writer: target }, {}, { listings: both() });
    expect(first).toMatchObject({ done: true, readPath: 'stream', totals: { failed: 0 } });
    expect(first.totals.created).toBeGreaterThan(12);

    emulator.resetStats();
    const rerun = await runReconcile(source, { reader: target, writer: target }, {}, { listings: both() });
    const rerunStats = emulator.stats();
    expect(rerun).toMatchObject({ done: true, readPath: 'lists-first', totals: { things: 12, created: 0, updated: 0, deleted: 0, failed: 0 } });
    expect(calls(rerunStats, (region, op) => region === TARGET && isWrite(op))).toBe(0);

    emulator.resetStats();
    const report = await checkDrift({
      regions: { source: { reader: source, listings: listings(SOURCE) }, target: { reader: target, listings: listings(TARGET) } },
      store: memoryDriftStore(),
    });
    expect(report.inSync).toBe(true);
    // The probe (one ListThings page per region) is the only call beyond the drift read.
    expect(calls(rerunStats)).toBeLessThanOrEqual(calls(emulator.stats()) + 2);
    // The streaming reconcile describes every resource: the lists-first re-run costs less.
    emulator.resetStats();
    await runReconcile(source, { reader: target, writer: target }, {});
    expect(calls(rerunStats)).toBeLessThan(calls(emulator.stats()));
  });

  it('finds drift in the target through the lists and converges only that', async () => {
    const [a, b, c] = fleet.thingNames;
    const thing = (await target.getThing(a!))!;
    await target.updateThing({ name: thing.name, ...(thing.thingTypeName === undefined ? {} : { thingTypeName: thing.thingTypeName }), attributes: { ...thing.attributes, firmware: 'tampered' } });
    const group = (await target.getThing(b!))!.groupNames[0]!;
    await target.removeThingFromGroup(b!, group);
    const certificateId = (await target.listThingPrincipals(c!))[0]!.certificateId;
    const [policyName] = await target.listAttachedPolicies({ kind: 'certificate', certificateId });
    await target.detachPolicy(policyName!, { kind: 'certificate', certificateId });
    expect(await differences()).toBe(3);

    emulator.resetStats();
    const run = await runReconcile(source, { reader: target, writer: target }, {}, { listings: both() });

    expect(run.totals.failures).toEqual([]);
    expect(run).toMatchObject({ done: true, readPath: 'lists-first', totals: { failed: 0 } });
    expect(run.totals.created + run.totals.updated).toBe(3);
    expect(calls(emulator.stats(), (region, op) => region === TARGET && isWrite(op))).toBe(3);
    expect(await differences()).toBe(0);
  });
});
