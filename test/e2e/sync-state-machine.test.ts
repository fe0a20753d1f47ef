/**
 * End to end: writes in the primary (through the real adapter, over HTTP, to the emulator) produce the
 * events AWS would; each goes through statemachine/sync.asl.json with the real handlers; the
 * secondary is then read back through the same adapter. The emulator enforces the IAM of the template
 * the CDK app synthesizes, and each Lambda signs its calls with its own role's logical ID.
 */
import { createIotRegistry, type StaticCredentials } from '../../lib/aws/clients';
import type { IotRegistry } from '../../lib/aws/iot-registry';
import { silentLogger } from '../../lib/core/logger';
import { startEmulator, type RunningEmulator } from '../../lib/local/emulator';
import { LocalEventBus } from '../../lib/local/event-bus';
import { LocalSyncRunner } from '../../lib/local/sync-runner';
import { LocalCertificateAuthority } from '../../lib/local/certificates';
import { devicePolicyDocument } from '../../lib/local/fleet';
import type { LocalExecution } from '../../lib/local/state-machine';
import { perRoleDependencies, taskRolesFor, type CloudFormationTemplate } from '../../lib/local/iam';
import type { SyncDependencies } from '../../lambdas/runtime/dependencies';
import { roleOfTask, synthesizedTemplate, withoutAction } from '../support/synthesized-template';
import { ACCOUNT } from '../support/constants';

const SOURCE = 'us-east-1';
const TARGET = 'eu-west-1';

let emulator: RunningEmulator;
let source: IotRegistry;
let target: IotRegistry;
let ca: LocalCertificateAuthority;
/** The main stack's template, deployed in the source region. */
const template = synthesizedTemplate({ accountId: ACCOUNT, sourceRegion: SOURCE, targetRegion: TARGET });

/** An emulator enforcing a template's IAM (the operator's `local` key stays unrestricted). */
const iamEmulator = (t: CloudFormationTemplate) =>
  startEmulator({ quotaScale: 0, registryEvents: 'all', accountId: ACCOUNT, thingTypeDeletionDelayMs: 0, iam: { template: t, stackRegion: SOURCE } });

/** Each sync Lambda's dependencies, signed with its own role of the template. */
function lambdaDependencies(url: string, t: CloudFormationTemplate, deleteMode: 'retain' | 'mirror') {
  const registry = (region: string, credentials: StaticCredentials) =>
    createIotRegistry({ region, endpoint: url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger, credentials });
  return perRoleDependencies<SyncDependencies>(taskRolesFor(t, 'sync.asl.json'), (credentials) => ({
    source: registry(SOURCE, credentials),
    target: registry(TARGET, credentials),
    deleteMode,
    logger: silentLogger,
  }));
}

beforeAll(async () => {
  emulator = await iamEmulator(template);
  const registry = (region: string) => createIotRegistry({ region, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger });
  source = registry(SOURCE);
  target = registry(TARGET);
  ca = await LocalCertificateAuthority.create();
});

afterAll(async () => {
  await emulator.close();
});

/** Subscribes a bus for one test; `sync` runs every pending event through the state machine. */
function pipeline(deleteMode: 'retain' | 'mirror' = 'retain') {
  const bus = new LocalEventBus(SOURCE, ACCOUNT);
  const unsubscribe = emulator.events.subscribe(bus.listener);
  const runner = new LocalSyncRunner(lambdaDependencies(emulator.url, template, deleteMode), { retryIntervalMs: 0 });
  return {
    runner,
    async sync(): Promise<LocalExecution[]> {
      await emulator.events.flush();
      const runs: LocalExecution[] = [];
      for (const event of bus.take()) runs.push(await runner.run(event));
      return runs;
    },
    stop: unsubscribe,
  };
}

beforeEach(() => {
  emulator.reset();
  emulator.events.clearLog();
  emulator.resetStats();
});

