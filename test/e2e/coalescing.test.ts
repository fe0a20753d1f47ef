/**
 * End to end, coalesced: the events of a window reach statemachine/sync.asl.json as one batch (an array,
 * as the pipe starts the execution), with the real handlers against the emulator over HTTP. A resource
 * named by several events converges once; a bad event is recorded while the rest converges; a failed
 * resource dead-letters exactly the events that named it.
 */
import { createIotRegistry } from '../../lib/aws/clients';
import type { IotRegistry } from '../../lib/aws/iot-registry';
import { silentLogger } from '../../lib/core/logger';
import { startEmulator, type RunningEmulator } from '../../lib/local/emulator';
import { LocalEventBus, type BusEvent } from '../../lib/local/event-bus';
import { LocalSyncRunner } from '../../lib/local/sync-runner';
import { LocalCertificateAuthority } from '../../lib/local/certificates';
import { devicePolicyDocument } from '../../lib/local/fleet';
import type { SyncOutcome } from '../../lambdas/finish-sync';
import type { SyncDependencies } from '../../lambdas/runtime/dependencies';
import { perRoleDependencies, taskRolesFor } from '../../lib/local/iam';
import { roleOfTask, synthesizedTemplate, withoutAction } from '../support/synthesized-template';
import { ACCOUNT } from '../support/constants';

const SOURCE = 'us-east-1';
const TARGET = 'eu-west-1';

let emulator: RunningEmulator;
let source: IotRegistry;
let target: IotRegistry;
let ca: LocalCertificateAuthority;
let clock = 0;
let bus: LocalEventBus;
let unsubscribe: () => void;

beforeAll(async () => {
  emulator = await startEmulator({ quotaScale: 0, registryEvents: 'all', accountId: ACCOUNT, thingTypeDeletionDelayMs: 0 });
  const registry = (region: string) => createIotRegistry({ region, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger });
  source = registry(SOURCE);
  target = registry(TARGET);
  ca = await LocalCertificateAuthority.create();
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
  emulator.events.clearLog();
  clock = 0;
  bus = new LocalEventBus(SOURCE, ACCOUNT, () => clock);
  unsubscribe = emulator.events.subscribe(bus.listener);
});

afterEach(() => unsubscribe());

const runner = () => new LocalSyncRunner({ source, target, deleteMode: 'retain', logger: silentLogger }, { retryIntervalMs: 0 });

/** A device registered as an operator's script does it: thing in a typed group, its policy, certificate, attachments. */
async function registerDevice(name: string): Promise<string> {
  await source.createThing({ name, thingTypeName: 'sensor', attributes: { model: 'm-1' } });
  await source.addThingToGroup(name, { name: 'floor-1' });
  await source.createPolicy(`device-${name}`, devicePolicyDocument(SOURCE, ACCOUNT, name));
  const cert = await ca.issue(name);
  await source.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
  await source.attachPolicy(`device-${name}`, { kind: 'certificate', certificateId: cert.certificateId });
  await source.attachThingPrincipal(name, cert.certificateId, 'EXCLUSIVE_THING');
  return cert.certificateId;
}

async function fleetBasics(): Promise<void> {
  await source.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
  await source.createThingGroup({ kind: 'static', name: 'site', attributes: {} });
  await source.createThingGroup({ kind: 'static', name: 'floor-1', parentName: 'site', attributes: {} });
}

async function pendingBatches(): Promise<BusEvent[][]> {
  await emulator.events.flush();
  return bus.takeBatches({ windowMs: 1000, maxEvents: 50 });
}

const outcomeOf = (output: unknown) => output as SyncOutcome;

