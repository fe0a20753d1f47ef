/**
 * The thin Lambda handlers: what they accept, what they refuse (naming the field), and how they map
 * the core's outcomes onto the state machine's contract (throw to retry, return data otherwise).
 */
import { readSyncEnvironment, registryClientOptions } from '../../lambdas/runtime/config';
import { createSyncHandler, SyncItemResultSchema } from '../../lambdas/runtime/sync-handler';
import { createHandler as createFinishSync } from '../../lambdas/finish-sync';
import { createHandler as createResolveChange } from '../../lambdas/resolve-change';
import { createHandler as createForwarder } from '../../lambdas/forward-registry-event';
import type { SyncDependencies } from '../../lambdas/runtime/dependencies';
import { ThrottledError } from '../../lib/core/errors';
import { silentLogger } from '../../lib/core/logger';
import { InMemoryRegistry } from '../support/in-memory-registry';

function deps(): SyncDependencies & { source: InMemoryRegistry; target: InMemoryRegistry } {
  return { source: new InMemoryRegistry({ region: 'us-east-1' }), target: new InMemoryRegistry({ region: 'eu-west-1' }), deleteMode: 'retain', logger: silentLogger };
}

const CHANGE = { eventId: 'e-1', eventTime: '2026-11-23T10:00:00Z', sourceRegion: 'us-east-1', origin: 'cloudtrail', operation: 'CreateThingType', ref: { kind: 'thingType', name: 'sensor' } };

describe('registryClientOptions', () => {
  it('gives the target registry the target role and its account, and the source registry the source account', () => {
    const env = readSyncEnvironment({ IRS_SOURCE_REGION: 'us-east-1', IRS_TARGET_REGION: 'eu-west-1', IRS_SOURCE_ACCOUNT: '111111111111', IRS_TARGET_ROLE_ARN: 'arn:aws:iam::222222222222:role/sync' });
    const options = registryClientOptions(env, silentLogger);
    expect(options.source).toMatchObject({ region: 'us-east-1', accountId: '111111111111' });
    expect(options.source.roleArn).toBeUndefined();
    expect(options.target).toMatchObject({ region: 'eu-west-1', accountId: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/sync' });
  });
});

describe('readSyncEnvironment', () => {
  it('reads the IRS_* variables with their defaults', () => {
    expect(readSyncEnvironment({ IRS_SOURCE_REGION: 'us-east-1', IRS_TARGET_REGION: 'eu-west-1', PATH: '/bin' })).toEqual({
      IRS_SOURCE_REGION: 'us-east-1',
      IRS_TARGET_REGION: 'eu-west-1',
      IRS_DELETE_MODE: 'retain',
      IRS_QUOTA_SCALE: 1,
    });
  });

  it.each([
    [{ IRS_TARGET_REGION: 'eu-west-1' }, 'IRS_SOURCE_REGION'],
    [{ IRS_SOURCE_REGION: 'us-east-1', IRS_TARGET_REGION: 'europe' }, 'IRS_TARGET_REGION'],
    [{ IRS_SOURCE_REGION: 'us-east-1', IRS_TARGET_REGION: 'eu-west-1', IRS_DELETE_MODE: 'purge' }, 'IRS_DELETE_MODE'],
    [{ IRS_SOURCE_REGION: 'us-east-1', IRS_TARGET_REGION: 'eu-west-1', IRS_DELET_MODE: 'mirror' }, 'IRS_DELET_MODE'],
    [{ IRS_SOURCE_REGION: 'us-east-1', IRS_TARGET_REGION: 'eu-west-1', IRS_TARGET_ROLE_ARN: 'arn:aws:iam::222222222222:role/sync' }, 'IRS_SOURCE_ACCOUNT'],
  ])('refuses %j, naming %s', (env, name) => {
    expect(() => readSyncEnvironment(env)).toThrow(expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining(name) }));
  });
});

