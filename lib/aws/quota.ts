/**
 * Quota pacing for one region's IoT client. IoT control-plane quotas are per account, per region and
 * per API (aws-facts.md §5), so every operation gets its own token bucket at its default TPS, and a
 * call waits for a token instead of failing. A `ThrottlingException` backs off with full jitter and
 * halves that operation's rate, which then recovers linearly (AIMD), so a run configured above the true
 * bound settles at it. Transient 5xx get a few quick retries. The SDK's own retries are off
 * (`maxAttempts: 1`), so every attempt is paced and counted here.
 */
import type { IoTClient } from '@aws-sdk/client-iot';
import { defaultIotTps } from '../core/iot-quotas';
import { classifyFailure, type FailureClass } from './errors';

/** Time, sleeping and randomness, injectable so tests run on a fake clock. */
export interface QuotaClock {
  /** Milliseconds, monotonic enough for rate arithmetic. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
}

/** Options of a {@link QuotaPacer}; every field has a default. */
export interface QuotaOptions {
  /** Multiplies every rate (e.g. 0.01 against an emulator with scaled quotas); 0 turns pacing off. */
  scale?: number;
  /** TPS per operation name (`ListThings`), replacing the default; scaled too; ≤ 0 leaves it unpaced. */
  overrides?: Record<string, number>;
  /** Full-jitter backoff on throttling: base and cap of the delay, and the attempt budget. */
  throttleBackoff?: { baseMs?: number; capMs?: number; maxAttempts?: number };
  /** Quick retries of a transient failure (5xx, timeout, dropped connection). */
  transientRetries?: number;
  /** Fraction of an operation's configured rate regained per second after a throttle halved it. */
  recoveryPerSecond?: number;
  /** Throttles within this long of a halving do not halve again (a burst of them is one signal). */
  decreaseIntervalMs?: number;
  clock?: Partial<QuotaClock>;
  /** Which failures are throttling / transient; defaults to `classifyFailure` of `./errors`. */
  classify?: (error: unknown, operation: string) => FailureClass;
}

/** What the pacer did so far (counters since it was created). */
export interface QuotaMetrics {
  /** Attempts sent, by operation (a retried call counts once per attempt). */
  calls: Record<string, number>;
  /** Throttling answers, by operation. */
  throttles: Record<string, number>;
  /** Transient failures (5xx, timeouts, network), by operation. */
  transientFailures: Record<string, number>;
  /** Attempts that were retries, all operations together. */
  retries: number;
  /** Time spent waiting for tokens or backing off, in milliseconds. */
  waitMs: number;
  /** Of `waitMs`, the part spent waiting for a token. */
  pacingWaitMs: number;
  /** Of `waitMs`, the part spent in backoff after a failure. */
  backoffWaitMs: number;
  /** The current rate of each operation used so far, in TPS (after AIMD). */
  currentTps: Record<string, number>;
}

const DEFAULTS = {
  baseMs: 100,
  capMs: 10_000,
  maxAttempts: 12,
  transientRetries: 3,
  transientCapMs: 1_000,
  recoveryPerSecond: 0.05,
  decreaseIntervalMs: 1_000,
} as const;

/** The lowest rate AIMD may bring an operation to, as a fraction of its configured rate. */
const MIN_RATE_FRACTION = 1 / 32;

const realClock: QuotaClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/**
 * A token bucket whose capacity is about one second of tokens. Tokens may go negative: each caller
 * reserves one and waits for its turn, so concurrent callers queue fairly without polling.
 */
class TokenBucket {
  private rate: number;
  private tokens: number;
  private updatedAt: number;
  private adjustedAt: number;
  private decreasedAt = Number.NEGATIVE_INFINITY;
  /** When the last queued reservation may go. */
  private queuedUntil = Number.NEGATIVE_INFINITY;

