import { readAll, readResources, snapshotRefs } from '../../lib/core/scope';
import { changeStages, type StageItem } from '../../lib/core/change-stages';
import { ResourceRefSchema, type ResourceRef } from '../../lib/core/resource-ref';
import { refKey } from '../../lib/core/keys';
import { buildReferenceFleet, registries, type ReferenceFleet } from '../support/reference-fleet';

describe('ResourceRefSchema', () => {
  it('accepts every ref kind', () => {
    const id = 'a'.repeat(64);
    const refs = [
      { kind: 'thingType', name: 'sensor' },
      { kind: 'thingGroup', name: 'g' },
      { kind: 'policy', name: 'p.1' },
      { kind: 'caCertificate', certificateId: id },
      { kind: 'certificate', certificateId: id },
      { kind: 'thing', name: 't' },
      { kind: 'thingPrincipals', thingName: 't' },
      { kind: 'policyAttachments', target: { kind: 'thingGroup', groupName: 'g' } },
    ];
    for (const ref of refs) expect(ResourceRefSchema.parse(ref)).toEqual(ref);
  });

  it('rejects an unknown kind and a bad certificate ID, naming the field', () => {
    expect(ResourceRefSchema.safeParse({ kind: 'jobs', name: 'x' }).success).toBe(false);
    const bad = ResourceRefSchema.safeParse({ kind: 'certificate', certificateId: 'XYZ' });
    expect(bad.error?.issues[0]?.path).toEqual(['certificateId']);
  });
});

describe('scoped reads', () => {
  let fleet: ReferenceFleet;
  beforeAll(async () => {
    fleet = await buildReferenceFleet(registries().source);
  });
  const reader = () => fleet.source;

  it('reads exactly the named resources, and nothing for an absent one', async () => {
    const before = reader().calls.length;
    const snapshot = await readResources(reader(), [
      { kind: 'thing', name: 'sensor-1' },
      { kind: 'thing', name: 'nobody' },
      { kind: 'policy', name: 'device' },
    ]);
    expect(snapshot.things.map((t) => t.name)).toEqual(['sensor-1']);
    expect(snapshot.policies.map((p) => p.name)).toEqual(['device']);
    expect(snapshot.certificates).toEqual([]);
    expect(reader().calls.slice(before).map((c) => c.method).sort()).toEqual(['getPolicy', 'getThing', 'getThing']);
  });

  it('reads a relationship ref with its parent, each resource once', async () => {
    const { c1 } = fleet.certificates;
    const before = reader().calls.length;
    const snapshot = await readResources(reader(), [
      { kind: 'thingPrincipals', thingName: 'sensor-1' },
      { kind: 'thing', name: 'sensor-1' },
      { kind: 'policyAttachments', target: { kind: 'certificate', certificateId: c1.certificateId } },
    ]);
    expect(snapshot.things.map((t) => t.name)).toEqual(['sensor-1']);
    expect(snapshot.certificates.map((c) => c.certificateId)).toEqual([c1.certificateId]);
    expect(snapshot.thingPrincipalAttachments).toEqual([{ thingName: 'sensor-1', certificateId: c1.certificateId, type: 'EXCLUSIVE_THING' }]);
    expect(snapshot.policyAttachments).toEqual([{ policyName: 'device', target: { kind: 'certificate', certificateId: c1.certificateId } }]);
    expect(reader().calls.slice(before).filter((c) => c.method === 'getThing')).toHaveLength(1);
  });

  it('reads the whole registry', async () => {
    const snapshot = await readAll(reader(), { concurrency: 3 });
    expect(snapshot.things).toHaveLength(5);
    expect(snapshot.thingGroups).toHaveLength(4);
    expect(snapshot.certificates).toHaveLength(5);
    expect(snapshot.caCertificates).toHaveLength(1);
    expect(snapshot.policyAttachments).toHaveLength(4);
    expect(snapshot.thingPrincipalAttachments).toHaveLength(4);
  });

  it('reads only what a thing filter reaches: types, groups with ancestors, certificates, CAs, policies, attachments', async () => {
    const snapshot = await readAll(reader(), { thingFilter: { namePrefix: 'sensor-1' } });
    expect(snapshot.things.map((t) => t.name)).toEqual(['sensor-1']);
    expect(snapshot.thingTypes.map((t) => t.name)).toEqual(['sensor']);
    expect(snapshot.thingGroups.map((g) => g.name)).toEqual(['floor-1', 'site-a']);
    expect(snapshot.certificates.map((c) => c.certificateId)).toEqual([fleet.certificates.c1.certificateId]);
    expect(snapshot.caCertificates.map((c) => c.certificateId)).toEqual([fleet.certificates.ca.certificateId]);
    expect(snapshot.policies.map((p) => p.name)).toEqual(['device', 'site-ops']);
    expect(snapshot.policyAttachments.map((a) => a.policyName).sort()).toEqual(['device', 'site-ops']);
  });

  it('lists the refs that cover a snapshot', async () => {
    const snapshot = await readAll(reader(), { thingFilter: { namePrefix: 'sensor-1' } });
    expect(snapshotRefs(snapshot).map(refKey)).toEqual(
      expect.arrayContaining(['thing:sensor-1', 'thingPrincipals:sensor-1', `policyAttachments:cert:${fleet.certificates.c1.certificateId}`, 'policyAttachments:group:site-a']),
    );
  });
});

