/**
 * Contract of IotRegistry against the project's IoT emulator, over HTTP with the real SDK, in two
 * regions. Every port method is exercised; fresh registries per test so no cache carries over.
 */
import { CreateBillingGroupCommand, CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { certificateIdOfPem } from '../../lib/core/certificate-id';
import { createIotClient, createIotRegistry, registryPair } from '../../lib/aws/clients';
import type { IotRegistry } from '../../lib/aws/iot-registry';
import { startEmulator } from '../../lib/local/emulator';
import { LocalCertificateAuthority, selfSignedCertificate } from '../../lib/local/certificates';
import { ACCOUNT } from '../support/constants';

const SOURCE = 'eu-west-1';
const TARGET = 'eu-central-1';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

const policyDocument = (topic: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `arn:aws:iot:${SOURCE}:${ACCOUNT}:topic/${topic}` }],
  });

describe('IotRegistry against the emulator', () => {
  let emulator: Emulator;
  let ca: LocalCertificateAuthority;
  let source: IotRegistry;
  let target: IotRegistry;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, quotaScale: 0, accountId: ACCOUNT, registryEvents: 'none', thingTypeDeletionDelayMs: 0 });
    ca = await LocalCertificateAuthority.create();
  });

  afterAll(async () => {
    await emulator.close();
  });

  beforeEach(() => {
    emulator.reset();
    // No accountId: the registries learn it from the first ARN they see (or one describe).
    ({ source, target } = registryPair({ sourceRegion: SOURCE, targetRegion: TARGET, endpoint: emulator.url, quotas: { scale: 0 } }));
  });

  /** A raw client for setup the port does not cover (billing groups). */
  const rawClient = (region: string): IoTClient => createIotClient({ region, endpoint: emulator.url });

  describe('thing types', () => {
    it('creates, reads, lists, updates, deprecates and deletes a thing type', async () => {
      await target.createThingType({ name: 'sensor', description: 'a sensor', searchableAttributes: ['floor'], deprecated: false });

      expect(await target.getThingType('sensor')).toEqual({
        name: 'sensor',
        description: 'a sensor',
        searchableAttributes: ['floor'],
        deprecated: false,
      });
      expect(await source.getThingType('sensor')).toBeUndefined();

      await target.updateThingType({ name: 'sensor', description: 'a better sensor', searchableAttributes: ['floor'], deprecated: false });
      await target.setThingTypeDeprecated('sensor', true);
      expect(await collect(target.listThingTypes())).toEqual([
        { name: 'sensor', description: 'a better sensor', searchableAttributes: ['floor'], deprecated: true },
      ]);

      await target.setThingTypeDeprecated('sensor', false);
      expect((await target.getThingType('sensor'))?.deprecated).toBe(false);
    });

    it('deletes a deprecated thing type', async () => {
      await target.createThingType({ name: 'old', searchableAttributes: [], deprecated: false });
      await target.setThingTypeDeprecated('old', true);

      await target.deleteThingType('old');

      expect(await target.getThingType('old')).toBeUndefined();
    });
  });

  describe('thing groups', () => {
    it('tells static from dynamic groups and keeps the parent of a static one', async () => {
      await source.createThingGroup({ kind: 'static', name: 'building', attributes: {} });
      await source.createThingGroup({ kind: 'static', name: 'floor-1', parentName: 'building', description: 'first', attributes: { level: '1' } });
      await source.createThingGroup({ kind: 'dynamic', name: 'hot', queryString: 'attributes.temp:high', attributes: {} });

      const groups = await collect(source.listThingGroups());

      expect(groups).toEqual(
        expect.arrayContaining([
          { kind: 'static', name: 'building', attributes: {} },
          { kind: 'static', name: 'floor-1', parentName: 'building', description: 'first', attributes: { level: '1' } },
          { kind: 'dynamic', name: 'hot', queryString: 'attributes.temp:high', attributes: {} },
        ]),
      );
      expect(groups).toHaveLength(3);
      expect(await target.getThingGroup('floor-1')).toBeUndefined();
    });

    it('replaces description and attributes of a static group and the query of a dynamic one', async () => {
      await target.createThingGroup({ kind: 'static', name: 'g1', description: 'old', attributes: { a: '1', b: '2' } });
      await target.createThingGroup({ kind: 'dynamic', name: 'd1', queryString: 'attributes.a:1', attributes: {} });

      await target.updateThingGroup({ kind: 'static', name: 'g1', attributes: { a: '9' } });
      await target.updateThingGroup({ kind: 'dynamic', name: 'd1', queryString: 'attributes.a:2', attributes: {} });

      expect(await target.getThingGroup('g1')).toEqual({ kind: 'static', name: 'g1', attributes: { a: '9' } });
      expect(await target.getThingGroup('d1')).toMatchObject({ kind: 'dynamic', queryString: 'attributes.a:2' });
    });

    it('deletes static and dynamic groups', async () => {
      await target.createThingGroup({ kind: 'static', name: 'g1', attributes: {} });
      await target.createThingGroup({ kind: 'dynamic', name: 'd1', queryString: 'thingName:x*', attributes: {} });

      await target.deleteThingGroup('g1', 'static');
      await target.deleteThingGroup('d1', 'dynamic');

      expect(await collect(target.listThingGroups())).toEqual([]);
    });
  });

  describe('things', () => {
    it('reads a thing with its type, attributes, billing group and only its static groups', async () => {
      await rawClient(TARGET).send(new CreateBillingGroupCommand({ billingGroupName: 'bill-1' }));
      await rawClient(TARGET).send(new CreateBillingGroupCommand({ billingGroupName: 'bill-2' }));
      await target.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
      await target.createThingGroup({ kind: 'static', name: 'floor-1', attributes: {} });
      await target.createThingGroup({ kind: 'dynamic', name: 'all-sensors', queryString: 'thingTypeName:sensor', attributes: {} });

      await target.createThing({ name: 't1', thingTypeName: 'sensor', attributes: { floor: '1' }, billingGroupName: 'bill-1' });
      await target.addThingToGroup('t1', { name: 'floor-1' });

      expect(await target.getThing('t1')).toEqual({
        name: 't1',
        thingTypeName: 'sensor',
        attributes: { floor: '1' },
        billingGroupName: 'bill-1',
        groupNames: ['floor-1'],
      });

      await target.removeThingFromBillingGroup('t1', 'bill-1');
      await target.addThingToBillingGroup('t1', 'bill-2');
      expect((await target.getThing('t1'))?.billingGroupName).toBe('bill-2');
    });

    it('replaces the whole attribute set and removes the type on update', async () => {
      await target.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
      await target.createThing({ name: 't1', thingTypeName: 'sensor', attributes: { a: '1', b: '2' } });

      await target.updateThing({ name: 't1', attributes: { c: '3' } });

      expect(await target.getThing('t1')).toEqual({ name: 't1', attributes: { c: '3' }, groupNames: [] });
    });

    it('removes a thing from a group and deletes it', async () => {
      await target.createThingGroup({ kind: 'static', name: 'g1', attributes: {} });
      await target.createThing({ name: 't1', attributes: {} });
      await target.addThingToGroup('t1', { name: 'g1' });
      expect((await target.listThingNamesInGroup('g1')).items).toEqual(['t1']);

      await target.removeThingFromGroup('t1', 'g1');
      expect((await target.listThingNamesInGroup('g1')).items).toEqual([]);
      await target.deleteThing('t1');

      expect(await target.getThing('t1')).toBeUndefined();
    });

    it('pages through more than 250 things and filters by type, attribute and name prefix', async () => {
      const client = rawClient(SOURCE);
      await source.createThingType({ name: 'meter', searchableAttributes: [], deprecated: false });
      const names = Array.from({ length: 260 }, (_, i) => `thing-${String(i).padStart(3, '0')}`);
      for (let i = 0; i < names.length; i += 50) {
        await Promise.all(
          names.slice(i, i + 50).map((thingName, j) =>
            client.send(
              new CreateThingCommand({
                thingName,
                ...((i + j) % 2 === 0 ? { thingTypeName: 'meter' } : {}),
                attributePayload: { attributes: { parity: (i + j) % 2 === 0 ? 'even' : 'odd' } },
              }),
            ),
          ),
        );
      }

      const first = await source.listThingNames({});
      expect(first.items).toHaveLength(250);
      expect(first.nextToken).toBeDefined();
      const second = await source.listThingNames({}, first.nextToken);
      expect(second.nextToken).toBeUndefined();
      expect(new Set([...first.items, ...second.items])).toEqual(new Set(names));

      const meters = await source.listThingNames({ thingTypeName: 'meter' });
      expect(meters.items).toHaveLength(130);
      const odd = await source.listThingNames({ attribute: { name: 'parity', value: 'odd' } });
      expect(odd.items).toHaveLength(130);
      const prefixed = await source.listThingNames({ namePrefix: 'thing-25' });
      const rest = prefixed.nextToken ? await source.listThingNames({ namePrefix: 'thing-25' }, prefixed.nextToken) : { items: [] };
      expect([...prefixed.items, ...rest.items].sort()).toEqual(names.filter((n) => n.startsWith('thing-25')));
    });

    it('pages through the members of a group', async () => {
      await source.createThingGroup({ kind: 'static', name: 'big', attributes: {} });
      const names = Array.from({ length: 255 }, (_, i) => `m-${String(i).padStart(3, '0')}`);
      for (let i = 0; i < names.length; i += 50) {
        await Promise.all(
          names.slice(i, i + 50).map(async (n) => {
            await source.createThing({ name: n, attributes: {} });
            await source.addThingToGroup(n, { name: 'big' });
          }),
        );
      }

      const first = await source.listThingNamesInGroup('big');
      const second = await source.listThingNamesInGroup('big', first.nextToken);

      expect(first.items).toHaveLength(250);
      expect([...first.items, ...second.items].sort()).toEqual(names);
      expect(await source.listThingNamesInGroup('no-such-group')).toEqual({ items: [] });
    });
  });

  describe('certificates', () => {
    it('registers the same PEM under the same ID in both regions', async () => {
      const pem = (await selfSignedCertificate('device-1')).certificatePem;
      const id = certificateIdOfPem(pem) as string;

      await source.registerCertificate({ certificatePem: pem, status: 'ACTIVE' });
      await target.registerCertificate({ certificatePem: pem, status: 'ACTIVE' });

      const inSource = await source.getCertificate(id);
      const inTarget = await target.getCertificate(id);
      expect(inSource).toEqual({ certificateId: id, status: 'ACTIVE', certificatePem: pem, certificateMode: 'SNI_ONLY' });
      expect(inTarget).toEqual(inSource);
      expect(await collect(target.listCertificates())).toEqual([{ certificateId: id, status: 'ACTIVE' }]);
    });

    it('treats registering the same certificate twice as success, whatever the status', async () => {
      const pem = (await selfSignedCertificate('device-2')).certificatePem;
      const id = certificateIdOfPem(pem) as string;

      await target.registerCertificate({ certificatePem: pem, status: 'INACTIVE' });
      await target.registerCertificate({ certificatePem: pem, status: 'ACTIVE' });

      // The status differs: the caller converges it with updateCertificateStatus.
      expect((await target.getCertificate(id))?.status).toBe('INACTIVE');
    });

    it('updates the status, and refuses to bring a REVOKED certificate back', async () => {
      const pem = (await selfSignedCertificate('device-3')).certificatePem;
      const id = certificateIdOfPem(pem) as string;
      await target.registerCertificate({ certificatePem: pem, status: 'ACTIVE' });

      await target.updateCertificateStatus(id, 'INACTIVE');
      expect((await target.getCertificate(id))?.status).toBe('INACTIVE');
      await target.updateCertificateStatus(id, 'REVOKED');
      const error = await failureOf(target.updateCertificateStatus(id, 'ACTIVE'));

      expect(error.name).toBe('CertificateStateError');
      expect(error.message).toContain('UpdateCertificate');
      expect(error.message).toContain(`cert/${id}`);
      expect((await target.getCertificate(id))?.status).toBe('REVOKED');
    });

    it('deletes an inactive certificate and refuses an active one', async () => {
      const pem = (await selfSignedCertificate('device-4')).certificatePem;
      const id = certificateIdOfPem(pem) as string;
      await target.registerCertificate({ certificatePem: pem, status: 'ACTIVE' });

      expect((await failureOf(target.deleteCertificate(id))).name).toBe('CertificateStateError');
      await target.updateCertificateStatus(id, 'INACTIVE');
      await target.deleteCertificate(id);

      expect(await target.getCertificate(id)).toBeUndefined();
    });

    it('rejects a PEM that is not a certificate with InvalidResourceError', async () => {
      const error = await failureOf(
        target.registerCertificate({ certificatePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', status: 'ACTIVE' }),
      );

      expect(error.name).toBe('InvalidResourceError');
    });
  });

  describe('CA certificates', () => {
    it('registers a CA in SNI_ONLY mode and a device certificate with it', async () => {
      const caId = certificateIdOfPem(ca.certificatePem) as string;
      const devicePem = (await ca.issue('device-ca-1')).certificatePem;
      const deviceId = certificateIdOfPem(devicePem) as string;

      await target.registerCaCertificate({ certificateId: caId, status: 'ACTIVE', certificatePem: ca.certificatePem, autoRegistration: true });
      await target.registerCaCertificate({ certificateId: caId, status: 'ACTIVE', certificatePem: ca.certificatePem, autoRegistration: true });
      await target.registerCertificate({ certificatePem: devicePem, status: 'ACTIVE', caCertificatePem: ca.certificatePem });

      expect(await target.getCaCertificate(caId)).toEqual({
        certificateId: caId,
        status: 'ACTIVE',
        certificatePem: ca.certificatePem,
        autoRegistration: true,
        certificateMode: 'SNI_ONLY',
      });
      expect(await target.getCertificate(deviceId)).toMatchObject({ caCertificateId: caId, status: 'ACTIVE', certificateMode: 'SNI_ONLY' });
      expect((await collect(target.listCaCertificates())).map((c) => c.certificateId)).toEqual([caId]);
    });

    it('updates and deletes a CA certificate', async () => {
      const caId = certificateIdOfPem(ca.certificatePem) as string;
      await target.registerCaCertificate({ certificateId: caId, status: 'ACTIVE', certificatePem: ca.certificatePem, autoRegistration: false });

      await target.updateCaCertificate({ certificateId: caId, status: 'INACTIVE', certificatePem: ca.certificatePem, autoRegistration: true });
      expect(await target.getCaCertificate(caId)).toMatchObject({ status: 'INACTIVE', autoRegistration: true });
      await target.deleteCaCertificate(caId);

      expect(await target.getCaCertificate(caId)).toBeUndefined();
    });
  });

  describe('policies', () => {
    it('creates a policy, makes each new version the default and lists the versions', async () => {
      await target.createPolicy('p1', policyDocument('a'));
      await target.createPolicyVersion('p1', policyDocument('b'));

      expect(await target.getPolicy('p1')).toEqual({ name: 'p1', document: policyDocument('b') });
      const versions = await target.listPolicyVersions('p1');
      expect(versions.map((v) => [v.versionId, v.isDefault]).sort()).toEqual([
        ['1', false],
        ['2', true],
      ]);
      expect(await collect(target.listPolicyNames())).toEqual(['p1']);
    });

    it('throws PolicyVersionLimitError at five versions, and accepts a sixth once one is deleted', async () => {
      await target.createPolicy('p1', policyDocument('v1'));
      for (const v of ['v2', 'v3', 'v4', 'v5']) await target.createPolicyVersion('p1', policyDocument(v));

      const error = await failureOf(target.createPolicyVersion('p1', policyDocument('v6')));
      expect(error.name).toBe('PolicyVersionLimitError');
      expect(error.message).toContain('policy/p1');

      await target.deletePolicyVersion('p1', '1');
      await target.createPolicyVersion('p1', policyDocument('v6'));
      expect((await target.getPolicy('p1'))?.document).toBe(policyDocument('v6'));
    });

    it('rejects a malformed document with InvalidResourceError', async () => {
      expect((await failureOf(target.createPolicy('bad', '{not json'))).name).toBe('InvalidResourceError');
    });

    it('attaches and detaches a policy to a certificate and to a thing group', async () => {
      const pem = (await selfSignedCertificate('device-p')).certificatePem;
      const id = certificateIdOfPem(pem) as string;
      await target.registerCertificate({ certificatePem: pem, status: 'ACTIVE' });
      await target.createThingGroup({ kind: 'static', name: 'floor-1', attributes: {} });
      await target.createPolicy('p1', policyDocument('a'));
      // A fresh registry knows no account ID yet: it learns it from the certificate it attaches.
      const fresh = createIotRegistry({ region: TARGET, endpoint: emulator.url, quotas: { scale: 0 } });

      await fresh.attachPolicy('p1', { kind: 'certificate', certificateId: id });
      await fresh.attachPolicy('p1', { kind: 'thingGroup', groupName: 'floor-1' });

      expect(await fresh.listPolicyTargets('p1')).toEqual(
        expect.arrayContaining([
          { kind: 'certificate', certificateId: id },
          { kind: 'thingGroup', groupName: 'floor-1' },
        ]),
      );
      expect(await fresh.listAttachedPolicies({ kind: 'certificate', certificateId: id })).toEqual(['p1']);
      expect(await fresh.listAttachedPolicies({ kind: 'thingGroup', groupName: 'floor-1' })).toEqual(['p1']);

      await fresh.detachPolicy('p1', { kind: 'certificate', certificateId: id });
      await fresh.detachPolicy('p1', { kind: 'thingGroup', groupName: 'floor-1' });
      expect(await fresh.listPolicyTargets('p1')).toEqual([]);
      await fresh.deletePolicy('p1');
      expect(await fresh.getPolicy('p1')).toBeUndefined();
    });
  });

  describe('thing principals', () => {
    it('attaches certificates with their types and lists them from both sides', async () => {
      const pemA = (await selfSignedCertificate('device-a')).certificatePem;
      const pemB = (await selfSignedCertificate('device-b')).certificatePem;
      const a = certificateIdOfPem(pemA) as string;
      const b = certificateIdOfPem(pemB) as string;
      await target.registerCertificate({ certificatePem: pemA, status: 'ACTIVE' });
      await target.registerCertificate({ certificatePem: pemB, status: 'ACTIVE' });
      await target.createThing({ name: 't1', attributes: {} });
      await target.createThing({ name: 't2', attributes: {} });

      await target.attachThingPrincipal('t1', a, 'EXCLUSIVE_THING');
      await target.attachThingPrincipal('t1', b, 'NON_EXCLUSIVE_THING');
      await target.attachThingPrincipal('t2', b, 'NON_EXCLUSIVE_THING');

      expect(await target.listThingPrincipals('t1')).toEqual(
        expect.arrayContaining([
          { thingName: 't1', certificateId: a, type: 'EXCLUSIVE_THING' },
          { thingName: 't1', certificateId: b, type: 'NON_EXCLUSIVE_THING' },
        ]),
      );
      expect((await target.listPrincipalThings(b)).map((x) => x.thingName).sort()).toEqual(['t1', 't2']);
      expect(await target.listPrincipalThings(a)).toEqual([{ thingName: 't1', certificateId: a, type: 'EXCLUSIVE_THING' }]);
      expect(target.stats().principalListingV1).toBe(false);

      await target.detachThingPrincipal('t1', a);
      expect(await target.listThingPrincipals('t1')).toEqual([{ thingName: 't1', certificateId: b, type: 'NON_EXCLUSIVE_THING' }]);
    });

    it('lists nothing for a thing or certificate that does not exist', async () => {
      expect(await target.listThingPrincipals('ghost')).toEqual([]);
      expect(await target.listPrincipalThings('f'.repeat(64))).toEqual([]);
    });
  });

  describe('missing resources', () => {
    it('answers undefined from every get* of a missing resource', async () => {
      const id = 'e'.repeat(64);

      await expect(target.getThingType('none')).resolves.toBeUndefined();
      await expect(target.getThingGroup('none')).resolves.toBeUndefined();
      await expect(target.getThing('none')).resolves.toBeUndefined();
      await expect(target.getCertificate(id)).resolves.toBeUndefined();
      await expect(target.getCaCertificate(id)).resolves.toBeUndefined();
      await expect(target.getPolicy('none')).resolves.toBeUndefined();
      await expect(target.listPolicyVersions('none')).resolves.toEqual([]);
      await expect(target.listPolicyTargets('none')).resolves.toEqual([]);
    });

    it('answers ResourceNotFoundError for a write that needs a missing resource', async () => {
      const error = await failureOf(target.createThing({ name: 't1', thingTypeName: 'no-such-type', attributes: {} }));

      expect(error.name).toBe('ResourceNotFoundError');
      expect(error.message).toContain('CreateThing thing/t1');
    });
  });
});

