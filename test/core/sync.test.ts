import { diff } from '../../lib/core/diff';
import { readAll } from '../../lib/core/scope';
import type { ResourceRef } from '../../lib/core/resource-ref';
import { syncResources } from '../../lib/core/sync';
import { reconcile } from '../../lib/core/reconcile/in-process';
import { changeStages, refExists } from '../../lib/core/change-stages';
import { selfSignedCertificate } from '../../lib/local/certificates';
import { InMemoryRegistry } from '../support/in-memory-registry';
import { buildReferenceFleet, registries, SOURCE_REGION, TARGET_REGION, type ReferenceFleet } from '../support/reference-fleet';

const regions = { sourceRegion: SOURCE_REGION, targetRegion: TARGET_REGION };
const side = (r: InMemoryRegistry) => ({ reader: r, writer: r });

async function inSync(source: InMemoryRegistry, target: InMemoryRegistry) {
  return diff(await readAll(source), await readAll(target), regions);
}

describe('reconcile', () => {
  let fleet: ReferenceFleet;
  let target: InMemoryRegistry;

  beforeAll(async () => {
    const r = registries();
    target = r.target;
    fleet = await buildReferenceFleet(r.source);
  });

  it('plans everything and writes nothing on a dry run', async () => {
    const result = await reconcile(fleet.source, side(target), { dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(result.plan.operations.length).toBeGreaterThan(20);
    expect(result.outcomes).toEqual([]);
    expect(target.writeCalls()).toEqual([]);
  });

  it('converges an empty target to a realistic fleet without a failure', async () => {
    const result = await reconcile(fleet.source, side(target));
    expect(result.outcomes.filter((o) => o.status !== 'ok')).toEqual([]);
    expect(await inSync(fleet.source, target)).toEqual([]);
  });

  it('keeps certificate IDs, statuses and CA, rewrites policy ARNs and keeps the deprecated type deprecated', async () => {
    const { c1, c4, ca } = fleet.certificates;
    expect(await target.getCertificate(c1.certificateId)).toMatchObject({ status: 'ACTIVE', caCertificateId: ca.certificateId });
    expect((await target.getCertificate(c4.certificateId))?.status).toBe('REVOKED');
    const policy = await target.getPolicy('device');
    expect(policy?.document).toContain(`arn:aws:iot:${TARGET_REGION}:123456789012:topic/telemetry/${SOURCE_REGION}/`);
    expect(policy?.document).not.toContain(`arn:aws:iot:${SOURCE_REGION}:`);
    expect(await target.getThingType('legacy-meter')).toMatchObject({ deprecated: true });
    expect((await target.getThing('meter-1'))?.thingTypeName).toBe('legacy-meter');
    expect(await target.listThingPrincipals('sensor-1')).toEqual([{ thingName: 'sensor-1', certificateId: c1.certificateId, type: 'EXCLUSIVE_THING' }]);
  });

  it('makes no write call on a second run', async () => {
    const writes = target.writeCalls().length;
    const result = await reconcile(fleet.source, side(target));
    expect(result.differences).toEqual([]);
    expect(target.writeCalls()).toHaveLength(writes);
  });

  it('converges a change in the source on the next run (a revocation, a new policy version, a moved thing)', async () => {
    const { c1 } = fleet.certificates;
    await fleet.source.updateCertificateStatus(c1.certificateId, 'REVOKED');
    await fleet.source.createPolicyVersion('device', JSON.stringify({ Version: '2012-10-17', Statement: [] }));
    await fleet.source.removeThingFromGroup('sensor-1', 'floor-1');
    await fleet.source.addThingToGroup('sensor-1', { name: 'floor-2' });
    const result = await reconcile(fleet.source, side(target));
    expect(result.outcomes.filter((o) => o.status !== 'ok')).toEqual([]);
    expect(await inSync(fleet.source, target)).toEqual([]);
  });

  it('limits the read to the things matching the filter and what they reach', async () => {
    const r = registries();
    await buildReferenceFleet(r.source);
    const result = await reconcile(r.source, side(r.target), { thingFilter: { thingTypeName: 'sensor' } });
    expect(result.outcomes.filter((o) => o.status !== 'ok')).toEqual([]);
    expect((await readAll(r.target)).things.map((t) => t.name)).toEqual(['sensor-1', 'sensor-2']);
    expect(await r.target.getThing('gateway-1')).toBeUndefined();
    expect(await r.target.getThingGroup('site-a')).toBeDefined();
    expect(await r.target.getPolicy('site-ops')).toBeDefined();
  });

  it('refuses a mass delete in mirror mode and deletes with the override', async () => {
    const r = registries();
    for (let i = 0; i < 12; i += 1) await r.target.createThing({ name: `stale-${i}`, attributes: {} });
    await r.source.createThing({ name: 'stale-0', attributes: {} });
    const writes = r.target.writeCalls().length;
    const refused = await reconcile(r.source, side(r.target), { deleteMode: 'mirror' });
    expect(refused.plan.refused).toEqual({ reason: expect.any(String), deletes: 11, limit: 2 });
    expect(r.target.writeCalls()).toHaveLength(writes);
    const allowed = await reconcile(r.source, side(r.target), { deleteMode: 'mirror', allowMassDelete: true });
    expect(allowed.totals.deleted).toBe(11);
    expect((await readAll(r.target)).things.map((t) => t.name)).toEqual(['stale-0']);
  });

  it('reports bad items with a clear error naming each and converges the rest', async () => {
    const r = registries();
    const good = await selfSignedCertificate('good');
    const bad = await selfSignedCertificate('bad');
    const garbledPem = bad.certificatePem.replace(/\n[A-Za-z0-9+/]{10}/, '\nAAAAAAAAAA');
    r.source.seed({
      things: [{ name: 'n'.repeat(129), attributes: {}, groupNames: [] }, { name: 'fine', attributes: {}, groupNames: [] }],
      policies: [{ name: 'broken', document: '{"Statement": [' }, { name: 'ok', document: '{"Statement": []}' }],
      certificates: [
        { certificateId: good.certificateId, certificatePem: good.certificatePem, status: 'ACTIVE' },
        { certificateId: bad.certificateId, certificatePem: garbledPem, status: 'ACTIVE' },
        { certificateId: 'f'.repeat(64), certificatePem: good.certificatePem, status: 'LOST' as never },
      ],
    });
    const result = await reconcile(r.source, side(r.target));
    const failed = result.outcomes.filter((o) => o.status === 'failed').map((o) => [o.kind, o.errorName, o.message]);
    expect(failed).toEqual(
      expect.arrayContaining([
        ['thing', 'InvalidResourceError', expect.stringMatching(/thing "n+… \(129 characters\)".*name/)],
        ['policy', 'InvalidResourceError', expect.stringMatching(/policy "broken"/)],
        ['certificate', 'InvalidResourceError', expect.stringMatching(/status/)],
        ['certificate', 'InvalidResourceError', expect.stringMatching(/not a valid X.509/)],
      ]),
    );
    expect(failed).toHaveLength(4);
    expect(await r.target.getThing('fine')).toBeDefined();
    expect(await r.target.getPolicy('ok')).toBeDefined();
    expect(await r.target.getCertificate(good.certificateId)).toBeDefined();
  });
});

describe('syncResources', () => {
  it('converges one thing as a whole device (certificate, policy, attachments), stage by stage, then makes no write call', async () => {
    const { source, target } = registries();
    await buildReferenceFleet(source);
    const stages = await changeStages(source, { kind: 'thing', name: 'sensor-1' });
    for (const stage of stages) {
      // What the sync Lambda does: an ensured dependency is synced only when the target lacks it.
      const refs = [];
      for (const item of stage) if (item.mode === 'converge' || !(await refExists(target, item.ref))) refs.push(item.ref);
      const result = await syncResources(source, side(target), refs, {});
      expect(result.outcomes.filter((o) => o.status !== 'ok')).toEqual([]);
    }
    expect(await target.getThing('sensor-1')).toMatchObject({ thingTypeName: 'sensor', groupNames: ['floor-1'], billingGroupName: 'standard' });
    expect((await target.listThingPrincipals('sensor-1')).map((a) => a.thingName)).toEqual(['sensor-1']);
    // The whole device: its certificate's policy too, with the region rewritten.
    const c1 = (await source.listThingPrincipals('sensor-1'))[0]!.certificateId;
    expect(await target.listAttachedPolicies({ kind: 'certificate', certificateId: c1 })).toEqual(['device']);
    expect((await target.getPolicy('device'))?.document).toContain(`arn:aws:iot:${TARGET_REGION}:`);
    const writes = target.writeCalls().length;
    const again = await syncResources(source, side(target), stages.flat().map((i) => i.ref), {});
    expect(again.differences).toEqual([]);
    expect(target.writeCalls()).toHaveLength(writes);
  });

  it('only ensures the policies of a device: an existing policy is not updated by a device event (its own event does that)', async () => {
    const { source, target } = registries();
    await buildReferenceFleet(source);
    const stale = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] });
    await target.createPolicy('device', stale);
    const stages = await changeStages(source, { kind: 'thing', name: 'sensor-1' });
    for (const stage of stages) {
      const refs = [];
      for (const item of stage) if (item.mode === 'converge' || !(await refExists(target, item.ref))) refs.push(item.ref);
      await syncResources(source, side(target), refs, {});
    }
    const c1 = (await source.listThingPrincipals('sensor-1'))[0]!.certificateId;
    expect(await target.listAttachedPolicies({ kind: 'certificate', certificateId: c1 })).toEqual(['device']);
    expect((await target.getPolicy('device'))?.document).toBe(stale);
    expect(target.writeCalls().filter((c) => c.method === 'createPolicyVersion' || c.method === 'deletePolicyVersion')).toEqual([]);
  });

  it('registers a certificate with its CA when both regions hold the CA, even when only the certificate is named', async () => {
    const { source, target } = registries();
    const fleet = await buildReferenceFleet(source);
    const { ca, c1 } = fleet.certificates;
    await target.registerCaCertificate({ certificateId: ca.certificateId, certificatePem: ca.certificatePem, status: 'ACTIVE', autoRegistration: true });
    await syncResources(source, side(target), [{ kind: 'certificate', certificateId: c1.certificateId }]);
    expect(await target.getCertificate(c1.certificateId)).toMatchObject({ caCertificateId: ca.certificateId, status: 'ACTIVE' });
  });

  describe('a thing deleted in the source', () => {
    async function setUp() {
      const { source, target } = registries();
      const cert = await selfSignedCertificate('t');
      for (const r of [source, target]) await r.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
      await target.createThing({ name: 'gone', attributes: {} });
      await target.attachThingPrincipal('gone', cert.certificateId, 'NON_EXCLUSIVE_THING');
      return { source, target, ref: { kind: 'thing', name: 'gone' } as ResourceRef };
    }

    it('is kept in retain mode, with no write call', async () => {
      const { source, target, ref } = await setUp();
      const writes = target.writeCalls().length;
      const result = await syncResources(source, side(target), [ref]);
      expect(result.outcomes).toEqual([expect.objectContaining({ kind: 'thing', status: 'skipped' })]);
      expect(target.writeCalls()).toHaveLength(writes);
    });

    it('is deleted in mirror mode after its principals are detached', async () => {
      const { source, target, ref } = await setUp();
      const result = await syncResources(source, side(target), [ref], { deleteMode: 'mirror' });
      expect(result.outcomes.map((o) => [o.operationId.split(':')[0], o.status])).toEqual([['detachThingPrincipal', 'ok'], ['deleteThing', 'ok']]);
      expect(await target.getThing('gone')).toBeUndefined();
    });
  });

  it('deletes a certificate gone from the source in mirror mode: detaches it, makes it INACTIVE, deletes it', async () => {
    const { source, target } = registries();
    const cert = await selfSignedCertificate('old');
    await target.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
    await target.createPolicy('p', '{}');
    await target.attachPolicy('p', { kind: 'certificate', certificateId: cert.certificateId });
    for (const r of [source, target]) await r.createThing({ name: 'device', attributes: {} });
    await target.attachThingPrincipal('device', cert.certificateId, 'NON_EXCLUSIVE_THING');
    const result = await syncResources(source, side(target), [{ kind: 'certificate', certificateId: cert.certificateId }], { deleteMode: 'mirror' });
    expect(result.outcomes.filter((o) => o.status !== 'ok')).toEqual([]);
    expect(await target.getCertificate(cert.certificateId)).toBeUndefined();
    expect(await target.getPolicy('p')).toBeDefined();
  });

  it('detaches a policy from a certificate when the source did, in retain mode too', async () => {
    const { source, target } = registries();
    const cert = await selfSignedCertificate('c');
    for (const r of [source, target]) {
      await r.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
      await r.createPolicy('p', '{}');
    }
    await target.attachPolicy('p', { kind: 'certificate', certificateId: cert.certificateId });
    const ref: ResourceRef = { kind: 'policyAttachments', target: { kind: 'certificate', certificateId: cert.certificateId } };
    const result = await syncResources(source, side(target), [ref]);
    expect(result.outcomes).toEqual([expect.objectContaining({ operationId: expect.stringMatching(/^detachPolicy:/), status: 'ok' })]);
    expect(await target.listAttachedPolicies(ref.target)).toEqual([]);
  });

  it('guards event-driven deletes with the target thing count when given', async () => {
    const { source, target } = registries();
    for (const name of ['a', 'b']) await target.createThing({ name, attributes: {} });
    const refs: ResourceRef[] = [{ kind: 'thing', name: 'a' }, { kind: 'thing', name: 'b' }];
    const refused = await syncResources(source, side(target), refs, { deleteMode: 'mirror' });
    expect(refused.plan.refused).toMatchObject({ deletes: 2, limit: 1 });
    const allowed = await syncResources(source, side(target), refs, { deleteMode: 'mirror', targetThingCount: 20 });
    expect(allowed.totals.deleted).toBe(2);
  });
});

describe('syncResources into a target registry in another account', () => {
  it('writes the policy with the target account in its IoT ARNs, then finds it in sync and writes nothing more', async () => {
    const source = new InMemoryRegistry({ region: SOURCE_REGION, accountId: '111111111111' });
    const target = new InMemoryRegistry({ region: TARGET_REGION, accountId: '222222222222' });
    const document = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:${SOURCE_REGION}:111111111111:client/\${iot:Connection.Thing.ThingName}` }],
    });
    await source.createPolicy('device', document);

    const first = await syncResources(source, side(target), [{ kind: 'policy', name: 'device' }]);
    expect(first.plan.operations).toEqual([expect.objectContaining({ type: 'createPolicy', rewrittenArns: 1, rewrittenAccounts: 1 })]);
    expect((await target.getPolicy('device'))?.document).toContain(`arn:aws:iot:${TARGET_REGION}:222222222222:client/`);

    const writes = target.writeCalls().length;
    const second = await syncResources(source, side(target), [{ kind: 'policy', name: 'device' }]);
    expect(second.differences).toEqual([]);
    expect(target.writeCalls()).toHaveLength(writes);
  });
});
