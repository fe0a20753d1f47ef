import {
  InternalFailureException,
  IoTClient,
  LimitExceededException,
  ListThingsCommand,
  ResourceNotFoundException,
  ThrottlingException,
  paginateListThings,
} from '@aws-sdk/client-iot';
import { Readable } from 'node:stream';
import { translateServiceError } from '../../lib/aws/errors';
import { attachQuotaPacer, QuotaPacer, type QuotaOptions } from '../../lib/aws/quota';
import { IOT_DEFAULT_TPS } from '../../lib/core/iot-quotas';

/** A clock whose sleep advances time at once and records each delay. */
function fakeClock(random = () => 0.5): { now: () => number; sleep: (ms: number) => Promise<void>; random: () => number; sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    random,
    sleeps,
  };
}

const throttle = (): ThrottlingException => new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
const internal = (): InternalFailureException =>
  new InternalFailureException({ message: 'boom', $metadata: { httpStatusCode: 500 } });

/** A pacer on the fake clock, without headroom (so rates are round) unless the test sets one. */
function pacer(clock: ReturnType<typeof fakeClock>, options: Omit<QuotaOptions, 'clock'> = {}): QuotaPacer {
  return new QuotaPacer({ headroom: 0, ...options, clock });
}

/** An attempt that fails with the given errors in turn, then answers `ok`. */
function failingThen(errors: unknown[]): jest.Mock<Promise<string>, []> {
  const queue = [...errors];
  return jest.fn(async () => {
    const next = queue.shift();
    if (next !== undefined) throw next;
    return 'ok';
  });
}

