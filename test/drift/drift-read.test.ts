/** The drift read over the registry port: chunked streams, resumable by cursor, assembled into the snapshots the full read sees. */
import { readAll } from '../../lib/core/scope';
import {
  checkDrift,
  loadDriftSnapshots,
  memoryDriftStore,
  portDriftListings,
  readDriftChunk,
  readDriftRun,
  UNREAD_CERTIFICATE_PEM,
  type DriftListings,
  type DriftReadContext,
} from '../../lib/core/drift-read';
import type { RegistrySnapshot } from '../../lib/core/model';
import { buildFleet } from '../../lib/local/fleet';
import { InMemoryRegistry } from '../support/in-memory-registry';

const SOURCE = 'us-east-1';
const TARGET = 'eu-west-1';

let source: InMemoryRegistry;
let target: InMemoryRegistry;

beforeAll(async () => {
  source = new InMemoryRegistry({ region: SOURCE, pageSize: 7 });
  target = new InMemoryRegistry({ region: TARGET, pageSize: 7 });
  await buildFleet(source, { devices: 30, region: SOURCE, accountId: '123456789012' });
});

const context = (limits?: DriftReadContext['limits'], listings: (r: InMemoryRegistry) => DriftListings = portDriftListings): DriftReadContext => ({
  regions: { source: { reader: source, listings: listings(source) }, target: { reader: target, listings: listings(target) } },
  store: memoryDriftStore(),
  ...(limits ? { limits } : {}),
});

/** A snapshot in a comparable order, without what the cheap read does not carry (PEMs, CA IDs, modes). */
function comparable(s: RegistrySnapshot) {
  const byKey = <T>(items: T[], key: (x: T) => string) => [...items].sort((a, b) => key(a).localeCompare(key(b)));
  return {
    thingTypes: byKey(s.thingTypes, (x) => x.name),
    thingGroups: byKey(s.thingGroups, (x) => x.name),
    things: byKey(s.things, (x) => x.name).map((t) => ({ ...t, groupNames: [...t.groupNames].sort() })),
    certificates: byKey(s.certificates, (x) => x.certificateId).map((c) => ({ certificateId: c.certificateId, status: c.status })),
    policies: byKey(s.policies, (x) => x.name),
    policyAttachments: byKey(s.policyAttachments, (x) => JSON.stringify(x)),
    thingPrincipalAttachments: byKey(s.thingPrincipalAttachments, (x) => JSON.stringify(x)),
  };
}

describe('the drift read', () => {
  it('assembles the same snapshot as the full read (readAll), without reading a certificate body', async () => {
    const c = context();
    await readDriftRun('r1', c);
    const { source: snapshot } = await loadDriftSnapshots(c.store, 'r1');
    expect(comparable(snapshot)).toEqual(comparable(await readAll(source)));
    expect(new Set(snapshot.certificates.map((x) => x.certificatePem))).toEqual(new Set([UNREAD_CERTIFICATE_PEM]));
  });

  it('gives the same snapshots whatever the chunk sizes', async () => {
    const small = context({ things: 1, certificates: 1, policies: 1, memberships: 1 });
    const results = await readDriftRun('small', small);
    const large = context();
    await readDriftRun('large', large);
    expect(results.find((r) => r.side === 'source' && r.stream === 'things')?.chunk).toBeGreaterThan(4);
    expect(await loadDriftSnapshots(small.store, 'small')).toEqual(await loadDriftSnapshots(large.store, 'large'));
  });

  it('continues a stream from the cursor a chunk returned, and ends it with done', async () => {
    const c = context({ things: 10 });
    const first = await readDriftChunk({ runId: 'r2', side: 'source', stream: 'things' }, c);
    // Pages of 7 things until at least 10: the first chunk reads two pages.
    expect(first).toMatchObject({ chunk: 1, done: false, items: 14, cursor: { token: expect.any(String) } });
    let last = first;
    while (!last.done) last = await readDriftChunk(last, c);
    expect(last.cursor).toBeUndefined();
    expect(last.chunk).toBe(3);
    expect(await c.store.list('drift/runs/r2/partials/source/things/')).toHaveLength(3);
  });

  it('refuses a chunk input it cannot use, naming the field', async () => {
    await expect(readDriftChunk({ runId: '../escape', side: 'source', stream: 'things' }, context())).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('runId'),
    });
  });

  it('compares billing groups only when both regions can list them', async () => {
    const billed = new InMemoryRegistry({ region: SOURCE, billingGroups: ['gold'] });
    const plain = new InMemoryRegistry({ region: TARGET });
    await billed.createThing({ name: 't1', attributes: {}, billingGroupName: 'gold' });
    await plain.createThing({ name: 't1', attributes: {} });
    const withBilling = (r: InMemoryRegistry): DriftListings => ({
      ...portDriftListings(r),
      listBillingGroupNames: async () => (r === billed ? ['gold'] : []),
      listThingNamesInBillingGroup: async (name) => ({ items: r === billed && name === 'gold' ? ['t1'] : [] }),
    });
    const regions = (listings: (r: InMemoryRegistry) => DriftListings) => ({
      regions: { source: { reader: billed, listings: listings(billed) }, target: { reader: plain, listings: listings(plain) } },
      store: memoryDriftStore(),
    });

    const compared = await checkDrift(regions(withBilling));
    expect(compared.differences).toEqual([{ kind: 'thing', key: 't1', change: 'different', fields: [{ field: 'billingGroupName', source: 'gold', target: null }] }]);

    const uncompared = await checkDrift(regions(portDriftListings));
    expect(uncompared.inSync).toBe(true);
    expect(uncompared.notes).toContain('Billing groups were not compared: the endpoint offers no billing-group listing in at least one region.');
  });
});