  constructor(
    readonly configuredRate: number,
    private readonly recoveryPerSecond: number,
    private readonly decreaseIntervalMs: number,
    now: number,
  ) {
    this.rate = configuredRate;
    this.tokens = this.capacity();
    this.updatedAt = now;
    this.adjustedAt = now;
  }

  /** Takes a token; returns how long to wait (ms) before using it. */
  reserve(now: number): number {
    this.recover(now);
    this.refill(now);
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    // Queued calls go one interval after the previous queued one, at the current rate. Re-pricing the
    // whole backlog at a changed rate (-tokens / rate) left an idle gap after a halving and sent calls
    // over the quota after a recovery.
    this.queuedUntil = Math.max(now, this.queuedUntil) + 1000 / this.rate;
    return this.queuedUntil - now;
  }

  /** Multiplicative decrease after a throttle, at most once per decrease interval. */
  halve(now: number): void {
    if (now - this.decreasedAt < this.decreaseIntervalMs) return;
    this.decreasedAt = now;
    this.recover(now);
    this.refill(now);
    this.rate = Math.max(this.configuredRate * MIN_RATE_FRACTION, this.rate / 2);
    this.tokens = Math.min(this.tokens, this.capacity());
  }

  currentRate(now: number): number {
    this.recover(now);
    return this.rate;
  }

  private capacity(): number {
    return Math.max(1, this.rate);
  }

  private refill(now: number): void {
    const elapsedMs = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.capacity(), this.tokens + (elapsedMs / 1000) * this.rate);
    this.updatedAt = now;
  }

  /** Additive increase: the rate climbs back linearly towards the configured one. */
  private recover(now: number): void {
    const elapsedMs = Math.max(0, now - this.adjustedAt);
    this.adjustedAt = now;
    if (this.rate >= this.configuredRate) return;
    // Refill at the old rate up to now before the rate changes, so the change is not retroactive.
    this.refill(now);
    this.rate = Math.min(this.configuredRate, this.rate + (elapsedMs / 1000) * this.recoveryPerSecond * this.configuredRate);
  }
}

