import { diff } from '../../lib/core/diff';
import { readAll } from '../../lib/core/scope';
import type { RegistryReader } from '../../lib/core/port';
import {
  decodeCursor,
  encodeCursor,
  initialCursor,
  parseSettings,
  runReconcile,
  type ReconcileSettingsInput,
} from '../../lib/core/reconcile';
import { InMemoryRegistry } from '../support/in-memory-registry';
import { selfSignedCertificate } from '../../lib/local/certificates';
import { buildReferenceFleet as buildFleet, registries, SOURCE_REGION, TARGET_REGION } from '../support/reference-fleet';

const regions = { sourceRegion: SOURCE_REGION, targetRegion: TARGET_REGION };
const side = (r: InMemoryRegistry) => ({ reader: r, writer: r });

async function differences(source: InMemoryRegistry, target: InMemoryRegistry) {
  return diff(await readAll(source), await readAll(target), regions);
}

/** A source of `n` plain things (plus the realistic small fleet), listed `listPage` names at a time. */
async function bigSource(n: number, listPage = 7) {
  const source = new InMemoryRegistry({ region: SOURCE_REGION, pageSize: listPage, billingGroups: ['standard'] });
  const target = new InMemoryRegistry({ region: TARGET_REGION, pageSize: listPage, billingGroups: ['standard'] });
  await buildFleet(source);
  source.seed({ things: Array.from({ length: n }, (_, i) => ({ name: `bulk-${String(i).padStart(3, '0')}`, attributes: { n: String(i) }, groupNames: [] })) });
  return { source, target };
}

const run = (source: InMemoryRegistry, target: InMemoryRegistry, settings: ReconcileSettingsInput = {}, options: Parameters<typeof runReconcile>[3] = {}) =>
  runReconcile(source, side(target), settings, options);

