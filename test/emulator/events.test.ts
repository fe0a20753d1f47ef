import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  CreateThingTypeCommand,
  DeleteThingCommand,
  DeprecateThingTypeCommand,
  DescribeEventConfigurationsCommand,
  DescribeThingCommand,
  IoTClient,
  RemoveThingFromThingGroupCommand,
  UpdateCertificateCommand,
  UpdateEventConfigurationsCommand,
  UpdateThingCommand,
} from '@aws-sdk/client-iot';
import type { CloudTrailEvent, EmulatorEvent, RegistryEvent, RunningEmulator } from '../../lib/local/emulator';
import { EventHub } from '../../lib/local/emulator/events';
import { failure, iot, policyDocument, PRIMARY, SECONDARY, start, uniqueName, useEmulator } from '../support/emulator';
import { ACCOUNT } from '../support/constants';

const registry = (events: EmulatorEvent[]): RegistryEvent[] => events.filter((e): e is RegistryEvent => e.type === 'registry');
const cloudtrail = (events: EmulatorEvent[]): CloudTrailEvent[] => events.filter((e): e is CloudTrailEvent => e.type === 'cloudtrail');

describe('emulator: event configurations', () => {
  let emulator: RunningEmulator;
  let client: IoTClient;

  useEmulator((e, c) => {
    emulator = e;
    client = c;
  });

  it('starts with every event type off, as AWS does, and publishes no registry event', async () => {
    const config = await client.send(new DescribeEventConfigurationsCommand({}));
    expect(Object.keys(config.eventConfigurations ?? {})).toHaveLength(11);
    expect(Object.values(config.eventConfigurations ?? {}).every((c) => c.Enabled === false)).toBe(true);
    await client.send(new CreateThingCommand({ thingName: uniqueName('quiet') }));
    expect(registry(emulator.events.log(PRIMARY))).toEqual([]);
  });

  it('turns an event type on per region with UpdateEventConfigurations', async () => {
    await client.send(new UpdateEventConfigurationsCommand({ eventConfigurations: { THING: { Enabled: true } } }));
    const config = await client.send(new DescribeEventConfigurationsCommand({}));
    expect(config.eventConfigurations?.THING?.Enabled).toBe(true);
    expect(config.eventConfigurations?.THING_GROUP?.Enabled).toBe(false);
    const other = iot(emulator, SECONDARY);
    expect((await other.send(new DescribeEventConfigurationsCommand({}))).eventConfigurations?.THING?.Enabled).toBe(false);
    other.destroy();
    const name = uniqueName('loud');
    await client.send(new CreateThingCommand({ thingName: name }));
    expect(registry(emulator.events.log(PRIMARY)).map((e) => e.topic)).toContain(`$aws/events/thing/${name}/created`);
    const unknownKey = { NOPE: { Enabled: true } } as Record<string, { Enabled: boolean }>;
    expect((await failure(client.send(new UpdateEventConfigurationsCommand({ eventConfigurations: unknownKey })))).name).toBe(
      'InvalidRequestException',
    );
  });
});