describe('the sync state machine on a coalesced batch', () => {
  it('converges a batch with duplicate and mixed events once, and a re-run of the same batch writes nothing', async () => {
    await fleetBasics();
    await runner().runBatches(await pendingBatches());
    clock += 10_000;
    const certificateId = await registerDevice('device-1');
    const [batch, ...rest] = await pendingBatches();
    expect(rest).toEqual([]);
    // The same events delivered twice (EventBridge and the pipe deliver at least once), in one batch.
    const events = [...batch!, ...batch!];
    const r = runner();
    const run = await r.run(events);
    expect(run.status).toBe('SUCCEEDED');
    const outcome = outcomeOf(run.output);
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', events: events.length, failures: [] });
    expect(outcome.writes).toBeGreaterThan(0);
    // Each resource once: one item per resource, whatever the number of events that named it.
    expect(run.taskInvocations.ResolveChange).toBe(1);
    expect(run.taskInvocations.SyncAttachments).toBe(2); // the device's principals, its certificate's policies
    expect(run.taskInvocations.SyncThing).toBeUndefined(); // converged with its principals
    expect(await target.getThing('device-1')).toMatchObject({ thingTypeName: 'sensor', attributes: { model: 'm-1' }, groupNames: ['floor-1'] });
    expect(await target.getCertificate(certificateId)).toMatchObject({ status: 'ACTIVE' });
    expect(await target.listAttachedPolicies({ kind: 'certificate', certificateId })).toEqual(['device-device-1']);
    expect(await target.listThingPrincipals('device-1')).toEqual([expect.objectContaining({ certificateId, type: 'EXCLUSIVE_THING' })]);

    const again = await r.run(events);
    expect(again.status).toBe('SUCCEEDED');
    expect(outcomeOf(again.output)).toMatchObject({ status: 'SUCCEEDED', writes: 0, failures: [] });
  });

  it('records a malformed event of a batch in the dead-letter queue, naming the field, while the other events converge', async () => {
    await fleetBasics();
    await registerDevice('device-2');
    const [batch] = await pendingBatches();
    const malformed = {
      version: '0', id: 'bad-1', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.iot', time: '2026-11-23T10:00:00Z', region: SOURCE,
      detail: { eventSource: 'iot.amazonaws.com', eventName: 'CreateThing', requestParameters: { thingName: 'bad name with spaces' } },
    };
    const r = runner();
    const run = await r.run([malformed, ...batch!]);
    // The execution fails so that the bad event is seen and kept; the device converged all the same.
    expect(run).toMatchObject({ status: 'FAILED', error: 'RegistrySyncFailed' });
    expect(await target.getThing('device-2')).toBeDefined();
    expect(await target.listThingPrincipals('device-2')).toHaveLength(1);
    expect(r.deadLetters).toEqual([
      expect.objectContaining({
        events: [malformed],
        failure: { Error: 'ItemsFailed', Cause: expect.stringContaining('detail.requestParameters.thingName') },
      }),
    ]);
    expect(r.failureEvents).toHaveLength(1);
  });

  it('runs one execution per batch of the bus, and a single event still runs alone', async () => {
    await fleetBasics();
    await emulator.events.flush();
    const basics = bus.takeBatches({ windowMs: 1000, maxEvents: 50 });
    await registerDevice('device-4');
    await emulator.events.flush();
    clock += 10_000;
    await registerDevice('device-5');
    const batches = await pendingBatches();
    expect(batches).toHaveLength(2); // one per device: 10 s apart, beyond the 1 s window
    const r = runner();
    const runs = await r.runBatches([...basics, ...batches]);
    expect(runs.map((x) => x.status)).toEqual(runs.map(() => 'SUCCEEDED'));
    expect(await target.listThingPrincipals('device-4')).toHaveLength(1);
    expect(await target.listThingPrincipals('device-5')).toHaveLength(1);
    const single = await r.run(batches[0]![0]);
    expect(single.status).toBe('SUCCEEDED');
  });
});