describe('QuotaPacer', () => {
  it('paces an operation at its default TPS after a burst of about one second', async () => {
    const clock = fakeClock();
    const quota = pacer(clock);
    expect(IOT_DEFAULT_TPS.ListThings).toBe(10);

    for (let i = 0; i < 30; i += 1) await quota.run('ListThings', async () => i);

    // 10 tokens of burst, then one every 100 ms for the other 20 calls.
    expect(clock.now()).toBeCloseTo(2000, 6);
    expect(clock.sleeps).toHaveLength(20);
    expect(quota.metrics().calls.ListThings).toBe(30);
    expect(quota.metrics().pacingWaitMs).toBeCloseTo(2000, 6);
  });

  it('paces a headroom below the configured rate by default (2 %), so arrival jitter finds tokens left', async () => {
    const clock = fakeClock();
    const quota = new QuotaPacer({ clock });

    for (let i = 0; i < 59; i += 1) await quota.run('ListThings', async () => i);

    // 9.8 tokens of burst, then 9.8 per second: the 59th call goes at (59 - 9.8) / 9.8 s.
    expect(quota.metrics().currentTps.ListThings).toBeCloseTo(9.8, 6);
    expect(clock.now()).toBeCloseTo(((59 - 9.8) / 9.8) * 1000, 3);
  });

  it('lets concurrent callers through no faster than the rate', async () => {
    jest.useFakeTimers();
    try {
      const quota = new QuotaPacer({
        clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: () => 0.5 },
      });
      const start = Date.now();
      const startedAt: number[] = [];
      const calls = Array.from({ length: 25 }, () => quota.run('DescribeCertificate', async () => startedAt.push(Date.now() - start)));
      await jest.advanceTimersByTimeAsync(2000);
      await Promise.all(calls);

      startedAt.sort((a, b) => a - b);
      expect(startedAt).toHaveLength(25);
      for (const [i, t] of startedAt.entries()) {
        // The i-th call may start once i + 1 - 10 tokens have been refilled at 10 per second.
        expect(t).toBeGreaterThanOrEqual(Math.max(0, (i + 1 - 10) * 100) - 1);
      }
      expect(startedAt[24]).toBeGreaterThanOrEqual(1499);
    } finally {
      jest.useRealTimers();
    }
  });

  it('uses an override and the scale factor for the rate', () => {
    const quota = pacer(fakeClock(), { scale: 0.5, overrides: { ListThings: 40 } });

    expect(quota.configuredTps('ListThings')).toBe(20);
    expect(quota.configuredTps('DescribeThing')).toBe(175);
    expect(quota.configuredTps('SomethingNew')).toBe(5);
  });

  it('never waits when the scale is 0', async () => {
    const clock = fakeClock();
    const quota = pacer(clock, { scale: 0 });

    for (let i = 0; i < 100; i += 1) await quota.run('ListThings', async () => i);

    expect(clock.sleeps).toEqual([]);
    expect(quota.metrics().calls.ListThings).toBe(100);
  });

  it('backs off on throttling with full jitter: random × min(cap, base·2^attempt)', async () => {
    const clock = fakeClock(() => 0.75);
    const quota = pacer(clock, { scale: 0, throttleBackoff: { baseMs: 100, capMs: 1000, maxAttempts: 12 } });
    const attempt = failingThen(Array.from({ length: 6 }, throttle));

    await expect(quota.run('ListThings', attempt)).resolves.toBe('ok');

    expect(attempt).toHaveBeenCalledTimes(7);
    expect(clock.sleeps).toEqual([75, 150, 300, 600, 750, 750]);
    expect(quota.metrics()).toMatchObject({ retries: 6, throttles: { ListThings: 6 }, calls: { ListThings: 7 }, backoffWaitMs: 2625 });
  });

  it('draws each backoff delay within [0, min(cap, base·2^attempt))', async () => {
    const draws = [0.999999, 0.1, 0.5, 0.3];
    const clock = fakeClock(() => draws.shift() ?? 0);
    const quota = pacer(clock, { scale: 0 });

    await quota.run('GetPolicy', failingThen([throttle(), throttle(), throttle(), throttle()]));

    const ceilings = [100, 200, 400, 800];
    expect(clock.sleeps).toHaveLength(4);
    clock.sleeps.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceilings[i] as number);
    });
    expect(clock.sleeps[0]).toBeCloseTo(100, 3);
  });

  it('gives up after the attempt budget and rethrows the throttle, which translates to ThrottledError', async () => {
    const clock = fakeClock();
    const quota = pacer(clock, { scale: 0 });
    const attempt = jest.fn(async () => {
      throw throttle();
    });

    const error = await quota.run('ListThings', attempt).catch((e: unknown) => e);

    expect(attempt).toHaveBeenCalledTimes(12);
    expect(error).toBeInstanceOf(ThrottlingException);
    const translated = translateServiceError(error, { operation: 'ListThings', key: 'things' });
    expect(translated.name).toBe('ThrottledError');
    expect(quota.metrics().throttles.ListThings).toBe(12);
  });

  it('keeps the rate through scattered throttles: 10 % of the answers cost retries, not the rate', async () => {
    const clock = fakeClock(() => 0);
    const quota = pacer(clock);

    // Every 10th call is throttled once: 220 attempts at 10 TPS after 10 tokens of burst.
    for (let i = 0; i < 200; i += 1) await quota.run('ListThings', failingThen(i % 10 === 9 ? [throttle()] : []));

    expect(quota.metrics()).toMatchObject({ throttles: { ListThings: 20 }, calls: { ListThings: 220 }, decreases: {} });
    expect(quota.metrics().currentTps.ListThings).toBe(10);
    expect(clock.now()).toBeCloseTo(21_000, 3);
  });

  it('comes down on repeated throttles by the share that got through (at most half), once per interval', async () => {
    const clock = fakeClock(() => 0);
    const quota = pacer(clock, { recoveryPerSecond: 0 });

    // Two throttles are not enough (minThrottles 3); the third, with 3 of 3 answers throttled, halves.
    await quota.run('ListThings', failingThen([throttle(), throttle()]));
    expect(quota.metrics().currentTps.ListThings).toBe(10);
    await quota.run('ListThings', failingThen([throttle()]));
    expect(quota.metrics().currentTps.ListThings).toBeCloseTo(5, 6);
    expect(quota.metrics().decreases).toEqual({ ListThings: 1 });

    // More throttles within the decrease interval: the decrease's effect cannot show yet.
    await quota.run('ListThings', failingThen([throttle(), throttle(), throttle()]));
    expect(quota.metrics().currentTps.ListThings).toBeCloseTo(5, 6);

    // Once those answers left the 2 s window: 7 answers, then 3 throttles (30 % of 10): × 0.7.
    await clock.sleep(2500);
    for (let i = 0; i < 7; i += 1) await quota.run('ListThings', async () => i);
    await quota.run('ListThings', failingThen([throttle(), throttle(), throttle()]));
    expect(quota.metrics().currentTps.ListThings).toBeCloseTo(3.5, 6);
    expect(quota.metrics().decreases).toEqual({ ListThings: 2 });
  });

  it('counts error answers (not found, 5xx) as answers the quota let through, not as throttles', async () => {
    const clock = fakeClock(() => 0);
    const quota = pacer(clock);
    const notFound = () => new ResourceNotFoundException({ message: 'no', $metadata: {} });

    // 29 answers: 9 not-found, 8 × (5xx, ok), 3 throttles and an ok: 3 throttles of 29 (10 %).
    for (let i = 0; i < 9; i += 1) await quota.run('GetPolicy', failingThen([notFound()])).catch(() => undefined);
    for (let i = 0; i < 8; i += 1) await quota.run('GetPolicy', failingThen([internal()]));
    await quota.run('GetPolicy', failingThen([throttle(), throttle(), throttle()]));

    expect(quota.metrics().decreases).toEqual({});
    expect(quota.metrics().currentTps.GetPolicy).toBe(10);
  });

  it('throttles of one operation leave the others at their rate', async () => {
    const clock = fakeClock(() => 0);
    const quota = pacer(clock);

    await quota.run('ListThings', async () => 'warm');
    await quota.run('DescribeCertificate', failingThen([throttle(), throttle(), throttle(), throttle()]));

    expect(quota.metrics().currentTps).toEqual({ ListThings: 10, DescribeCertificate: 5 });
  });

  it('recovers quickly to a margin below the rate that was throttled, then slowly to the configured rate', async () => {
    const clock = fakeClock(() => 0);
    const quota = pacer(clock, { recoveryPerSecond: 0.1, margin: 0.05 });

    await quota.run('ListThings', failingThen([throttle(), throttle(), throttle()]));
    expect(quota.metrics().currentTps.ListThings).toBeCloseTo(5, 6);

    await clock.sleep(2000);
    // 0.1 × 10 TPS regained per second up to 9.5 (5 % below the throttled 10 TPS)...
    expect(quota.metrics().currentTps.ListThings).toBeCloseTo(7, 6);
    await clock.sleep(2500);
    expect(quota.metrics().currentTps.ListThings).toBeCloseTo(9.5, 6);
    // ...then ten times slower.
    await clock.sleep(2500);
    expect(quota.metrics().currentTps.ListThings).toBeCloseTo(9.75, 6);
    await clock.sleep(60_000);
    expect(quota.metrics().currentTps.ListThings).toBe(10);
  });

  it('paces the waiting calls at the new rate as soon as it changes, and lets a retry go first', async () => {
    jest.useFakeTimers();
    try {
      const quota = new QuotaPacer({
        headroom: 0,
        recoveryPerSecond: 0,
        clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: () => 0 },
      });
      const start = Date.now();
      const order: string[] = [];
      const startedAt: number[] = [];
      // Three calls take burst tokens and are throttled: 3 of 3 answers, the rate halves to 5 TPS.
      const retried = Array.from({ length: 3 }, (_, i) => {
        let tried = false;
        return quota.run('DescribeCertificate', async () => {
          if (!tried) {
            tried = true;
            throw throttle();
          }
          startedAt.push(Date.now() - start);
          order.push(`retry-${i}`);
        });
      });
      // 7 more go on the burst; 20 wait. The retries go ahead of those 20.
      const calls = Array.from({ length: 27 }, (_, i) =>
        quota.run('DescribeCertificate', async () => {
          startedAt.push(Date.now() - start);
          order.push(`call-${i}`);
        }),
      );
      await jest.advanceTimersByTimeAsync(10_000);
      await Promise.all([...retried, ...calls]);

      expect(quota.metrics().currentTps.DescribeCertificate).toBeCloseTo(5, 6);
      expect(quota.metrics().calls.DescribeCertificate).toBe(33);
      expect(order.slice(7, 10).sort()).toEqual(['retry-0', 'retry-1', 'retry-2']);
      startedAt.sort((a, b) => a - b);
      // The burst held 10 tokens, capped to 5 by the halving: 23 waiting attempts at 5 TPS.
      expect(startedAt[29]).toBeGreaterThanOrEqual(3800);
      // and no slower than 5 TPS either: the last waits at most 23 / 5 s.
      expect(startedAt[29]).toBeLessThanOrEqual(4601);
    } finally {
      jest.useRealTimers();
    }
  });

  it('retries a transient failure three times quickly, then rethrows it', async () => {
    const clock = fakeClock(() => 1);
    const quota = pacer(clock, { scale: 0 });
    const attempt = jest.fn(async () => {
      throw internal();
    });

    await expect(quota.run('DescribeThing', attempt)).rejects.toBeInstanceOf(InternalFailureException);

    expect(attempt).toHaveBeenCalledTimes(4);
    expect(clock.sleeps).toEqual([100, 200, 400]);
    expect(quota.metrics().transientFailures.DescribeThing).toBe(4);
  });

  it('recovers from a transient failure on a retry', async () => {
    const quota = pacer(fakeClock(), { scale: 0 });

    await expect(quota.run('DescribeThing', failingThen([internal()]))).resolves.toBe('ok');

    expect(quota.metrics()).toMatchObject({ retries: 1, calls: { DescribeThing: 2 } });
  });

  it('does not retry an error that is neither throttling nor transient', async () => {
    const quota = pacer(fakeClock(), { scale: 0 });
    const attempt = failingThen([new ResourceNotFoundException({ message: 'no', $metadata: {} })]);

    await expect(quota.run('DescribeThing', attempt)).rejects.toBeInstanceOf(ResourceNotFoundException);

    expect(attempt).toHaveBeenCalledTimes(1);
    expect(quota.metrics().retries).toBe(0);
  });

  it('treats LimitExceededException as throttling on a read and as final on an attach', async () => {
    const quota = pacer(fakeClock(), { scale: 0 });
    const limit = (): LimitExceededException => new LimitExceededException({ message: 'limit', $metadata: {} });

    await expect(quota.run('ListAttachedPolicies', failingThen([limit()]))).resolves.toBe('ok');
    const attach = failingThen([limit()]);
    await expect(quota.run('AttachPolicy', attach)).rejects.toBeInstanceOf(LimitExceededException);

    expect(attach).toHaveBeenCalledTimes(1);
    expect(quota.metrics().throttles).toEqual({ ListAttachedPolicies: 1 });
  });
});

