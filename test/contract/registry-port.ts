/**
 * The contract of the registry port (lib/core/port.ts), as one suite that every implementation passes: the
 * in-memory registry the core's tests use and the adapter over the real SDK against the emulator. What the
 * core relies on is stated here once; a behaviour that only one implementation has is a bug in the other.
 */
import type { Registry } from '../../lib/core/port';
import { selfSignedCertificate, type DeviceCertificate } from '../../lib/local/certificates';

/** An implementation under test, fresh for each test (empty registry). */
export interface PortUnderTest {
  registry: Registry;
  close(): Promise<void>;
}

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

/** Every name of a paged listing, following its tokens. */
async function allPages(list: (token?: string) => Promise<{ items: string[]; nextToken?: string }>): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await list(token);
    names.push(...page.items);
    token = page.nextToken;
  } while (token !== undefined);
  return names;
}

const document = (topic: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `arn:aws:iot:us-east-1:123456789012:topic/${topic}` }] });

/** Declares the port's contract for one implementation. */
export function describeRegistryPort(name: string, create: () => Promise<PortUnderTest>): void {
  describe(`the registry port: ${name}`, () => {
    let port: PortUnderTest;
    let r: Registry;
    let cert: DeviceCertificate;

    beforeAll(async () => {
      cert = await selfSignedCertificate('contract-device');
    });
    beforeEach(async () => {
      port = await create();
      r = port.registry;
    });
    afterEach(async () => {
      await port.close();
    });

    it('answers undefined (not an error) for what does not exist', async () => {
      expect(await r.getThing('absent')).toBeUndefined();
      expect(await r.getThingType('absent')).toBeUndefined();
      expect(await r.getThingGroup('absent')).toBeUndefined();
      expect(await r.getPolicy('absent')).toBeUndefined();
      expect(await r.getCertificate('0'.repeat(64))).toBeUndefined();
    });

    it('keeps a thing type, updates its description and deprecates it', async () => {
      await r.createThingType({ name: 'meter', description: 'v1', searchableAttributes: ['site'], deprecated: false });
      await r.updateThingType({ name: 'meter', description: 'v2', searchableAttributes: ['site'], deprecated: false });
      await r.setThingTypeDeprecated('meter', true);
      expect(await r.getThingType('meter')).toEqual({ name: 'meter', description: 'v2', searchableAttributes: ['site'], deprecated: true });
      expect((await collect(r.listThingTypes())).map((t) => t.name)).toEqual(['meter']);
    });

    it('keeps static groups with their parent and dynamic groups with their query', async () => {
      await r.createThingGroup({ kind: 'static', name: 'site', attributes: { region: 'north' } });
      await r.createThingGroup({ kind: 'static', name: 'floor', parentName: 'site', attributes: {} });
      await r.createThingGroup({ kind: 'dynamic', name: 'meters', queryString: 'thingTypeName:meter', attributes: {} });
      expect(await r.getThingGroup('floor')).toMatchObject({ kind: 'static', name: 'floor', parentName: 'site' });
      expect(await r.getThingGroup('site')).toMatchObject({ kind: 'static', attributes: { region: 'north' } });
      expect(await r.getThingGroup('meters')).toMatchObject({ kind: 'dynamic', queryString: 'thingTypeName:meter' });
      expect((await collect(r.listThingGroups())).map((g) => g.name).sort()).toEqual(['floor', 'meters', 'site']);
    });

    it('keeps a thing with its type, attributes and static groups; an update replaces the attribute set', async () => {
      await r.createThingType({ name: 'meter', searchableAttributes: [], deprecated: false });
      await r.createThingGroup({ kind: 'static', name: 'site', attributes: {} });
      await r.createThing({ name: 'm-1', thingTypeName: 'meter', attributes: { a: '1', b: '2' } });
      await r.addThingToGroup('m-1', { name: 'site' });
      expect(await r.getThing('m-1')).toEqual({ name: 'm-1', thingTypeName: 'meter', attributes: { a: '1', b: '2' }, groupNames: ['site'] });
      await r.updateThing({ name: 'm-1', attributes: { c: '3' } });
      expect(await r.getThing('m-1')).toEqual({ name: 'm-1', attributes: { c: '3' }, groupNames: ['site'] });
      expect(await allPages((t) => r.listThingNamesInGroup('site', t))).toEqual(['m-1']);
      await r.removeThingFromGroup('m-1', 'site');
      await r.deleteThing('m-1');
      expect(await r.getThing('m-1')).toBeUndefined();
    });

    it('lists thing names page by page, filtered by prefix, type and attribute', async () => {
      await r.createThingType({ name: 'meter', searchableAttributes: [], deprecated: false });
      for (let i = 0; i < 12; i += 1) {
        await r.createThing({ name: `t-${String(i).padStart(2, '0')}`, ...(i % 2 === 0 ? { thingTypeName: 'meter' } : {}), attributes: { site: i < 6 ? 'north' : 'south' } });
      }
      await r.createThing({ name: 'other', attributes: {} });
      expect((await allPages((t) => r.listThingNames({}, t))).sort()).toHaveLength(13);
      expect((await allPages((t) => r.listThingNames({ namePrefix: 't-' }, t))).sort()).toHaveLength(12);
      expect((await allPages((t) => r.listThingNames({ thingTypeName: 'meter' }, t))).sort()).toEqual(['t-00', 't-02', 't-04', 't-06', 't-08', 't-10']);
      expect((await allPages((t) => r.listThingNames({ attribute: { name: 'site', value: 'north' } }, t))).sort()).toEqual(['t-00', 't-01', 't-02', 't-03', 't-04', 't-05']);
    });

    it('registers a certificate without a CA under its own ID, idempotently, and changes its status', async () => {
      await r.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
      await r.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
      expect(await r.getCertificate(cert.certificateId)).toMatchObject({ certificateId: cert.certificateId, status: 'ACTIVE' });
      await r.updateCertificateStatus(cert.certificateId, 'REVOKED');
      expect(await collect(r.listCertificates())).toEqual([expect.objectContaining({ certificateId: cert.certificateId, status: 'REVOKED' })]);
    });

    it('keeps a policy’s default document across versions and lists its versions', async () => {
      await r.createPolicy('device', document('a'));
      await r.createPolicyVersion('device', document('b'));
      expect(await r.getPolicy('device')).toEqual({ name: 'device', document: document('b') });
      const versions = await r.listPolicyVersions('device');
      expect(versions).toHaveLength(2);
      expect(versions.filter((v) => v.isDefault)).toHaveLength(1);
      expect(await collect(r.listPolicyNames())).toEqual(['device']);
    });

    it('refuses a sixth policy version with PolicyVersionLimitError', async () => {
      await r.createPolicy('full', document('v1'));
      for (let v = 2; v <= 5; v += 1) await r.createPolicyVersion('full', document(`v${v}`));
      await expect(r.createPolicyVersion('full', document('v6'))).rejects.toMatchObject({ name: 'PolicyVersionLimitError' });
    });

    it('attaches policies to certificates and thing groups and lists them both ways', async () => {
      await r.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
      await r.createThingGroup({ kind: 'static', name: 'site', attributes: {} });
      await r.createPolicy('device', document('a'));
      const onCert = { kind: 'certificate' as const, certificateId: cert.certificateId };
      const onGroup = { kind: 'thingGroup' as const, groupName: 'site' };
      await r.attachPolicy('device', onCert);
      await r.attachPolicy('device', onGroup);
      expect((await r.listPolicyTargets('device')).map((t) => t.kind).sort()).toEqual(['certificate', 'thingGroup']);
      expect(await r.listAttachedPolicies(onCert)).toEqual(['device']);
      expect(await r.listAttachedPolicies(onGroup)).toEqual(['device']);
      await r.detachPolicy('device', onGroup);
      expect(await r.listPolicyTargets('device')).toEqual([onCert]);
    });

    it('attaches a certificate to a thing with its exclusive type and lists it from both sides', async () => {
      await r.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
      await r.createThing({ name: 'm-1', attributes: {} });
      await r.attachThingPrincipal('m-1', cert.certificateId, 'EXCLUSIVE_THING');
      const attachment = { thingName: 'm-1', certificateId: cert.certificateId, type: 'EXCLUSIVE_THING' };
      expect(await r.listThingPrincipals('m-1')).toEqual([attachment]);
      expect(await r.listPrincipalThings(cert.certificateId)).toEqual([attachment]);
      await r.detachThingPrincipal('m-1', cert.certificateId);
      expect(await r.listThingPrincipals('m-1')).toEqual([]);
    });
  });
}