describe('IotRegistry quota pacing against a throttling emulator', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    // 0.3 × the AWS quotas: DescribeThingType and DescribeThingGroup allow 30 calls per second (burst 30).
    emulator = await startEmulator({ port: 0, quotaScale: 0.3, accountId: ACCOUNT, registryEvents: 'none' });
    const setup = createIotRegistry({ region: TARGET, endpoint: emulator.url, quotas: { scale: 0 } });
    await setup.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
    await setup.createThingGroup({ kind: 'static', name: 'floor-1', attributes: {} });
  });

  afterAll(async () => {
    await emulator.close();
  });

  it('completes a burst above the quota: throttles are retried with backoff, none fails', async () => {
    // Paced at the AWS default (100 TPS) against a 30 TPS bound: the service throttles, the pacer adapts.
    const registry = createIotRegistry({ region: TARGET, endpoint: emulator.url });

    const results = await Promise.all(Array.from({ length: 45 }, () => registry.getThingType('sensor')));

    expect(results.every((t) => t?.name === 'sensor')).toBe(true);
    const { quota } = registry.stats();
    expect(quota.throttles.DescribeThingType).toBeGreaterThan(0);
    expect(quota.retries).toBeGreaterThan(0);
    expect(quota.backoffWaitMs).toBeGreaterThan(0);
    expect(quota.currentTps.DescribeThingType).toBeLessThan(100);
  });

  it('paces a burst below the quota by waiting, without a single throttle', async () => {
    // 10 TPS with a burst of 10, below the emulator's 30 TPS for DescribeThingGroup (untouched by the other test).
    const registry = createIotRegistry({ region: TARGET, endpoint: emulator.url, quotas: { overrides: { DescribeThingGroup: 10 } } });

    const results = await Promise.all(Array.from({ length: 14 }, () => registry.getThingGroup('floor-1')));

    expect(results.every((g) => g?.name === 'floor-1')).toBe(true);
    const { quota } = registry.stats();
    expect(quota.throttles).toEqual({});
    expect(quota.calls.DescribeThingGroup).toBe(14);
    expect(quota.pacingWaitMs).toBeGreaterThan(0);
  });
});