afterEach(() => {
  // Under the synthesized IAM, no Lambda call of a passing test was denied.
  expect(emulator.stats().total.denied).toBeUndefined();
});

describe('the sync state machine', () => {
  it('replicates a newly registered device: thing, certificate with the same ID and status, rewritten policy, attachments', async () => {
    const p = pipeline();
    const cert = await ca.issue('device-1');
    await source.createThingType({ name: 'sensor', description: 'env sensor', searchableAttributes: ['model'], deprecated: false });
    await source.createThingGroup({ kind: 'static', name: 'site', attributes: {} });
    await source.createThingGroup({ kind: 'static', name: 'floor-1', parentName: 'site', attributes: { floor: '1' } });
    await source.createThing({ name: 'device-1', thingTypeName: 'sensor', attributes: { model: 'm1' } });
    await source.addThingToGroup('device-1', { name: 'floor-1' });
    await source.createPolicy('device-1-policy', devicePolicyDocument(SOURCE, ACCOUNT, 'device-1'));
    await source.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
    await source.attachPolicy('device-1-policy', { kind: 'certificate', certificateId: cert.certificateId });
    await source.attachThingPrincipal('device-1', cert.certificateId, 'EXCLUSIVE_THING');

    const runs = await p.sync();
    p.stop();

    expect(runs.length).toBeGreaterThanOrEqual(9);
    expect(runs.filter((r) => r.status !== 'SUCCEEDED')).toEqual([]);
    expect(await target.getThing('device-1')).toEqual({ name: 'device-1', thingTypeName: 'sensor', attributes: { model: 'm1' }, groupNames: ['floor-1'] });
    expect(await target.getThingGroup('floor-1')).toMatchObject({ kind: 'static', parentName: 'site', attributes: { floor: '1' } });
    expect(await target.getCertificate(cert.certificateId)).toMatchObject({ certificateId: cert.certificateId, status: 'ACTIVE' });
    const policy = await target.getPolicy('device-1-policy');
    expect(policy?.document).toContain(`arn:aws:iot:${TARGET}:${ACCOUNT}:client/device-1`);
    // The region inside the topic name is not an ARN region field: it stays.
    expect(policy?.document).toContain(`topic/telemetry/${SOURCE}/device-1`);
    expect(await target.listAttachedPolicies({ kind: 'certificate', certificateId: cert.certificateId })).toEqual(['device-1-policy']);
    expect(await target.listThingPrincipals('device-1')).toEqual([{ thingName: 'device-1', certificateId: cert.certificateId, type: 'EXCLUSIVE_THING' }]);
  });

  describe('a device converges whole from the events it produces', () => {
    /** Writes nothing in the target: the target's write calls since the stats were reset. */
    const targetWrites = () => Object.entries(emulator.stats().byRegion[TARGET] ?? {}).filter(([op, counts]) => counts.requests > 0 && !/^(Describe|List|Get)/.test(op));

    async function expectWholeDevice(thingName: string, certificateId: string, policyName: string) {
      expect(await target.getThing(thingName)).toMatchObject({ name: thingName, thingTypeName: 'sensor', groupNames: ['fleet'] });
      expect(await target.getCertificate(certificateId)).toMatchObject({ status: 'ACTIVE' });
      expect(await target.listAttachedPolicies({ kind: 'certificate', certificateId })).toEqual([policyName]);
      expect((await target.getPolicy(policyName))?.document).toContain(`arn:aws:iot:${TARGET}:${ACCOUNT}:client/`);
      expect(await target.listThingPrincipals(thingName)).toEqual([{ thingName, certificateId, type: 'EXCLUSIVE_THING' }]);
    }

    async function sharedResources() {
      await source.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
      await source.createThingGroup({ kind: 'static', name: 'fleet', attributes: {} });
      await source.createPolicy('fleet-device', devicePolicyDocument(SOURCE, ACCOUNT, '${iot:Connection.Thing.ThingName}'));
    }

    it('brings a device whose only delivered event is its registry "thing created" event, policy included, and a rerun writes nothing', async () => {
      await sharedResources();
      const cert = await ca.issue('fp-1');
      await source.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
      await source.attachPolicy('fleet-device', { kind: 'certificate', certificateId: cert.certificateId });
      await source.createThing({ name: 'fp-1', thingTypeName: 'sensor', attributes: {} });
      await source.addThingToGroup('fp-1', { name: 'fleet' });
      await source.attachThingPrincipal('fp-1', cert.certificateId, 'EXCLUSIVE_THING');
      await emulator.events.flush();
      // What fleet provisioning over MQTT leaves: no CloudTrail record of the data-plane steps, so only the
      // registry event of the thing reaches the sync (iot-using-cloudtrail.html: data-plane actions are not logged).
      const created = emulator.events.log(SOURCE).filter((e) => e.type === 'registry' && e.topic === '$aws/events/thing/fp-1/created');
      expect(created).toHaveLength(1);
      const bus = new LocalEventBus(SOURCE, ACCOUNT);
      await bus.listener(created[0]!);
      const [event] = bus.take();
      const runner = new LocalSyncRunner({ source, target, deleteMode: 'retain', logger: silentLogger }, { retryIntervalMs: 0 });

      const run = await runner.run(event);

      expect(run.status).toBe('SUCCEEDED');
      await expectWholeDevice('fp-1', cert.certificateId, 'fleet-device');
      emulator.resetStats();
      expect((await runner.run(event)).status).toBe('SUCCEEDED');
      expect(targetWrites()).toEqual([]);
    });

    it('brings a device whose only events are CreateThing and AttachThingPrincipal', async () => {
      await sharedResources();
      const cert = await ca.issue('fp-2');
      await source.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
      await source.attachPolicy('fleet-device', { kind: 'certificate', certificateId: cert.certificateId });
      await source.createThing({ name: 'fp-2', thingTypeName: 'sensor', attributes: {} });
      await source.addThingToGroup('fp-2', { name: 'fleet' });
      await source.attachThingPrincipal('fp-2', cert.certificateId, 'EXCLUSIVE_THING');
      await emulator.events.flush();
      const bus = new LocalEventBus(SOURCE, ACCOUNT);
      const kept = emulator.events
        .log(SOURCE)
        .filter((e) => e.type === 'cloudtrail' && ['CreateThing', 'AttachThingPrincipal'].includes(String(e.event.detail.eventName)));
      expect(kept).toHaveLength(2);
      for (const e of kept) await bus.listener(e);
      const runner = new LocalSyncRunner({ source, target, deleteMode: 'retain', logger: silentLogger }, { retryIntervalMs: 0 });

      const runs = [];
      for (const event of bus.take()) runs.push(await runner.run(event));

      expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      await expectWholeDevice('fp-2', cert.certificateId, 'fleet-device');
    });
  });

  it('replicates a certificate revocation, and a second run of the same event writes nothing', async () => {
    const cert = await ca.issue('device-2');
    await source.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
    await target.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
    const p = pipeline();
    await source.updateCertificateStatus(cert.certificateId, 'REVOKED');
    await emulator.events.flush();
    const events = emulator.events.log(SOURCE).filter((e) => e.type === 'cloudtrail' && e.event.detail.eventName === 'UpdateCertificate');
    expect(events).toHaveLength(1);

    const [run] = await p.sync();
    expect(run?.status).toBe('SUCCEEDED');
    expect((await target.getCertificate(cert.certificateId))?.status).toBe('REVOKED');

    expect(emulator.stats().total.denied).toBeUndefined();
    emulator.resetStats();
    const again = await p.runner.run((events[0] as { event: unknown }).event);
    p.stop();
    expect(again.status).toBe('SUCCEEDED');
    const targetWrites = Object.entries(emulator.stats().byRegion[TARGET] ?? {}).filter(([op, counts]) => counts.requests > 0 && !/^(Describe|List|Get)/.test(op));
    expect(targetWrites).toEqual([]);
  });

  it('publishes a new policy version in the target as its default, with the region rewritten', async () => {
    await source.createPolicy('shared', devicePolicyDocument(SOURCE, ACCOUNT, 'a'));
    await target.createPolicy('shared', devicePolicyDocument(TARGET, ACCOUNT, 'a'));
    const p = pipeline();
    await source.createPolicyVersion('shared', devicePolicyDocument(SOURCE, ACCOUNT, 'b'));
    const runs = await p.sync();
    p.stop();
    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED']);
    const policy = await target.getPolicy('shared');
    // Only the region field of each ARN changes; the region inside the topic name stays.
    const expected = devicePolicyDocument(SOURCE, ACCOUNT, 'b').replaceAll(`arn:aws:iot:${SOURCE}:`, `arn:aws:iot:${TARGET}:`);
    expect(JSON.parse(policy!.document)).toEqual(JSON.parse(expected));
    expect((await target.listPolicyVersions('shared')).filter((v) => v.isDefault)).toHaveLength(1);
  });

  it.each([
    ['mirror', undefined],
    ['retain', { name: 'gone', attributes: {}, groupNames: [] }],
  ] as const)('on a thing deleted in the source, in %s mode, leaves the target with %o', async (mode, expected) => {
    await source.createThing({ name: 'gone', attributes: {} });
    await target.createThing({ name: 'gone', attributes: {} });
    const p = pipeline(mode);
    await source.deleteThing('gone');
    const runs = await p.sync();
    p.stop();
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((r) => r.status === 'SUCCEEDED')).toBe(true);
    expect(await target.getThing('gone')).toEqual(expected);
  });

  it('deprecates a thing type in the target, and a thing of that type stays associated', async () => {
    const p = pipeline();
    await source.createThingType({ name: 'meter', searchableAttributes: [], deprecated: false });
    await source.createThing({ name: 'meter-1', thingTypeName: 'meter', attributes: {} });
    await p.sync();
    emulator.events.clearLog();
    await source.setThingTypeDeprecated('meter', true);
    const runs = await p.sync();
    p.stop();
    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']); // CloudTrail and registry event
    expect(await target.getThingType('meter')).toMatchObject({ deprecated: true });
    expect(await target.getThing('meter-1')).toMatchObject({ thingTypeName: 'meter' });
  });

  it('creates a nested group after its parent, and a dynamic group by its query without copying members', async () => {
    const p = pipeline();
    await source.createThingGroup({ kind: 'static', name: 'region-a', description: 'top', attributes: { tier: '1' } });
    await source.createThingGroup({ kind: 'static', name: 'site-a1', parentName: 'region-a', attributes: {} });
    await source.createThingGroup({ kind: 'static', name: 'room-a1x', parentName: 'site-a1', attributes: {} });
    await source.createThing({ name: 'lamp-1', attributes: { battery: 'low' } });
    await source.createThingGroup({ kind: 'dynamic', name: 'low-battery', queryString: 'attributes.battery:low', attributes: {} });
    const runs = await p.sync();
    p.stop();
    expect(runs.every((r) => r.status === 'SUCCEEDED')).toBe(true);
    expect(await target.getThingGroup('room-a1x')).toMatchObject({ kind: 'static', parentName: 'site-a1' });
    expect(await target.getThingGroup('region-a')).toMatchObject({ description: 'top', attributes: { tier: '1' } });
    expect(await target.getThingGroup('low-battery')).toMatchObject({ kind: 'dynamic', queryString: 'attributes.battery:low' });
    expect((await target.getThing('lamp-1'))?.groupNames).toEqual([]);
  });

  it('follows a thing moved between groups and a policy detached from a group', async () => {
    for (const name of ['old-home', 'new-home']) await source.createThingGroup({ kind: 'static', name, attributes: {} });
    await source.createThing({ name: 'mover', attributes: {} });
    await source.addThingToGroup('mover', { name: 'old-home' });
    await source.createPolicy('group-policy', devicePolicyDocument(SOURCE, ACCOUNT, 'mover'));
    await source.attachPolicy('group-policy', { kind: 'thingGroup', groupName: 'old-home' });
    const p = pipeline();
    await p.sync();
    // The pipeline subscribed after the writes above: bring the target level first, as a reconcile would.
    for (const event of emulator.events.log(SOURCE).filter((e) => e.type === 'cloudtrail')) await p.runner.run(event.event);
    expect(await target.listAttachedPolicies({ kind: 'thingGroup', groupName: 'old-home' })).toEqual(['group-policy']);
    expect((await target.getThing('mover'))?.groupNames).toEqual(['old-home']);

    await source.removeThingFromGroup('mover', 'old-home');
    await source.addThingToGroup('mover', { name: 'new-home' });
    await source.detachPolicy('group-policy', { kind: 'thingGroup', groupName: 'old-home' });
    const runs = await p.sync();
    p.stop();
    expect(runs.every((r) => r.status === 'SUCCEEDED')).toBe(true);
    expect((await target.getThing('mover'))?.groupNames).toEqual(['new-home']);
    expect(await target.listAttachedPolicies({ kind: 'thingGroup', groupName: 'old-home' })).toEqual([]);
  });

  it('ignores an event it does not replicate, with no write and no failure record', async () => {
    const p = pipeline();
    const run = await p.runner.run({
      version: '0', id: 'e-1', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.iot', time: '2026-11-23T10:00:00Z', region: SOURCE,
      detail: { eventSource: 'iot.amazonaws.com', eventName: 'DescribeThing', requestParameters: { thingName: 'x' } },
    });
    p.stop();
    expect(run.status).toBe('SUCCEEDED');
    expect(p.runner.deadLetters).toEqual([]);
  });

  it('ends a certificate creation whose record lacks the certificate ID as unresolved, not in the dead-letter queue', async () => {
    const p = pipeline();
    const run = await p.runner.run({
      version: '0', id: 'e-3', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.iot', time: '2026-11-23T10:00:00Z', region: SOURCE,
      detail: { eventSource: 'iot.amazonaws.com', eventName: 'CreateKeysAndCertificate', eventID: 'ct-3', requestParameters: { setAsActive: true }, responseElements: null },
    });
    p.stop();
    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { resolved: { status: 'unresolved', operation: 'CreateKeysAndCertificate' } } });
    expect(p.runner.deadLetters).toEqual([]);
    expect(p.runner.failureEvents).toEqual([]);
  });

  it('fails a malformed event, recording it in the dead-letter queue and a failure event that name the field', async () => {
    const p = pipeline();
    const event = {
      version: '0', id: 'e-2', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.iot', time: '2026-11-23T10:00:00Z', region: SOURCE,
      detail: { eventSource: 'iot.amazonaws.com', eventName: 'CreateThing', requestParameters: { thingName: 'bad name with spaces' } },
    };
    const run = await p.runner.run(event);
    p.stop();
    expect(run).toMatchObject({ status: 'FAILED', error: 'RegistrySyncFailed' });
    expect(p.runner.deadLetters).toHaveLength(1);
    expect(p.runner.deadLetters[0]).toMatchObject({ event, failure: { Error: 'InvalidInputError', Cause: expect.stringContaining('detail.requestParameters.thingName') } });
    expect(p.runner.failureEvents).toHaveLength(1);
  });

  it('records a resource that cannot converge (a revoked target certificate stays revoked) and still syncs the rest', async () => {
    const cert = await ca.issue('device-3');
    await source.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
    await target.registerCertificate({ certificatePem: cert.certificatePem, status: 'REVOKED' });
    await source.createThing({ name: 'device-3', attributes: {} });
    const p = pipeline();
    await source.attachThingPrincipal('device-3', cert.certificateId, 'NON_EXCLUSIVE_THING');
    const runs = await p.sync();
    p.stop();
    expect(runs).toHaveLength(1);
    expect((await target.getCertificate(cert.certificateId))?.status).toBe('REVOKED');
    expect(await target.getThing('device-3')).toBeDefined();
  });
});