function increment(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

/**
 * Paces and retries the calls of one region: per-operation token buckets, full-jitter backoff on
 * throttling with AIMD, quick retries of transient failures, and counters.
 */
export class QuotaPacer {
  private readonly buckets = new Map<string, TokenBucket | null>();
  private readonly clock: QuotaClock;
  private readonly scale: number;
  private readonly overrides: Record<string, number>;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly maxAttempts: number;
  private readonly transientRetries: number;
  private readonly recoveryPerSecond: number;
  private readonly decreaseIntervalMs: number;
  private readonly classify: (error: unknown, operation: string) => FailureClass;
  private readonly counters = {
    calls: {} as Record<string, number>,
    throttles: {} as Record<string, number>,
    transientFailures: {} as Record<string, number>,
    retries: 0,
    pacingWaitMs: 0,
    backoffWaitMs: 0,
  };

  constructor(options: QuotaOptions = {}) {
    this.clock = { ...realClock, ...options.clock };
    this.scale = options.scale ?? 1;
    this.overrides = { ...options.overrides };
    this.baseMs = options.throttleBackoff?.baseMs ?? DEFAULTS.baseMs;
    this.capMs = options.throttleBackoff?.capMs ?? DEFAULTS.capMs;
    this.maxAttempts = Math.max(1, options.throttleBackoff?.maxAttempts ?? DEFAULTS.maxAttempts);
    this.transientRetries = Math.max(0, options.transientRetries ?? DEFAULTS.transientRetries);
    this.recoveryPerSecond = options.recoveryPerSecond ?? DEFAULTS.recoveryPerSecond;
    this.decreaseIntervalMs = options.decreaseIntervalMs ?? DEFAULTS.decreaseIntervalMs;
    this.classify = options.classify ?? classifyFailure;
  }

  /** The configured TPS of an operation (after overrides and scale); 0 means unpaced. */
  configuredTps(operation: string): number {
    const base = this.overrides[operation] ?? defaultIotTps(operation);
    const tps = base * this.scale;
    return Number.isFinite(tps) && tps > 0 ? tps : 0;
  }

  /**
   * Runs `attempt` for `operation`: waits for a token before every try, backs off on throttling (up to
   * the attempt budget) and retries transient failures a few times; then rethrows the last error as is.
   */
  async run<T>(operation: string, attempt: () => Promise<T>): Promise<T> {
    let throttles = 0;
    let transients = 0;
    for (;;) {
      await this.acquire(operation);
      increment(this.counters.calls, operation);
      try {
        return await attempt();
      } catch (error) {
        const kind = this.classify(error, operation);
        let delayMs: number;
        if (kind === 'throttle') {
          increment(this.counters.throttles, operation);
          this.bucketFor(operation)?.halve(this.clock.now());
          throttles += 1;
          if (throttles + transients >= this.maxAttempts) throw error;
          delayMs = this.fullJitter(throttles - 1, this.capMs);
        } else if (kind === 'transient') {
          increment(this.counters.transientFailures, operation);
          transients += 1;
          if (transients > this.transientRetries || throttles + transients >= this.maxAttempts) throw error;
          delayMs = this.fullJitter(transients - 1, DEFAULTS.transientCapMs);
        } else {
          throw error;
        }
        this.counters.retries += 1;
        if (delayMs > 0) {
          this.counters.backoffWaitMs += delayMs;
          await this.clock.sleep(delayMs);
        }
      }
    }
  }

  /** A snapshot of the counters. */
  metrics(): QuotaMetrics {
    const now = this.clock.now();
    const currentTps: Record<string, number> = {};
    for (const [operation, bucket] of this.buckets) {
      if (bucket) currentTps[operation] = bucket.currentRate(now);
    }
    return {
      calls: { ...this.counters.calls },
      throttles: { ...this.counters.throttles },
      transientFailures: { ...this.counters.transientFailures },
      retries: this.counters.retries,
      waitMs: this.counters.pacingWaitMs + this.counters.backoffWaitMs,
      pacingWaitMs: this.counters.pacingWaitMs,
      backoffWaitMs: this.counters.backoffWaitMs,
      currentTps,
    };
  }

  /** Full jitter: uniform in [0, min(cap, base·2^attempt)). */
  private fullJitter(attempt: number, capMs: number): number {
    const ceiling = Math.min(capMs, this.baseMs * 2 ** attempt);
    return this.clock.random() * ceiling;
  }

  private async acquire(operation: string): Promise<void> {
    const bucket = this.bucketFor(operation);
    if (!bucket) return;
    const waitMs = bucket.reserve(this.clock.now());
    if (waitMs > 0) {
      this.counters.pacingWaitMs += waitMs;
      await this.clock.sleep(waitMs);
    }
  }

  private bucketFor(operation: string): TokenBucket | undefined {
    let bucket = this.buckets.get(operation);
    if (bucket === undefined) {
      const tps = this.configuredTps(operation);
      bucket = tps > 0 ? new TokenBucket(tps, this.recoveryPerSecond, this.decreaseIntervalMs, this.clock.now()) : null;
      this.buckets.set(operation, bucket);
    }
    return bucket ?? undefined;
  }
}

const MIDDLEWARE_NAME = 'iotRegistrySyncQuotaPacing';

/**
 * Routes every command of `client` (paginators included) through `pacer`, keyed by operation name.
 * Installed at the initialize step so each retry is serialized and signed afresh.
 */
export function attachQuotaPacer(client: IoTClient, pacer: QuotaPacer): void {
  client.middlewareStack.remove(MIDDLEWARE_NAME);
  client.middlewareStack.add(
    (next, context) => (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      return pacer.run(operation, () => next(args));
    },
    { step: 'initialize', name: MIDDLEWARE_NAME, priority: 'high' },
  );
}