describe('a sync handler', () => {
  it('converges the reference it is given and reports the writes', async () => {
    const d = deps();
    await d.source.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
    const result = await createSyncHandler(['thingType'], d)({ ref: { kind: 'thingType', name: 'sensor' }, change: CHANGE });
    expect(result).toEqual({ ref: { kind: 'thingType', name: 'sensor' }, failed: false, writes: 1, skipped: 0, failures: [] });
    expect(await d.target.getThingType('sensor')).toBeDefined();
  });

  it('refuses a reference of a kind it does not sync, naming the field', async () => {
    await expect(createSyncHandler(['thing'], deps())({ ref: { kind: 'policy', name: 'p' } })).rejects.toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining('ref.kind') }),
    );
  });

  it('refuses a malformed reference, naming the field', async () => {
    await expect(createSyncHandler(['thing'], deps())({ ref: { kind: 'thing', name: 'has space' } })).rejects.toThrow(/ref\.name/);
  });

  it('throws a retryable failure by name so the state machine retries it', async () => {
    const d = deps();
    await d.source.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
    d.target.injectFault({ method: 'createThingType', error: () => new ThrottledError('slow down') });
    await expect(createSyncHandler(['thingType'], d)({ ref: { kind: 'thingType', name: 'sensor' } })).rejects.toThrow(expect.objectContaining({ name: 'ThrottledError' }));
  });

  it('returns a permanent failure as data', async () => {
    const d = deps();
    await d.source.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
    d.target.injectFault({ method: 'createThingType', error: () => Object.assign(new Error('bad'), { name: 'InvalidResourceError' }) });
    const result = await createSyncHandler(['thingType'], d)({ ref: { kind: 'thingType', name: 'sensor' } });
    expect(result).toMatchObject({ failed: true, failures: [{ kind: 'thingType', key: 'sensor', errorName: 'InvalidResourceError' }] });
  });

  it('returns exactly the shape of its schema, which FinishSync reads', async () => {
    const d = deps();
    await d.source.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
    d.target.injectFault({ method: 'createThingType', error: () => Object.assign(new Error('bad'), { name: 'InvalidResourceError' }) });
    const result = await createSyncHandler(['thingType'], d)({ ref: { kind: 'thingType', name: 'sensor' } });
    expect(SyncItemResultSchema.parse(result)).toEqual(result);
    const outcome = await createFinishSync(d)({
      events: { id: 'a' },
      resolved: { events: [{ index: 0, eventId: 'a', status: 'change' }], origins: { 'thingType:sensor': [0] } },
      results: [[result]],
    });
    expect(outcome).toMatchObject({ status: 'FAILED', failures: [{ ref: { kind: 'thingType', name: 'sensor' }, errorName: 'InvalidResourceError', message: 'bad' }], deadLetterEvents: [{ id: 'a' }] });
  });
});

describe('resolve-change', () => {
  const event = (eventName: string, requestParameters: Record<string, unknown>) => ({
    version: '0', id: 'e-9', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.iot', time: '2026-11-23T10:00:00Z', region: 'us-east-1',
    detail: { eventSource: 'iot.amazonaws.com', eventName, requestParameters, eventID: 'e-9' },
  });

  it('lists the thing (converged with its principals) after the dependencies the target lacks, leaving out those it has', async () => {
    const d = deps();
    await d.source.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
    await d.source.createThingGroup({ kind: 'static', name: 'site', attributes: {} });
    await d.source.createThingGroup({ kind: 'static', name: 'floor', parentName: 'site', attributes: {} });
    await d.source.createThing({ name: 't-1', thingTypeName: 'sensor', attributes: {} });
    await d.source.addThingToGroup('t-1', { name: 'floor' });
    await d.target.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
    await d.target.createThingGroup({ kind: 'static', name: 'site', attributes: {} });
    const resolved = await createResolveChange(d)(event('CreateThing', { thingName: 't-1' }));
    expect(resolved).toMatchObject({
      status: 'change',
      stages: [[{ kind: 'thingGroup', name: 'floor' }], [{ kind: 'thingPrincipals', thingName: 't-1' }]],
    });
  });

  it('ignores an event it does not replicate, with the reason', async () => {
    expect(await createResolveChange(deps())(event('ListThings', {}))).toMatchObject({ status: 'ignored', reason: expect.stringContaining('ListThings') });
  });
});