describe('emulator: registry events', () => {
  let emulator: RunningEmulator;
  let client: IoTClient;

  beforeAll(async () => {
    emulator = await start({ registryEvents: 'all' });
    client = iot(emulator);
  });
  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });
  beforeEach(() => emulator.events.clearLog());

  it('publishes thing created/updated/deleted with the full state and a rising versionNumber', async () => {
    const name = uniqueName('ev');
    const { thingId } = await client.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { a: '1' } } }));
    await client.send(new UpdateThingCommand({ thingName: name, attributePayload: { attributes: { b: '2' }, merge: true } }));
    await client.send(new DeleteThingCommand({ thingName: name }));
    const events = registry(emulator.events.log(PRIMARY));
    expect(events.map((e) => e.topic)).toEqual([`$aws/events/thing/${name}/created`, `$aws/events/thing/${name}/updated`, `$aws/events/thing/${name}/deleted`]);
    expect(events[1]?.payload).toEqual({
      eventType: 'THING_EVENT',
      eventId: expect.any(String),
      timestamp: expect.any(Number),
      operation: 'UPDATED',
      accountId: ACCOUNT,
      thingId,
      thingName: name,
      versionNumber: 2,
      thingTypeName: null,
      attributes: { a: '1', b: '2' },
    });
    expect(events.every((e) => e.region === PRIMARY)).toBe(true);
  });

  it('publishes thing type events (deprecation as updated) and type associations without accountId', async () => {
    const type = uniqueName('evtype');
    const name = uniqueName('typed');
    await client.send(new CreateThingTypeCommand({ thingTypeName: type, thingTypeProperties: { searchableAttributes: ['s'] } }));
    await client.send(new CreateThingCommand({ thingName: name, thingTypeName: type }));
    await client.send(new UpdateThingCommand({ thingName: name, removeThingType: true }));
    await client.send(new DeprecateThingTypeCommand({ thingTypeName: type }));
    const events = registry(emulator.events.log(PRIMARY));
    expect(events.map((e) => e.topic)).toEqual([
      `$aws/events/thingType/${type}/created`,
      `$aws/events/thing/${name}/created`,
      `$aws/events/thingTypeAssociation/thing/${name}/thingType/${type}/added`,
      `$aws/events/thing/${name}/updated`,
      `$aws/events/thingTypeAssociation/thing/${name}/thingType/${type}/removed`,
      `$aws/events/thingType/${type}/updated`,
    ]);
    expect(events[2]?.payload).toMatchObject({ eventType: 'THING_TYPE_ASSOCIATION_EVENT', operation: 'ADDED', thingName: name, thingTypeName: type });
    expect(events[2]?.payload).not.toHaveProperty('accountId');
    expect(events[5]?.payload).toMatchObject({ eventType: 'THING_TYPE_EVENT', operation: 'UPDATED', isDeprecated: true, searchableAttributes: ['s'] });
  });

  it('publishes group, hierarchy and membership events', async () => {
    const parent = uniqueName('evp');
    const child = uniqueName('evc');
    const thing = uniqueName('evm');
    const p = await client.send(new CreateThingGroupCommand({ thingGroupName: parent }));
    const c = await client.send(new CreateThingGroupCommand({ thingGroupName: child, parentGroupName: parent }));
    const t = await client.send(new CreateThingCommand({ thingName: thing }));
    await client.send(new AddThingToThingGroupCommand({ thingGroupName: child, thingName: thing }));
    await client.send(new RemoveThingFromThingGroupCommand({ thingGroupName: child, thingName: thing }));
    const events = registry(emulator.events.log(PRIMARY));
    const byTopic = (topic: string) => events.find((e) => e.topic === topic)?.payload;
    expect(byTopic(`$aws/events/thingGroup/${child}/created`)).toMatchObject({
      eventType: 'THING_GROUP_EVENT',
      parentGroupName: parent,
      parentGroupId: p.thingGroupId,
      rootToParentThingGroups: [{ groupArn: p.thingGroupArn, groupId: p.thingGroupId }],
      versionNumber: 1,
    });
    expect(byTopic(`$aws/events/thingGroupHierarchy/thingGroup/${parent}/childThingGroup/${child}/added`)).toMatchObject({
      eventType: 'THING_GROUP_HIERARCHY_EVENT',
      thingGroupName: parent,
      childGroupName: child,
      childGroupId: c.thingGroupId,
    });
    const added = byTopic(`$aws/events/thingGroupMembership/thingGroup/${child}/thing/${thing}/added`);
    expect(added).toMatchObject({ eventType: 'THING_GROUP_MEMBERSHIP_EVENT', operation: 'ADDED', groupArn: c.thingGroupArn, thingArn: t.thingArn, thingId: t.thingId });
    expect(added).not.toHaveProperty('thingName');
    expect(byTopic(`$aws/events/thingGroupMembership/thingGroup/${child}/thing/${thing}/removed`)).toMatchObject({ operation: 'REMOVED' });
  });

  it('publishes no registry event for certificates, policies and attachments', async () => {
    const cert = await client.send(new CreateKeysAndCertificateCommand({}));
    const policy = uniqueName('evpol');
    await client.send(new CreatePolicyCommand({ policyName: policy, policyDocument: policyDocument() }));
    await client.send(new AttachPolicyCommand({ policyName: policy, target: cert.certificateArn }));
    expect(registry(emulator.events.log(PRIMARY))).toEqual([]);
    expect(cloudtrail(emulator.events.log(PRIMARY)).map((e) => e.event.detail.eventName)).toEqual(['CreateKeysAndCertificate', 'CreatePolicy', 'AttachPolicy']);
  });
});