describe('attachQuotaPacer', () => {
  /** A request handler that answers from a script of HTTP responses and counts the requests. */
  function scriptedHandler(responses: Array<{ status: number; headers?: Record<string, string>; body: unknown }>): {
    handle: () => Promise<{ response: unknown }>;
    requests: number;
  } {
    const handler = {
      requests: 0,
      async handle(): Promise<{ response: unknown }> {
        const next = responses[Math.min(handler.requests, responses.length - 1)];
        handler.requests += 1;
        if (!next) throw new Error('no scripted response');
        return {
          response: {
            statusCode: next.status,
            headers: { 'content-type': 'application/json', ...next.headers },
            body: Readable.from([Buffer.from(JSON.stringify(next.body))]),
          },
        };
      },
    };
    return handler;
  }

  function clientWith(handler: ReturnType<typeof scriptedHandler>): IoTClient {
    return new IoTClient({
      region: 'eu-west-1',
      maxAttempts: 1,
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      requestHandler: handler as never,
    });
  }

  it('retries a throttled command and counts it by operation', async () => {
    const handler = scriptedHandler([
      { status: 400, headers: { 'x-amzn-errortype': 'ThrottlingException' }, body: { message: 'Rate exceeded' } },
      { status: 200, body: { things: [{ thingName: 't1' }] } },
    ]);
    const client = clientWith(handler);
    const quota = new QuotaPacer({ scale: 0, clock: fakeClock() });
    attachQuotaPacer(client, quota);

    const output = await client.send(new ListThingsCommand({}));

    expect(output.things?.[0]?.thingName).toBe('t1');
    expect(handler.requests).toBe(2);
    expect(quota.metrics()).toMatchObject({ calls: { ListThings: 2 }, throttles: { ListThings: 1 }, retries: 1 });
  });

  it('paces the pages of an SDK paginator', async () => {
    const handler = scriptedHandler([
      { status: 200, body: { things: [{ thingName: 'a' }], nextToken: 'n1' } },
      { status: 200, body: { things: [{ thingName: 'b' }], nextToken: 'n2' } },
      { status: 200, body: { things: [{ thingName: 'c' }] } },
    ]);
    const client = clientWith(handler);
    const clock = fakeClock();
    const quota = new QuotaPacer({ overrides: { ListThings: 1 }, headroom: 0, clock });
    attachQuotaPacer(client, quota);

    const names: string[] = [];
    for await (const page of paginateListThings({ client, pageSize: 250 }, {})) {
      names.push(...(page.things ?? []).map((t) => t.thingName ?? ''));
    }

    expect(names).toEqual(['a', 'b', 'c']);
    expect(quota.metrics().calls.ListThings).toBe(3);
    // One token of burst at 1 TPS, then one per second.
    expect(clock.now()).toBeCloseTo(2000, 6);
  });

  it('replaces an earlier pacer on the same client instead of stacking them', async () => {
    const handler = scriptedHandler([{ status: 200, body: { things: [] } }]);
    const client = clientWith(handler);
    const first = new QuotaPacer({ scale: 0, clock: fakeClock() });
    const second = new QuotaPacer({ scale: 0, clock: fakeClock() });
    attachQuotaPacer(client, first);
    attachQuotaPacer(client, second);

    await client.send(new ListThingsCommand({}));

    expect(first.metrics().calls).toEqual({});
    expect(second.metrics().calls).toEqual({ ListThings: 1 });
  });
});