describe('a coalesced batch whose resource cannot converge', () => {
  it('dead-letters exactly the events that named that resource, and converges the rest', async () => {
    // SyncAttachments may not attach principals in the target: the device's thing–principal item fails.
    const template = synthesizedTemplate({ accountId: ACCOUNT, sourceRegion: SOURCE, targetRegion: TARGET });
    const denied = withoutAction(template, roleOfTask(template, 'sync.asl.json', 'SyncAttachments'), 'iot:AttachThingPrincipal');
    const local = await startEmulator({ quotaScale: 0, registryEvents: 'all', accountId: ACCOUNT, thingTypeDeletionDelayMs: 0, iam: { template: denied, stackRegion: SOURCE } });
    try {
      const operator = (region: string) => createIotRegistry({ region, endpoint: local.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger });
      const localBus = new LocalEventBus(SOURCE, ACCOUNT, () => 0);
      local.events.subscribe(localBus.listener);
      const cert = await ca.issue('device-3');
      await operator(SOURCE).createThing({ name: 'device-3', attributes: {} });
      await operator(SOURCE).registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
      await operator(SOURCE).attachThingPrincipal('device-3', cert.certificateId, 'NON_EXCLUSIVE_THING');
      await operator(SOURCE).createThingType({ name: 'meter', searchableAttributes: [], deprecated: false });
      await local.events.flush();
      const [batch, ...rest] = localBus.takeBatches({ windowMs: 1000, maxEvents: 50 });
      expect(rest).toEqual([]);
      const deps = perRoleDependencies<SyncDependencies>(taskRolesFor(denied, 'sync.asl.json'), (credentials) => ({
        source: createIotRegistry({ region: SOURCE, endpoint: local.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger, credentials }),
        target: createIotRegistry({ region: TARGET, endpoint: local.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger, credentials }),
        deleteMode: 'retain',
        logger: silentLogger,
      }));
      const r = new LocalSyncRunner(deps, { retryIntervalMs: 0 });
      const run = await r.run(batch);
      expect(run.status).toBe('FAILED');
      expect(local.stats().byRegion[TARGET]?.AttachThingPrincipal?.denied).toBeGreaterThan(0);
      // The rest of the batch converged: the type, the thing, the certificate.
      expect(await operator(TARGET).getThingType('meter')).toBeDefined();
      expect(await operator(TARGET).getThing('device-3')).toBeDefined();
      expect(await operator(TARGET).getCertificate(cert.certificateId)).toMatchObject({ status: 'ACTIVE' });
      const letters = r.deadLetters as { events: BusEvent[]; failure: { Cause: string } }[];
      expect(letters).toHaveLength(1);
      const text = (e: BusEvent) => JSON.stringify(e);
      // Every event that named the device, and none of the thing type's.
      const deviceEvents = batch!.filter((e) => text(e).includes('device-3') || text(e).includes(cert.certificateId));
      expect(letters[0]!.events).toEqual(deviceEvents);
      const typeEvents = batch!.filter((e) => /"thingTypeName":"meter"/.test(text(e)));
      expect(typeEvents.length).toBeGreaterThan(0);
      expect(letters[0]!.events.filter((e) => typeEvents.includes(e))).toEqual([]);
      expect(letters[0]!.failure.Cause).toContain('iot:AttachThingPrincipal');
    } finally {
      await local.close();
    }
  });
});

describe('the local event bus', () => {
  it('opens a batch with its first event and closes it after the window or at the batch size', async () => {
    await source.createThingType({ name: 'a', searchableAttributes: [], deprecated: false });
    await emulator.events.flush();
    clock = 400;
    await source.createThingType({ name: 'b', searchableAttributes: [], deprecated: false });
    await emulator.events.flush();
    clock = 1200; // 1200 ms after the first: past a 1000 ms window
    await source.createThingType({ name: 'c', searchableAttributes: [], deprecated: false });
    await emulator.events.flush();
    const all = bus.take();
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const e of all) (bus as unknown as { put(e: BusEvent): void }).put(e);
    // Re-queued at one instant: the window now holds them all, the size still splits them.
    expect(bus.takeBatches({ windowMs: 1000, maxEvents: 2 }).map((b) => b.length)).toEqual(chunkSizes(all.length, 2));
  });

  it('groups by arrival time within the window', async () => {
    for (const [at, name] of [[0, 'a'], [400, 'b'], [1200, 'c']] as const) {
      clock = at;
      await source.createThingType({ name, searchableAttributes: [], deprecated: false });
      await emulator.events.flush();
    }
    const batches = bus.takeBatches({ windowMs: 1000, maxEvents: 50 });
    const names = batches.map((b) => [...new Set(b.map((e) => JSON.stringify(e).match(/"thingTypeName":"(\w)"/)?.[1]))].sort());
    expect(names).toEqual([['a', 'b'], ['c']]);
  });

  it('refuses a negative window or a batch size below one, naming them', () => {
    expect(() => bus.takeBatches({ windowMs: -1 })).toThrow(/windowMs/);
    expect(() => bus.takeBatches({ maxEvents: 0 })).toThrow(/maxEvents/);
  });
});

function chunkSizes(total: number, size: number): number[] {
  const sizes: number[] = [];
  for (let left = total; left > 0; left -= size) sizes.push(Math.min(size, left));
  return sizes;
}