describe('changeStages', () => {
  let fleet: ReferenceFleet;
  beforeAll(async () => {
    fleet = await buildReferenceFleet(registries().source);
  });
  const keys = (stages: StageItem[][]) => stages.map((s) => s.map((i) => `${i.mode} ${refKey(i.ref)}`));

  it('converges a thing as a whole device: its certificates, thing and every attachment, after ensuring its type, groups (parents first), CA and policies', async () => {
    const { c1, ca } = fleet.certificates;
    expect(keys(await changeStages(fleet.source, { kind: 'thing', name: 'sensor-1' }))).toEqual([
      ['ensure thingType:sensor', 'ensure thingGroup:site-a', `ensure caCertificate:${ca.certificateId}`, 'ensure policy:device'],
      ['ensure thingGroup:floor-1'],
      [`converge certificate:${c1.certificateId}`, 'converge thing:sensor-1'],
      ['converge thingPrincipals:sensor-1', `converge policyAttachments:cert:${c1.certificateId}`],
    ]);
  });

  it('converges the same whole device for an event about its thing-principal attachments', async () => {
    expect(await changeStages(fleet.source, { kind: 'thingPrincipals', thingName: 'sensor-1' })).toEqual(
      await changeStages(fleet.source, { kind: 'thing', name: 'sensor-1' }),
    );
  });

  it('converges the devices a certificate is attached to, whole', async () => {
    const { c1 } = fleet.certificates;
    expect(await changeStages(fleet.source, { kind: 'certificate', certificateId: c1.certificateId })).toEqual(
      await changeStages(fleet.source, { kind: 'thing', name: 'sensor-1' }),
    );
  });

  it('converges a certificate attached to no thing and its policy attachments, after ensuring its policies', async () => {
    const { c5 } = fleet.certificates;
    await fleet.source.attachPolicy('device', { kind: 'certificate', certificateId: c5.certificateId });
    try {
      expect(keys(await changeStages(fleet.source, { kind: 'certificate', certificateId: c5.certificateId }))).toEqual([
        ['ensure policy:device'],
        [`converge certificate:${c5.certificateId}`],
        [`converge policyAttachments:cert:${c5.certificateId}`],
      ]);
    } finally {
      await fleet.source.detachPolicy('device', { kind: 'certificate', certificateId: c5.certificateId });
    }
  });

  it('converges a group and its policy attachments after ensuring its ancestors', async () => {
    expect(keys(await changeStages(fleet.source, { kind: 'thingGroup', name: 'floor-2' }))).toEqual([
      ['ensure thingGroup:site-a'],
      ['converge thingGroup:floor-2'],
      ['converge policyAttachments:group:floor-2'],
    ]);
  });

  it('converges an attachment set after ensuring its policies and its parent', async () => {
    expect(keys(await changeStages(fleet.source, { kind: 'policyAttachments', target: { kind: 'thingGroup', groupName: 'site-a' } }))).toEqual([
      ['ensure policy:site-ops'],
      ['ensure thingGroup:site-a'],
      ['converge policyAttachments:group:site-a'],
    ]);
  });

  it.each<ResourceRef>([
    { kind: 'thing', name: 'deleted' },
    { kind: 'certificate', certificateId: 'e'.repeat(64) },
    { kind: 'thingGroup', name: 'deleted' },
    { kind: 'thingPrincipals', thingName: 'deleted' },
    { kind: 'policy', name: 'device' },
    { kind: 'thingType', name: 'sensor' },
  ])('yields just the ref for %j (absent in the source, or needing nothing first)', async (ref) => {
    expect(await changeStages(fleet.source, ref)).toEqual([[{ ref, mode: 'converge' }]]);
  });
});