describe('resolve-change on a batch', () => {
  const cloudTrail = (id: string, eventName: string, requestParameters: Record<string, unknown>) => ({
    version: '0', id, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.iot', time: '2026-11-23T10:00:00Z', region: 'us-east-1',
    detail: { eventSource: 'iot.amazonaws.com', eventName, requestParameters, eventID: id },
  });

  it('converges a resource named by several events once, and records which events need each resource', async () => {
    const d = deps();
    await d.source.createThing({ name: 't-1', attributes: {} });
    await d.source.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
    const resolved = await createResolveChange(d)([
      cloudTrail('a', 'CreateThing', { thingName: 't-1' }),
      cloudTrail('b', 'UpdateThing', { thingName: 't-1' }),
      cloudTrail('c', 'CreateThingType', { thingTypeName: 'sensor' }),
    ]);
    expect(resolved.status).toBe('change');
    const refs = resolved.stages.flat();
    // The thing converges with its principals (one item), once for both of its events.
    expect(refs.filter((r) => r.kind === 'thing' || r.kind === 'thingPrincipals')).toEqual([{ kind: 'thingPrincipals', thingName: 't-1' }]);
    expect(refs).toContainEqual({ kind: 'thingType', name: 'sensor' });
    expect(resolved.origins).toMatchObject({ 'thingPrincipals:t-1': [0, 1], 'thingType:sensor': [2] });
    expect(resolved.events.map((e) => [e.eventId, e.status])).toEqual([['a', 'change'], ['b', 'change'], ['c', 'change']]);
  });

  it('records a malformed event as invalid, naming the field, and still resolves the others', async () => {
    const d = deps();
    await d.source.createThing({ name: 't-1', attributes: {} });
    const resolved = await createResolveChange(d)([cloudTrail('bad', 'CreateThing', {}), cloudTrail('ok', 'CreateThing', { thingName: 't-1' }), cloudTrail('r', 'ListThings', {})]);
    expect(resolved.events).toEqual([
      { index: 0, eventId: 'bad', status: 'invalid', reason: expect.stringContaining('detail.requestParameters.thingName') },
      { index: 1, eventId: 'ok', status: 'change', operation: 'CreateThing', ref: { kind: 'thing', name: 't-1' } },
      { index: 2, eventId: 'r', status: 'ignored', reason: expect.stringContaining('ListThings') },
    ]);
    expect(resolved.stages.flat()).toContainEqual({ kind: 'thingPrincipals', thingName: 't-1' });
  });

  it('unwraps SQS records, as a pipe without an input template hands them over', async () => {
    const d = deps();
    await d.source.createThing({ name: 't-1', attributes: {} });
    const resolved = await createResolveChange(d)([{ eventSource: 'aws:sqs', messageId: 'm', body: JSON.stringify(cloudTrail('a', 'CreateThing', { thingName: 't-1' })) }]);
    expect(resolved.events).toMatchObject([{ eventId: 'a', status: 'change' }]);
  });

  it('ends a batch with nothing to replicate as ignored', async () => {
    expect(await createResolveChange(deps())([cloudTrail('r', 'ListThings', {})])).toMatchObject({ status: 'ignored', stages: [] });
  });

  it('still fails a single malformed event as a whole (the redrive path), naming the field', async () => {
    await expect(createResolveChange(deps())(cloudTrail('bad', 'CreateThing', {}))).rejects.toThrow(/detail\.requestParameters\.thingName/);
  });
});