describe('emulator: CloudTrail events', () => {
  let emulator: RunningEmulator;
  let client: IoTClient;

  beforeAll(async () => {
    emulator = await start({ accountId: '210987654321' });
    client = iot(emulator);
  });
  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });
  beforeEach(() => emulator.events.clearLog());

  it('emits an "AWS API Call via CloudTrail" envelope for a successful write, with request and response members', async () => {
    const name = uniqueName('ct');
    const created = await client.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { a: '1' } } }));
    const [event] = cloudtrail(emulator.events.log(PRIMARY));
    expect(event?.event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.iot',
      account: '210987654321',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: PRIMARY,
      resources: [],
      detail: expect.objectContaining({
        eventVersion: '1.09',
        userIdentity: expect.objectContaining({ type: 'AssumedRole', accountId: '210987654321', accessKeyId: 'test' }),
        eventTime: expect.stringMatching(/Z$/),
        eventSource: 'iot.amazonaws.com',
        eventName: 'CreateThing',
        awsRegion: PRIMARY,
        sourceIPAddress: expect.any(String),
        userAgent: expect.stringContaining('aws-sdk-js'),
        requestParameters: { thingName: name, attributePayload: { attributes: { a: '1' } } },
        responseElements: { thingName: name, thingArn: created.thingArn, thingId: created.thingId },
        requestID: created.$metadata.requestId,
        eventID: expect.stringMatching(/^[0-9a-f-]{36}$/),
        readOnly: false,
        eventType: 'AwsApiCall',
        managementEvent: true,
        recipientAccountId: '210987654321',
        eventCategory: 'Management',
      }),
    });
  });

  it('carries query and header members by API name (UpdateCertificate newStatus, AttachThingPrincipal principal)', async () => {
    const cert = await client.send(new CreateKeysAndCertificateCommand({}));
    const thing = uniqueName('ctp');
    await client.send(new CreateThingCommand({ thingName: thing }));
    await client.send(new UpdateCertificateCommand({ certificateId: cert.certificateId, newStatus: 'ACTIVE' }));
    await client.send(new AttachThingPrincipalCommand({ thingName: thing, principal: cert.certificateArn, thingPrincipalType: 'EXCLUSIVE_THING' }));
    const details = cloudtrail(emulator.events.log(PRIMARY)).map((e) => e.event.detail);
    expect(details.find((d) => d.eventName === 'UpdateCertificate')?.requestParameters).toEqual({ certificateId: cert.certificateId, newStatus: 'ACTIVE' });
    expect(details.find((d) => d.eventName === 'AttachThingPrincipal')?.requestParameters).toEqual({
      thingName: thing,
      principal: cert.certificateArn,
      thingPrincipalType: 'EXCLUSIVE_THING',
    });
  });

  it('never carries a private key: CreateKeysAndCertificate responseElements omit the key pair', async () => {
    const cert = await client.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    const [event] = cloudtrail(emulator.events.log(PRIMARY));
    expect(event?.event.detail.responseElements).toEqual({ certificateArn: cert.certificateArn, certificateId: cert.certificateId, certificatePem: cert.certificatePem });
    expect(JSON.stringify(emulator.events.log())).not.toContain('PRIVATE KEY');
  });

  it('emits nothing for reads and failed writes', async () => {
    await failure(client.send(new DescribeThingCommand({ thingName: 'nope' })));
    await failure(client.send(new UpdateThingCommand({ thingName: 'nope' })));
    await client.send(new DescribeEventConfigurationsCommand({}));
    expect(emulator.events.log()).toEqual([]);
  });
});