describe('the sync state machine under a template that grants less', () => {
  /** Runs a new thing's CreateThing event through a runner whose Lambdas sign with the roles of `t`. */
  async function syncNewThing(t: CloudFormationTemplate) {
    const local = await iamEmulator(t);
    try {
      const operator = (region: string) => createIotRegistry({ region, endpoint: local.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger });
      const bus = new LocalEventBus(SOURCE, ACCOUNT);
      const unsubscribe = local.events.subscribe(bus.listener);
      await operator(SOURCE).createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
      await operator(SOURCE).createThing({ name: 'device-9', thingTypeName: 'sensor', attributes: {} });
      await local.events.flush();
      unsubscribe();
      const runner = new LocalSyncRunner(lambdaDependencies(local.url, t, 'retain'), { retryIntervalMs: 0 });
      const event = bus.take().find((e) => (e as { detail?: { eventName?: string } }).detail?.eventName === 'CreateThing');
      const run = await runner.run(event);
      return { run, runner, stats: local.stats(), thing: await operator(TARGET).getThing('device-9') };
    } finally {
      await local.close();
    }
  }

  it('answers AccessDeniedException when a statement the Lambda needs is removed, and the change fails into the dead-letter queue', async () => {
    const syncRole = roleOfTask(template, 'sync.asl.json', 'SyncThing');
    const { run, runner, stats, thing } = await syncNewThing(withoutAction(template, syncRole, 'iot:CreateThing'));
    expect(stats.byRegion[TARGET]?.CreateThing?.denied).toBeGreaterThan(0);
    expect(thing).toBeUndefined();
    expect(run.status).toBe('FAILED');
    expect(runner.deadLetters).toHaveLength(1);
    // SyncThing reports the denied write as a failed resource; the execution ends in the failure path.
    expect(JSON.stringify([run, runner.deadLetters])).toContain(`not authorized to perform: iot:CreateThing on resource: arn:aws:iot:${TARGET}:${ACCOUNT}:thing/device-9`);
  });

  it('denies ResolveChange its read of the target with the grants it had before (source reads only)', async () => {
    const resolveRole = roleOfTask(template, 'sync.asl.json', 'ResolveChange');
    const { run, runner, stats, thing } = await syncNewThing(sourceReadsOnly(template, resolveRole));
    // pendingStages(target, …) starts with the thing type: the first target read is the one denied.
    expect(stats.byRegion[TARGET]?.DescribeThingType?.denied).toBe(1);
    expect(run.status).toBe('FAILED');
    expect(JSON.stringify(runner.deadLetters)).toContain(`assumed-role/${resolveRole}/local is not authorized to perform: iot:DescribeThingType`);
    expect(thing).toBeUndefined();
  });
});

/** The template with `roleLogicalId` keeping only its statements on the source region and non-IoT ones (the old ResolveChangeRole). */
function sourceReadsOnly(t: CloudFormationTemplate, roleLogicalId: string): CloudFormationTemplate {
  const copy = JSON.parse(JSON.stringify(t)) as CloudFormationTemplate;
  for (const resource of Object.values(copy.Resources)) {
    const roles = (resource.Properties?.Roles ?? []) as { Ref?: string }[];
    if (resource.Type !== 'AWS::IAM::Policy' || !roles.some((r) => r.Ref === roleLogicalId)) continue;
    const document = resource.Properties?.PolicyDocument as { Statement: unknown[] };
    document.Statement = document.Statement.filter((statement) => {
      const text = JSON.stringify(statement);
      return !text.includes(TARGET) && !text.includes('sts:AssumeRole');
    });
  }
  return copy;
}