describe('finish-sync', () => {
  const finish = createFinishSync(deps());
  const eventA = { id: 'a' };
  const eventB = { id: 'b' };
  const eventC = { id: 'c' };
  const resolved = {
    events: [
      { index: 0, eventId: 'a', status: 'change' },
      { index: 1, eventId: 'b', status: 'change' },
      { index: 2, eventId: 'c', status: 'invalid', reason: 'invalid input: detail.requestParameters.thingName: required' },
    ],
    origins: { 'thingType:sensor': [0], 'thing:t': [1] },
  };

  it('succeeds when every resource synced', async () => {
    const outcome = await finish({ events: eventA, resolved: { events: [resolved.events[0]], origins: resolved.origins }, results: [[{ ref: CHANGE.ref, failed: false, writes: 2, skipped: 1, failures: [] }]] });
    expect(outcome).toEqual({ status: 'SUCCEEDED', events: 1, changes: 1, eventIds: ['a'], resources: 1, writes: 2, skipped: 1, failures: [], deadLetterEvents: [] });
  });

  it('fails with every failure, and hands back only the events that named a failed resource or were invalid', async () => {
    const outcome = await finish({
      events: [eventA, eventB, eventC],
      resolved,
      results: [
        [{ ref: CHANGE.ref, failed: false, writes: 1, skipped: 0, failures: [] }],
        [{ ref: { kind: 'thing', name: 't' }, failed: true, error: { Error: 'Lambda.Unknown', Cause: 'timeout' } }],
      ],
    });
    expect(outcome.status).toBe('FAILED');
    expect(outcome.failures).toEqual([
      { ref: { kind: 'thing', name: 't' }, errorName: 'Lambda.Unknown', message: 'timeout' },
      { eventId: 'c', errorName: 'InvalidInputError', message: expect.stringContaining('thingName') },
    ]);
    expect(outcome.deadLetterEvents).toEqual([eventB, eventC]);
  });

  it('reports returned failures by resource', async () => {
    const outcome = await finish({ events: eventA, resolved: { events: [resolved.events[0]], origins: resolved.origins }, results: [[{ ref: CHANGE.ref, failed: true, failures: [{ errorName: 'InvalidResourceError', message: 'bad doc' }] }]] });
    expect(outcome).toMatchObject({ status: 'FAILED', failures: [{ ref: CHANGE.ref, errorName: 'InvalidResourceError', message: 'bad doc' }], deadLetterEvents: [eventA] });
  });
});

describe('forward-registry-event', () => {
  const message = { topic: '$aws/events/thing/t-1/created', eventType: 'THING_EVENT', eventId: 'x1', operation: 'CREATED', thingName: 't-1' };

  it('puts the registry event on the bus under our source, topic included', async () => {
    const entries: unknown[] = [];
    const forward = createForwarder(() => ({ putEvents: async (e) => (entries.push(...e), { failedEntryCount: 0 }) }), 'sync-bus');
    await expect(forward(message)).resolves.toEqual({ forwarded: 1 });
    expect(entries).toEqual([{ Source: 'iot-registry-sync.registry-events', DetailType: 'AWS IoT Registry Event', Detail: JSON.stringify(message), EventBusName: 'sync-bus' }]);
  });

  it('throws when EventBridge refuses the entry, so the topic rule keeps the message', async () => {
    const forward = createForwarder(() => ({ putEvents: async () => ({ failedEntryCount: 1 }) }));
    await expect(forward(message)).rejects.toThrow(expect.objectContaining({ name: 'TransientServiceError' }));
  });

  it('throws on a message that is not a registry event, naming the field', async () => {
    const forward = createForwarder(() => ({ putEvents: async () => ({ failedEntryCount: 0 }) }));
    await expect(forward({ ...message, topic: 'devices/t-1/telemetry' })).rejects.toThrow(/topic/);
  });
});
