/**
 * At-least-once, unordered, lossy delivery (what AWS promises for registry events, and worse): every
 * event three times, shuffled, 5 % lost. State-based sync makes duplicates and reordering harmless;
 * the one reconcile afterwards catches what was lost. No differences, no duplicates.
 */
import { createIotRegistry } from '../../lib/aws/clients';
import type { IotRegistry } from '../../lib/aws/iot-registry';
import { silentLogger } from '../../lib/core/logger';
import { diff } from '../../lib/core/diff';
import { readAll } from '../../lib/core/scope';
import { reconcile } from '../../lib/core/reconcile/in-process';
import { mapWithConcurrency } from '../../lib/core/concurrency';
import { startEmulator, type RunningEmulator } from '../../lib/local/emulator';
import { LocalEventBus } from '../../lib/local/event-bus';
import { LocalSyncRunner } from '../../lib/local/sync-runner';
import { buildFleet, deviceName, sharedPolicyDocument } from '../../lib/local/fleet';
import { ACCOUNT } from '../support/constants';

const SOURCE = 'us-east-1';
const TARGET = 'ap-southeast-2';

let emulator: RunningEmulator;
let source: IotRegistry;
let target: IotRegistry;

beforeAll(async () => {
  emulator = await startEmulator({ quotaScale: 0, registryEvents: 'all', accountId: ACCOUNT, thingTypeDeletionDelayMs: 0 });
  const registry = (region: string) => createIotRegistry({ region, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger });
  source = registry(SOURCE);
  target = registry(TARGET);
});

afterAll(async () => {
  await emulator.close();
});

describe('event delivery chaos', () => {
  it('ends with no differences and no duplicates after duplicated, shuffled and dropped events plus one reconcile', async () => {
    const bus = new LocalEventBus(SOURCE, ACCOUNT);
    emulator.events.subscribe(bus.listener, { copies: 3, shuffle: true, dropRate: 0.05, seed: 42 });
    const fleet = await buildFleet(source, { devices: 10, region: SOURCE, accountId: ACCOUNT });
    await source.createPolicyVersion(fleet.sharedPolicyName, sharedPolicyDocument(SOURCE, ACCOUNT, 2));
    await source.updateCertificateStatus(fleet.certificates.get(deviceName(5))![0]!.certificateId, 'REVOKED');
    await emulator.events.flush();
    const events = bus.take();
    const emitted = emulator.events.log(SOURCE).length;

    // Delivered: about three copies of 95 % of what was emitted, in shuffled order.
    expect(events.length).toBeGreaterThan(emitted * 2.5);
    expect(events.length).toBeLessThan(emitted * 3);
    const runner = new LocalSyncRunner({ source, target, deleteMode: 'mirror', logger: silentLogger }, { retryIntervalMs: 0 });
    const runs = await mapWithConcurrency(events, 4, (event) => runner.run(event));
    expect(runs.length).toBe(events.length);

    const result = await reconcile(source, { reader: target, writer: target }, { deleteMode: 'mirror', logger: silentLogger });
    expect(result.totals.failed).toBe(0);

    const [a, b] = await Promise.all([readAll(source), readAll(target)]);
    expect(diff(a, b, { sourceRegion: SOURCE, targetRegion: TARGET })).toEqual([]);
    // No duplicates: the same counts, one default version per policy, each attachment once.
    expect(b.things).toHaveLength(a.things.length);
    expect(b.certificates).toHaveLength(a.certificates.length);
    expect(b.policies).toHaveLength(a.policies.length);
    expect(b.policyAttachments).toHaveLength(a.policyAttachments.length);
    expect(b.thingPrincipalAttachments).toHaveLength(a.thingPrincipalAttachments.length);
    for (const policy of b.policies) {
      const versions = await target.listPolicyVersions(policy.name);
      expect(versions.filter((v) => v.isDefault)).toHaveLength(1);
      expect(versions.length).toBeLessThanOrEqual(2);
    }
  });
});