describe('emulator: event delivery', () => {
  let emulator: RunningEmulator;
  let client: IoTClient;

  beforeAll(async () => {
    emulator = await start({ registryEvents: 'all' });
    client = iot(emulator);
  });
  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });

  const createThings = async (n: number): Promise<string[]> => {
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = uniqueName(`d${i}`);
      names.push(name);
      await client.send(new CreateThingCommand({ thingName: name }));
    }
    return names;
  };
  const thingNames = (events: EmulatorEvent[]): string[] =>
    registry(events).map((e) => e.payload.thingName as string);

  it('delivers asynchronously, in emission order, and flush() waits for the deliveries', async () => {
    const received: EmulatorEvent[] = [];
    const unsubscribe = emulator.events.subscribe(async (e) => {
      await Promise.resolve();
      received.push(e);
    });
    const names = await createThings(5);
    await emulator.events.flush();
    unsubscribe();
    expect(thingNames(received)).toEqual(names);
    expect(received.map((e) => e.type)).toEqual(Array.from({ length: 5 }, () => ['registry', 'cloudtrail']).flat());
  });

  it('stops delivering after unsubscribe and keeps the per-region log until cleared', async () => {
    const received: EmulatorEvent[] = [];
    const unsubscribe = emulator.events.subscribe((e) => void received.push(e));
    unsubscribe();
    await createThings(1);
    await emulator.events.flush();
    expect(received).toEqual([]);
    expect(emulator.events.log(PRIMARY).length).toBeGreaterThan(0);
    expect(emulator.events.log(SECONDARY)).toEqual([]);
    emulator.events.clearLog(PRIMARY);
    expect(emulator.events.log(PRIMARY)).toEqual([]);
  });

  it('delivers each event N times with copies', async () => {
    const received: EmulatorEvent[] = [];
    const unsubscribe = emulator.events.subscribe((e) => void received.push(e), { copies: 3 });
    const [name] = await createThings(1);
    await emulator.events.flush();
    unsubscribe();
    expect(thingNames(received)).toEqual([name, name, name]);
  });

  it('counts a listener that throws as a failed delivery and keeps delivering', async () => {
    const before = emulator.events.failedDeliveries();
    let calls = 0;
    const unsubscribe = emulator.events.subscribe(() => {
      calls++;
      throw new Error('listener broke');
    });
    await createThings(2);
    await emulator.events.flush();
    unsubscribe();
    expect(calls).toBe(4);
    expect(emulator.events.failedDeliveries() - before).toBe(4);
  });
});

describe('EventHub chaos options', () => {
  let hub: EventHub;
  beforeEach(() => {
    hub = new EventHub();
  });

  it('drops events at dropRate and shuffles them reproducibly for a seed', async () => {
    const dropped: EmulatorEvent[] = [];
    const shuffledA: RegistryEvent[] = [];
    const shuffledB: RegistryEvent[] = [];
    const subs = [
      hub.subscribe((e) => void dropped.push(e), { dropRate: 1 }),
      hub.subscribe((e) => void shuffledA.push(e as RegistryEvent), { shuffle: true, seed: 42 }),
      hub.subscribe((e) => void shuffledB.push(e as RegistryEvent), { shuffle: true, seed: 42 }),
    ];
    // A batch emitted synchronously reaches the subscribers as one buffered batch.
    const batch: RegistryEvent[] = Array.from({ length: 20 }, (_, i) => ({ type: 'registry', region: PRIMARY, topic: `t/${i}`, payload: { i } }));
    for (const e of batch) hub.emit(e);
    await hub.flush();
    subs.forEach((u) => u());
    expect(dropped).toEqual([]);
    expect(shuffledA).toHaveLength(20);
    expect(shuffledA.map((e) => e.topic)).not.toEqual(batch.map((e) => e.topic));
    expect([...shuffledA].sort((x, y) => (x.topic < y.topic ? -1 : 1))).toEqual([...batch].sort((x, y) => (x.topic < y.topic ? -1 : 1)));
    expect(shuffledB.map((e) => e.topic)).toEqual(shuffledA.map((e) => e.topic));
  });

  it('drops about dropRate of the events', async () => {
    const received: EmulatorEvent[] = [];
    const unsubscribe = hub.subscribe((e) => void received.push(e), { dropRate: 0.5, seed: 7 });
    for (let i = 0; i < 400; i++) hub.emit({ type: 'registry', region: PRIMARY, topic: `x/${i}`, payload: {} });
    await hub.flush();
    unsubscribe();
    expect(received.length).toBeGreaterThan(120);
    expect(received.length).toBeLessThan(280);
  });

});
