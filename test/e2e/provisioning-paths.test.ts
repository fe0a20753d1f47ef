/**
 * End to end, per provisioning path: a small fleet is provisioned in the primary only through that path
 * (plus the operator's set-up calls it needs), every event the emulator emits for it goes through
 * statemachine/sync.asl.json with the real handlers, and the secondary must then hold every device
 * whole, with no reconcile: the drift report finds 0 differences and every device ready. Each Lambda signs
 * with its own role of the synthesized template, which the emulator enforces: no call may be denied.
 */
import {
  CreateProvisioningTemplateCommand,
  CreateProvisioningTemplateVersionCommand,
  CreateRoleAliasCommand,
  IoTClient,
  RegisterCACertificateCommand,
  RegisterThingCommand,
  UpdateCACertificateCommand,
  UpdateProvisioningTemplateCommand,
  UpdateRoleAliasCommand,
  UpdateThingTypeCommand,
  UpdateIndexingConfigurationCommand,
  CreateDynamicThingGroupCommand,
  StartThingRegistrationTaskCommand,
} from '@aws-sdk/client-iot';
import { createIotRegistry } from '../../lib/aws/clients';
import type { IotRegistry } from '../../lib/aws/iot-registry';
import { buildDriftReport } from '../../lib/core/drift';
import { silentLogger } from '../../lib/core/logger';
import { readAll } from '../../lib/core/scope';
import { LocalCertificateAuthority } from '../../lib/local/certificates';
import { startEmulator, type RunningEmulator } from '../../lib/local/emulator';
import { LocalEventBus } from '../../lib/local/event-bus';
import { devicePolicyDocument } from '../../lib/local/fleet';
import { LocalSyncRunner } from '../../lib/local/sync-runner';
import type { StaticCredentials } from '../../lib/aws/clients';
import type { SyncDependencies } from '../../lambdas/runtime/dependencies';
import { perRoleDependencies, taskRolesFor } from '../../lib/local/iam';
import type { TaskDependencies } from '../../lib/local/state-machine';
import { synthesizedTemplate } from '../support/synthesized-template';
import { ACCOUNT } from '../support/constants';

const SOURCE = 'us-east-1';
const TARGET = 'eu-west-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/provisioning`;
const DEVICES = 3;

let emulator: RunningEmulator;
let source: IotRegistry;
let target: IotRegistry;
let client: IoTClient;
let lambdas: TaskDependencies<SyncDependencies>;
const template = synthesizedTemplate({ accountId: ACCOUNT, sourceRegion: SOURCE, targetRegion: TARGET });

beforeAll(async () => {
  emulator = await startEmulator({ quotaScale: 0, registryEvents: 'all', accountId: ACCOUNT, thingTypeDeletionDelayMs: 0, iam: { template, stackRegion: SOURCE } });
  const registry = (region: string, credentials?: StaticCredentials) =>
    createIotRegistry({ region, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger, ...(credentials ? { credentials } : {}) });
  source = registry(SOURCE);
  target = registry(TARGET);
  lambdas = perRoleDependencies<SyncDependencies>(taskRolesFor(template, 'sync.asl.json'), (credentials) => ({
    source: registry(SOURCE, credentials),
    target: registry(TARGET, credentials),
    deleteMode: 'retain',
    logger: silentLogger,
  }));
  client = new IoTClient({ endpoint: emulator.url, region: SOURCE, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
});

afterAll(async () => {
  client.destroy();
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
  emulator.events.clearLog();
});

/** The operator's set-up: a thing type, a group and the fleet policy (each with its own CloudTrail event). */
async function setUp() {
  await source.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
  await source.createThingGroup({ kind: 'static', name: 'fleet', attributes: {} });
  await source.createPolicy('fleet-device', devicePolicyDocument(SOURCE, ACCOUNT, '${iot:Connection.Thing.ThingName}'));
}

const thingResource = (name: unknown) => ({ Type: 'AWS::IoT::Thing', Properties: { ThingName: name, ThingTypeName: 'sensor', AttributePayload: { path: 'provisioned' }, ThingGroups: ['fleet'] } });
const policyResource = { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'fleet-device' } };
const certificateById = { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } };

async function admin(path: string, body: unknown, region = SOURCE): Promise<Record<string, unknown>> {
  const res = await fetch(`${emulator.url}/_emulator/provisioning/${path}?region=${region}`, { method: 'POST', body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${path}: ${String(json.message)}`);
  return json;
}

/** Runs every event the primary emitted through the sync state machine; returns the target's write count and the executions' statuses. */
async function syncAllEvents() {
  await emulator.events.flush();
  const bus = new LocalEventBus(SOURCE, ACCOUNT);
  for (const e of emulator.events.log(SOURCE)) await bus.listener(e);
  const runner = new LocalSyncRunner(lambdas, { retryIntervalMs: 0 });
  const statuses: string[] = [];
  for (const event of bus.take()) statuses.push((await runner.run(event)).status);
  expect(emulator.stats().total.denied ?? 0).toBe(0);
  return statuses;
}

/** Like syncAllEvents, but only the CloudTrail records (as when registry events are off). */
async function syncCloudTrailOnly() {
  await emulator.events.flush();
  const bus = new LocalEventBus(SOURCE, ACCOUNT);
  for (const e of emulator.events.log(SOURCE)) if (e.type === 'cloudtrail') await bus.listener(e);
  const runner = new LocalSyncRunner(lambdas, { retryIntervalMs: 0 });
  const statuses: string[] = [];
  for (const event of bus.take()) statuses.push((await runner.run(event)).status);
  expect(emulator.stats().total.denied ?? 0).toBe(0);
  return statuses;
}

async function expectConverged(thingNames: string[]) {
  const [a, b] = await Promise.all([readAll(source), readAll(target)]);
  const report = buildDriftReport({ source: a, target: b, sourceRegion: SOURCE, targetRegion: TARGET, generatedAt: new Date(0).toISOString() });
  expect(report.differences).toEqual([]);
  expect(report.readiness).toMatchObject({ devices: thingNames.length, ready: thingNames.length });
  for (const name of thingNames) {
    const [attachment] = await target.listThingPrincipals(name);
    expect(attachment).toBeDefined();
    expect(await target.listAttachedPolicies({ kind: 'certificate', certificateId: attachment!.certificateId })).toEqual(['fleet-device']);
    expect((await target.getCertificate(attachment!.certificateId))?.status).toBe('ACTIVE');
  }
}

const cloudTrailNames = () => emulator.events.log(SOURCE).flatMap((e) => (e.type === 'cloudtrail' ? [String(e.event.detail.eventName)] : []));

describe('a fleet provisioned through one path converges from its events alone', () => {
  it('fleet provisioning by claim (no CloudTrail record for any device step)', async () => {
    await setUp();
    const template = { Parameters: { SerialNumber: { Type: 'String' } }, Resources: { certificate: certificateById, policy: policyResource, thing: thingResource({ Ref: 'SerialNumber' }) } };
    await client.send(new CreateProvisioningTemplateCommand({ templateName: 'claim', templateBody: JSON.stringify(template), provisioningRoleArn: ROLE, enabled: true }));
    const names: string[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const keys = await admin('create-keys-and-certificate', {});
      const out = await admin('templates/claim/provision', { certificateOwnershipToken: keys.certificateOwnershipToken, parameters: { SerialNumber: `fp-${i}` } });
      names.push(String(out.thingName));
    }
    await emulator.events.flush();
    expect(cloudTrailNames()).toEqual(['CreateThingType', 'CreateThingGroup', 'CreatePolicy', 'CreateProvisioningTemplate']);

    const statuses = await syncAllEvents();

    expect(statuses.every((s) => s === 'SUCCEEDED')).toBe(true);
    await expectConverged(names);
    // The template arrived with the CreateProvisioningTemplate event, so after a failover a new device provisions by claim in the secondary.
    expect(await target.getProvisioningTemplate('claim')).toEqual({ name: 'claim', templateBody: JSON.stringify(template), type: 'FLEET_PROVISIONING', enabled: true, provisioningRoleArn: ROLE });
    const keys = await admin('create-keys-and-certificate', {}, TARGET);
    const out = await admin('templates/claim/provision', { certificateOwnershipToken: keys.certificateOwnershipToken, parameters: { SerialNumber: 'fp-after-failover' } }, TARGET);
    expect(out.thingName).toBe('fp-after-failover');
    expect(await target.getThing('fp-after-failover')).toMatchObject({ thingTypeName: 'sensor', groupNames: ['fleet'] });
  });

  it('the control-plane RegisterThing (one CloudTrail record per device)', async () => {
    await setUp();
    const ca = await LocalCertificateAuthority.create('rt CA');
    await source.registerCaCertificate({ certificateId: ca.certificateId, certificatePem: ca.certificatePem, status: 'ACTIVE', autoRegistration: false });
    const template = {
      Parameters: { ThingName: { Type: 'String' }, CertificatePem: { Type: 'String' } },
      Resources: { certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificatePem: { Ref: 'CertificatePem' }, Status: 'ACTIVE' } }, policy: policyResource, thing: thingResource({ Ref: 'ThingName' }) },
    };
    const names: string[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const cert = await ca.issue(`rt-${i}`);
      await client.send(new RegisterThingCommand({ templateBody: JSON.stringify(template), parameters: { ThingName: `rt-${i}`, CertificatePem: cert.certificatePem } }));
      names.push(`rt-${i}`);
    }
    await emulator.events.flush();
    expect(cloudTrailNames().filter((n) => n === 'RegisterThing')).toHaveLength(DEVICES);

    const statuses = await syncAllEvents();

    expect(statuses.every((s) => s === 'SUCCEEDED')).toBe(true);
    await expectConverged(names);
  });

  it('just-in-time provisioning on first connection (no CloudTrail record for any device step)', async () => {
    await setUp();
    const ca = await LocalCertificateAuthority.create('jitp CA');
    const templateBody = JSON.stringify({
      Parameters: { 'AWS::IoT::Certificate::CommonName': { Type: 'String' }, 'AWS::IoT::Certificate::Id': { Type: 'String' } },
      Resources: { certificate: certificateById, policy: policyResource, thing: thingResource({ Ref: 'AWS::IoT::Certificate::CommonName' }) },
    });
    // The operator registers the CA with its JITP template (one CloudTrail record).
    await client.send(
      new RegisterCACertificateCommand({
        caCertificate: ca.certificatePem,
        certificateMode: 'SNI_ONLY',
        setAsActive: true,
        allowAutoRegistration: true,
        registrationConfig: { templateBody, roleArn: ROLE },
      }),
    );
    const names: string[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const cert = await ca.issue(`jitp-${i}`);
      await admin('jitp', { certificatePem: cert.certificatePem });
      names.push(`jitp-${i}`);
    }
    await emulator.events.flush();
    expect(cloudTrailNames()).toEqual(['CreateThingType', 'CreateThingGroup', 'CreatePolicy', 'RegisterCACertificate']);

    const statuses = await syncAllEvents();

    expect(statuses.every((s) => s === 'SUCCEEDED')).toBe(true);
    await expectConverged(names);
    // The CA arrived with its JITP template, so after a failover a new device provisions in the secondary.
    expect((await target.getCaCertificate(ca.certificateId))?.registrationConfig).toEqual({ templateBody, roleArn: ROLE });
    const late = await ca.issue('jitp-after-failover');
    await admin('jitp', { certificatePem: late.certificatePem }, TARGET);
    expect(await target.getThing('jitp-after-failover')).toMatchObject({ thingTypeName: 'sensor', groupNames: ['fleet'] });
    expect(await target.listAttachedPolicies({ kind: 'certificate', certificateId: late.certificateId })).toEqual(['fleet-device']);
  });

  it.each([
    ['every event', syncAllEvents],
    ['the CloudTrail records alone (the task record brings the devices)', syncCloudTrailOnly],
  ])('bulk registration with StartThingRegistrationTask (one CloudTrail record for the task), synced from %s', async (_what, sync) => {
    await setUp();
    const ca = await LocalCertificateAuthority.create('bulk CA');
    await source.registerCaCertificate({ certificateId: ca.certificateId, certificatePem: ca.certificatePem, status: 'ACTIVE', autoRegistration: false });
    const templateBody = JSON.stringify({
      Parameters: { ThingName: { Type: 'String' }, CertificatePem: { Type: 'String' } },
      Resources: { certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificatePem: { Ref: 'CertificatePem' }, Status: 'ACTIVE' } }, policy: policyResource, thing: thingResource({ Ref: 'ThingName' }) },
    });
    const names = Array.from({ length: DEVICES }, (_, i) => `bulk-${i}`);
    const lines = await Promise.all(names.map(async (name) => JSON.stringify({ ThingName: name, CertificatePem: (await ca.issue(name)).certificatePem })));
    const put = await fetch(`${emulator.url}/_emulator/provisioning/files/bulk-bucket/devices.json?region=${SOURCE}`, { method: 'PUT', body: lines.join('\n') });
    expect(put.status).toBe(200);
    await client.send(new StartThingRegistrationTaskCommand({ templateBody, inputFileBucket: 'bulk-bucket', inputFileKey: 'devices.json', roleArn: ROLE }));
    await emulator.events.flush();
    expect(cloudTrailNames().filter((n) => n === 'StartThingRegistrationTask')).toHaveLength(1);

    const statuses = await sync();

    expect(statuses.every((st) => st === 'SUCCEEDED')).toBe(true);
    await expectConverged(names);
  });

  it('provisioning configuration changes converge from their own events: templates, role aliases, a CA registrationConfig, a type mqtt5Configuration, the fleet index a dynamic group needs', async () => {
    await setUp();
    const ca = await LocalCertificateAuthority.create('config CA');
    const template = (path: string) => JSON.stringify({ Resources: { certificate: certificateById, policy: policyResource, thing: thingResource({ Ref: 'SerialNumber' }) }, Parameters: { SerialNumber: { Type: 'String' }, Path: { Type: 'String', Default: path } } });
    await client.send(new CreateProvisioningTemplateCommand({ templateName: 'claim', templateBody: template('v1'), provisioningRoleArn: ROLE, enabled: false }));
    await client.send(new CreateProvisioningTemplateVersionCommand({ templateName: 'claim', templateBody: template('v2'), setAsDefault: true }));
    await client.send(new UpdateProvisioningTemplateCommand({ templateName: 'claim', enabled: true, description: 'by claim' }));
    await client.send(new CreateRoleAliasCommand({ roleAlias: 'device-creds', roleArn: ROLE }));
    await client.send(new UpdateRoleAliasCommand({ roleAlias: 'device-creds', credentialDurationSeconds: 7200 }));
    await client.send(new RegisterCACertificateCommand({ caCertificate: ca.certificatePem, certificateMode: 'SNI_ONLY', setAsActive: true, allowAutoRegistration: true }));
    await client.send(new UpdateCACertificateCommand({ certificateId: ca.certificateId, registrationConfig: { templateBody: template('jitp'), roleArn: ROLE } }));
    await client.send(new UpdateThingTypeCommand({ thingTypeName: 'sensor', thingTypeProperties: { mqtt5Configuration: { propagatingAttributes: [{ userPropertyKey: 'path', thingAttribute: 'path' }] } } }));
    await client.send(new UpdateIndexingConfigurationCommand({ thingIndexingConfiguration: { thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'STATUS' } }));
    await client.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'online', queryString: 'attributes.path:provisioned' }));
    // The target already indexes thing groups: widened, never narrowed.
    await target.updateIndexingConfiguration({ ...(await target.getIndexingConfiguration()), thingGroupIndexingMode: 'ON' });

    const statuses = await syncAllEvents();

    expect(statuses.every((st) => st === 'SUCCEEDED')).toBe(true);
    expect(await target.getProvisioningTemplate('claim')).toEqual({ name: 'claim', description: 'by claim', templateBody: template('v2'), type: 'FLEET_PROVISIONING', enabled: true, provisioningRoleArn: ROLE });
    expect(await target.getRoleAlias('device-creds')).toEqual({ name: 'device-creds', roleArn: ROLE, credentialDurationSeconds: 7200 });
    expect((await target.getCaCertificate(ca.certificateId))?.registrationConfig).toEqual({ templateBody: template('jitp'), roleArn: ROLE });
    expect((await target.getThingType('sensor'))?.mqtt5Configuration).toEqual({ propagatingAttributes: [{ userPropertyKey: 'path', thingAttribute: 'path' }] });
    expect(await target.getIndexingConfiguration()).toMatchObject({ thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'STATUS', thingGroupIndexingMode: 'ON' });
    expect(await target.getThingGroup('online')).toMatchObject({ kind: 'dynamic', queryString: 'attributes.path:provisioned' });
    const [a, b] = await Promise.all([readAll(source), readAll(target)]);
    // The one difference left is the target indexing more (thing groups): reported, not undone.
    expect(buildDriftReport({ source: a, target: b, sourceRegion: SOURCE, targetRegion: TARGET, generatedAt: new Date(0).toISOString() }).differences).toMatchObject([
      { kind: 'indexingConfiguration', change: 'different', fields: [{ field: 'thingGroupIndexingMode', source: 'OFF', target: 'ON' }] },
    ]);
  });
});
