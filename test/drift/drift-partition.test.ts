/** The drift report built one keyed partition at a time is the report of the two whole snapshots. */
import { buildDriftReport, type DriftReport } from '../../lib/core/drift';
import { loadDriftSnapshots, memoryDriftStore, portDriftListings, readDriftRun, type DriftReadContext } from '../../lib/core/drift-read';
import { buildPartitionedDriftReport, defaultPartitions, partitionOf } from '../../lib/core/drift-partition';
import { buildFleet, deviceName, devicePolicyDocument, writeToBothRegions } from '../../lib/local/fleet';
import { InMemoryRegistry } from '../support/in-memory-registry';
import { ACCOUNT } from '../support/constants';

const SOURCE = 'us-east-1';
const TARGET = 'eu-west-1';
const GENERATED_AT = '2026-12-01T00:00:00.000Z';


let context: DriftReadContext;
let whole: DriftReport;

beforeAll(async () => {
  const source = new InMemoryRegistry({ region: SOURCE, pageSize: 7 });
  const target = new InMemoryRegistry({ region: TARGET, pageSize: 7 });
  const fleet = await buildFleet(writeToBothRegions(source, target), { devices: 40, region: SOURCE, accountId: ACCOUNT });
  // Differences of every per-device kind, spread over the partitions by their names and IDs.
  const certificateOf = (i: number) => fleet.certificates.get(deviceName(i))![0]!.certificateId;
  await target.updateCertificateStatus(certificateOf(5), 'INACTIVE');
  await target.updateThing({ name: deviceName(7), thingTypeName: 'sensor', attributes: { model: 'changed' } });
  await target.createThing({ name: 'stray-device', attributes: {} });
  await target.detachPolicy(`device-${deviceName(8)}`, { kind: 'certificate', certificateId: certificateOf(8) });
  await target.createPolicyVersion(`device-${deviceName(9)}`, devicePolicyDocument(TARGET, ACCOUNT, 'someone-else'));
  await target.detachPolicy(`device-${deviceName(11)}`, { kind: 'certificate', certificateId: certificateOf(11) });
  await target.deletePolicy(`device-${deviceName(11)}`);
  await target.detachThingPrincipal(deviceName(12), certificateOf(12));
  // Device i is on floor i % 8 (lib/local/fleet.ts): 13 on site-south-b1-f2.
  await target.removeThingFromGroup(deviceName(13), 'site-south-b1-f2');
  await target.addThingToGroup(deviceName(14), { name: 'site-north-b1-f1' });
  await target.updateThingGroup({ kind: 'static', name: 'site-south', description: 'edited', attributes: { region: 'emea' } });
  await source.updateCertificateStatus(certificateOf(15), 'INACTIVE');

  context = {
    regions: { source: { reader: source, listings: portDriftListings(source) }, target: { reader: target, listings: portDriftListings(target) } },
    store: memoryDriftStore(),
    limits: { things: 9, certificates: 11, policies: 8, memberships: 10 },
  };
  await readDriftRun('run', context);
  const snapshots = await loadDriftSnapshots(context.store, 'run');
  whole = buildDriftReport({ source: snapshots.source, target: snapshots.target, sourceRegion: SOURCE, targetRegion: TARGET, generatedAt: GENERATED_AT, notes: snapshots.coverage.notes });
});

const partitioned = (partitions?: number) =>
  buildPartitionedDriftReport({ store: context.store, runId: 'run', sourceRegion: SOURCE, targetRegion: TARGET, generatedAt: GENERATED_AT, ...(partitions === undefined ? {} : { partitions }) });

describe('the partitioned drift report', () => {
  it('compares a fleet with differences of many kinds (the whole report the others are checked against)', () => {
    const kinds = new Set(whole.differences.map((d) => d.kind));
    expect([...kinds].sort()).toEqual(['certificate', 'groupMembership', 'policy', 'policyAttachment', 'thing', 'thingGroup', 'thingPrincipalAttachment']);
    expect(whole.readiness.ready).toBeGreaterThan(0);
    expect(whole.readiness.notReady).toBeGreaterThan(4);
    expect(whole.readiness.notApplicable).toBeGreaterThan(0);
  });

  it.each([1, 2, 3, 7, 64])('is the whole report with %i partitions: every count, device and difference, in the same order', async (partitions) => {
    expect(await partitioned(partitions)).toEqual(whole);
  });

  it('derives one partition per 10,000 things when not told', async () => {
    expect(await partitioned()).toEqual(whole);
  });

  it('takes one partition per 10,000 things, at most 12 (each partition reads every chunk result again)', () => {
    expect([0, 1, 10_000, 10_001, 100_000, 120_000, 1_000_000].map(defaultPartitions)).toEqual([1, 1, 1, 2, 10, 12, 12]);
  });

  it('spreads keys over the partitions, each key to one', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(deviceName(i), 8)]! += 1;
    for (const n of counts) expect(n).toBeGreaterThan(800);
    expect(partitionOf('device-00042', 8)).toBe(partitionOf('device-00042', 8));
  });

  it('refuses a partition count that is not a positive integer, naming it', async () => {
    await expect(partitioned(0)).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('partitions') });
  });
});
