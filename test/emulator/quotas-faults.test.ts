import { CreateThingCommand, DescribeThingCommand, IoTClient, ListThingsCommand, ThrottlingException } from '@aws-sdk/client-iot';
import type { RunningEmulator } from '../../lib/local/emulator';
import { DEFAULT_TPS, defaultTps, QuotaBuckets } from '../../lib/local/emulator/quotas';
import { failure, iot, PRIMARY, SECONDARY, start, uniqueName } from '../support/emulator';

describe('QuotaBuckets', () => {
  it('gives a burst of one second of the scaled rate, then refills at that rate', () => {
    let now = 0;
    const buckets = new QuotaBuckets(1, () => now);
    const granted = Array.from({ length: 12 }, () => buckets.take(PRIMARY, 'ListThings')).filter(Boolean).length;
    expect(granted).toBe(DEFAULT_TPS.ListThings);
    now += 500;
    expect(Array.from({ length: 10 }, () => buckets.take(PRIMARY, 'ListThings')).filter(Boolean).length).toBe(5);
  });

  it('keeps a bucket per region and per operation, with a burst of at least 1', () => {
    const now = 0;
    const buckets = new QuotaBuckets(0.01, () => now);
    expect(buckets.take(PRIMARY, 'ListThings')).toBe(true);
    expect(buckets.take(PRIMARY, 'ListThings')).toBe(false);
    expect(buckets.take(SECONDARY, 'ListThings')).toBe(true);
    expect(buckets.take(PRIMARY, 'GetPolicy')).toBe(true);
  });

  it('is off at scale 0', () => {
    const buckets = new QuotaBuckets(0, () => 0);
    expect(Array.from({ length: 1000 }, () => buckets.take(PRIMARY, 'CreateDynamicThingGroup')).every(Boolean)).toBe(true);
  });

  it('uses the default quota table and 10 for unlisted APIs', () => {
    expect([defaultTps('DescribeThing'), defaultTps('CreateThing'), defaultTps('AttachPolicy'), defaultTps('ListThingTypes')]).toEqual([350, 100, 15, 10]);
  });
});

describe('emulator: quotas over HTTP', () => {
  let emulator: RunningEmulator;
  let client: IoTClient;

  beforeAll(async () => {
    // 0.01 × ListThings' 10 TPS: one call per 10 s, so a second call is throttled however slow the machine.
    emulator = await start({ quotaScale: 0.01 });
    client = iot(emulator);
  });
  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });

  it('answers calls beyond the scaled quota with ThrottlingException (HTTP 400), per region', async () => {
    emulator.resetStats();
    await client.send(new ListThingsCommand({}));
    const err = await failure(client.send(new ListThingsCommand({})));
    expect(err).toBeInstanceOf(ThrottlingException);
    expect(err.$metadata.httpStatusCode).toBe(400);
    const secondary = iot(emulator, SECONDARY);
    await secondary.send(new ListThingsCommand({}));
    secondary.destroy();
    const stats = emulator.stats();
    expect(stats.byRegion[PRIMARY]?.ListThings).toEqual({ requests: 2, throttled: 1, faulted: 0, errors: 0 });
    expect(stats.byRegion[SECONDARY]?.ListThings?.throttled).toBe(0);
  });

  it('throttles a burst of DescribeThing beyond one second of its scaled 350 TPS', async () => {
    emulator.configure({ quotaScale: 0.1 });
    const results = await Promise.allSettled(Array.from({ length: 80 }, () => client.send(new DescribeThingCommand({ thingName: 'x' }))));
    const throttled = results.filter((r) => r.status === 'rejected' && r.reason instanceof ThrottlingException).length;
    // The burst is 35 (350 TPS × 0.1); a few more tokens refill while the calls run.
    expect(throttled).toBeGreaterThan(0);
    expect(80 - throttled).toBeGreaterThanOrEqual(35);
  });

  it('turns quotas off at run time with configure({ quotaScale: 0 })', async () => {
    emulator.configure({ quotaScale: 0 });
    for (let i = 0; i < 15; i++) await client.send(new ListThingsCommand({}));
    emulator.configure({ quotaScale: 0.01 });
  });
});

describe('emulator: fault injection', () => {
  let emulator: RunningEmulator;
  let client: IoTClient;

  beforeAll(async () => {
    emulator = await start({ seed: 1 });
    client = iot(emulator);
  });
  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });
  afterEach(() => emulator.configure({ faultRate: 0, throttleRate: 0, latencyMs: 0 }));

  it('answers InternalFailureException (500) or ServiceUnavailableException (503) at faultRate, changing nothing', async () => {
    emulator.configure({ faultRate: 1 });
    const names = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const name = uniqueName('faulty');
      const err = await failure(client.send(new CreateThingCommand({ thingName: name })));
      names.add(`${err.name} ${err.$metadata.httpStatusCode}`);
      expect(err.$fault).toBe('server');
    }
    expect([...names].sort()).toEqual(['InternalFailureException 500', 'ServiceUnavailableException 503']);
    emulator.configure({ faultRate: 0 });
    expect(emulator.dump(PRIMARY).things).toEqual({});
    expect(emulator.stats().byRegion[PRIMARY]?.CreateThing?.faulted).toBe(20);
  });

  it('fails about faultRate of the calls', async () => {
    emulator.configure({ faultRate: 0.3 });
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => client.send(new ListThingsCommand({}))));
    const failed = results.filter((r) => r.status === 'rejected').length;
    expect(failed).toBeGreaterThan(10);
    expect(failed).toBeLessThan(55);
  });

  it('answers ThrottlingException at throttleRate on top of the quotas', async () => {
    emulator.configure({ throttleRate: 1 });
    expect(await failure(client.send(new ListThingsCommand({})))).toBeInstanceOf(ThrottlingException);
  });

  it('adds latencyMs before answering', async () => {
    emulator.configure({ latencyMs: 60 });
    const t = performance.now();
    await client.send(new ListThingsCommand({}));
    expect(performance.now() - t).toBeGreaterThanOrEqual(55);
  });

  it('rejects settings out of range', () => {
    expect(() => emulator.configure({ faultRate: 2 })).toThrow(/faultRate/);
    expect(() => emulator.configure({ quotaScale: -1 })).toThrow(/quotaScale/);
  });
});