describe('the streaming reconcile (in memory)', () => {
  it('converges a fleet page by page, listing pages split into pages of pageSize, then writes nothing on a second run', async () => {
    const { source, target } = await bigSource(40);
    const first = await run(source, target, { pageSize: 4 });
    expect(first.done).toBe(true);
    expect(first.totals.failed).toBe(0);
    expect(first.totals.things).toBe(45);
    // Listing pages of 7 names, each split into pages of at most 4: 6 × (4 + 3) + 3.
    expect(first.totals.pages).toBe(13);
    expect(await differences(source, target)).toEqual([]);

    const writes = target.writeCalls().length;
    const second = await run(source, target, { pageSize: 4 });
    expect(second.totals).toMatchObject({ differences: 0, operations: 0, created: 0, failed: 0 });
    expect(target.writeCalls()).toHaveLength(writes);
  });

  it('never holds more listed-but-unfinished things than the pages in flight and prefetched allow', async () => {
    const { source, target } = await bigSource(120, 10);
    let listed = 0;
    let maxOutstanding = 0;
    const counting: RegistryReader = Object.create(source);
    counting.listThingNames = async (filter, token) => {
      const page = await source.listThingNames(filter, token);
      listed += page.items.length;
      return page;
    };
    const result = await runReconcile(counting, side(target), { pageSize: 5 }, {
      pagesInFlight: 2,
      prefetch: 1,
      onProgress: ({ stage, totals }) => {
        if (stage === 'things') maxOutstanding = Math.max(maxOutstanding, listed - totals.things);
      },
    });
    expect(result.done).toBe(true);
    // Pages in flight (2) and prefetched (1) of 5 names each, plus at most one listing page of 10 being split.
    expect(maxOutstanding).toBeGreaterThan(0);
    expect(maxOutstanding).toBeLessThanOrEqual((2 + 1) * 5 + 10);
    expect(await differences(source, target)).toEqual([]);
  });

  it('plans everything and writes nothing on a dry run', async () => {
    const { source, target } = await bigSource(5);
    const result = await run(source, target, { dryRun: true }, { collectDetails: true });
    expect(result.done).toBe(true);
    expect(result.totals.operations).toBeGreaterThan(20);
    expect(result.totals.created).toBe(0);
    expect(result.details?.operations.map((o) => o.type)).toEqual(expect.arrayContaining(['createThing', 'registerCertificate', 'createPolicy', 'attachPolicy']));
    expect(target.writeCalls()).toEqual([]);
  });

  describe('scopes', () => {
    it('by thing-name prefix converges only the matching things and what they reach', async () => {
      const { source, target } = registries();
      await buildFleet(source);
      await run(source, target, { scope: { namePrefix: 'sensor-' } });
      expect((await readAll(target)).things.map((t) => t.name)).toEqual(['sensor-1', 'sensor-2']);
      expect(await target.getPolicy('device')).toBeDefined();
    });

    it('by thing type converges things of that type only', async () => {
      const { source, target } = registries();
      await buildFleet(source);
      await run(source, target, { scope: { thingType: 'gateway' } });
      expect((await readAll(target)).things.map((t) => t.name)).toEqual(['gateway-1']);
    });

    it('by thing group converges the direct members of the group only', async () => {
      const { source, target } = registries();
      await buildFleet(source);
      await run(source, target, { scope: { thingGroup: 'floor-2' } });
      expect((await readAll(target)).things.map((t) => t.name)).toEqual(['sensor-2']);
    });

    it('converges a thing that left the scope in the source but is still in it in the target', async () => {
      const { source, target } = registries();
      await buildFleet(source);
      await run(source, target, { scope: { thingType: 'sensor' } });
      await source.updateThing({ name: 'sensor-2', thingTypeName: 'gateway', attributes: { floor: '2' } });
      const result = await run(source, target, { scope: { thingType: 'sensor' } });
      expect(result.totals.failed).toBe(0);
      expect((await target.getThing('sensor-2'))?.thingTypeName).toBe('gateway');
    });

    it('refuses a group scope combined with a type, naming the field', () => {
      expect(() => parseSettings({ scope: { thingGroup: 'g', thingType: 't' } })).toThrow(/scope/);
    });
  });

  describe('mirror mode', () => {
    async function stale(count: number, pageSize = 250) {
      const source = new InMemoryRegistry({ region: SOURCE_REGION, pageSize });
      const target = new InMemoryRegistry({ region: TARGET_REGION, pageSize });
      for (let i = 0; i < 30; i += 1) {
        await source.createThing({ name: `keep-${i}`, attributes: {} });
        await target.createThing({ name: `keep-${i}`, attributes: {} });
      }
      for (let i = 0; i < count; i += 1) await target.createThing({ name: `stale-${i}`, attributes: {} });
      return { source, target };
    }

    it('counts the extras of the whole run before deleting, and refuses all of them above the limit', async () => {
      // 35 target things → limit ceil(3.5) = 4; five extras spread over pages of 2 are refused together.
      const { source, target } = await stale(5, 2);
      const writes = target.writeCalls().length;
      const result = await run(source, target, { deleteMode: 'mirror', pageSize: 2 });
      expect(result.done).toBe(true);
      expect(result.totals.refused).toEqual({ reason: expect.stringMatching(/5 deletes exceed the limit of 4/), deletes: 5, limit: 4 });
      expect(target.writeCalls()).toHaveLength(writes);
    });

    it('deletes extras within the limit', async () => {
      const { source, target } = await stale(3, 2);
      const result = await run(source, target, { deleteMode: 'mirror', pageSize: 2 });
      expect(result.totals.refused).toBeUndefined();
      expect(result.totals.deleted).toBe(3);
      expect(await differences(source, target)).toEqual([]);
    });

    it('deletes above the limit with the override, and certificates and policies only the target has', async () => {
      const { source, target } = await stale(6);
      await target.createPolicy('orphan-policy', '{"Statement":[]}');
      const cert = await selfSignedCertificate('orphan');
      await target.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
      await target.attachPolicy('orphan-policy', { kind: 'certificate', certificateId: cert.certificateId });
      const result = await run(source, target, { deleteMode: 'mirror', allowMassDelete: true });
      expect(result.totals.failed).toBe(0);
      // Six things, the certificate and the policy, and the policy's detach from the certificate.
      expect(result.totals.deleted).toBe(9);
      expect(await target.getCertificate(cert.certificateId)).toBeUndefined();
      expect(await differences(source, target)).toEqual([]);
    });

    it('never deletes in retain mode', async () => {
      const { source, target } = await stale(3);
      const result = await run(source, target);
      expect(result.totals.deleted).toBe(0);
      expect(await target.getThing('stale-0')).toBeDefined();
    });
  });

  describe('resume', () => {
    it('stops cleanly between pages and resumes from the token, converging without duplicate writes', async () => {
      const { source, target } = await bigSource(40);
      let pages = 0;
      const stopped = await run(source, target, { pageSize: 4 }, { pagesInFlight: 2, onProgress: (p) => (pages = p.totals.pages), shouldStop: () => pages >= 3 });
      expect(stopped.done).toBe(false);
      expect(stopped.cursor.stage).toBe('things');
      expect(await differences(source, target)).not.toEqual([]);

      const resumed = await run(source, target, { pageSize: 4 }, { cursor: decodeCursor(stopped.token) });
      expect(resumed.done).toBe(true);
      expect(resumed.totals.things).toBe(45);
      expect(await differences(source, target)).toEqual([]);
      const created = target.writeCalls().filter((c) => c.method === 'createThing').map((c) => (c.args[0] as { name: string }).name);
      expect(new Set(created).size).toBe(created.length);
    });

    it('records a page whose reads keep failing as failed and goes on; a second run converges it', async () => {
      const { source, target } = await bigSource(10);
      source.injectFault({ method: 'getThing', match: (args) => args[0] === 'bulk-003', error: () => Object.assign(new Error('gone'), { name: 'TransientServiceError' }), times: 3 });
      const first = await run(source, target, { pageSize: 4 });
      expect(first.done).toBe(true);
      expect(first.totals.failures).toEqual([expect.objectContaining({ kind: 'page', errorName: 'TransientServiceError' })]);
      const second = await run(source, target, { pageSize: 4 });
      expect(second.totals.failed).toBe(0);
      expect(await differences(source, target)).toEqual([]);
    });

    it('round-trips a cursor through its token and rejects a token that is not one', () => {
      const cursor = { ...initialCursor(parseSettings({ deleteMode: 'mirror' })), token: 'abc', offset: 3 };
      expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
      expect(() => decodeCursor('not-a-token')).toThrow(/invalid resume token/);
    });
  });
});
