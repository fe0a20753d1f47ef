/**
 * Layer 1 of the three retry layers (docs/retries.md says which layer owns which failure).
 *
 * Quota pacing for one region's IoT client. IoT control-plane quotas are per account, per region and
 * per API (https://docs.aws.amazon.com/general/latest/gr/iot-core.html#throttling-limits), so every operation gets its own token bucket at its default TPS, and a
 * call waits for a token instead of failing. A `ThrottlingException` is retried with full-jitter
 * backoff. The rate of the throttled operation alone comes down only when throttles are repeated: more
 * than `throttleFraction` of its answers within `windowMs` (at least `minThrottles` of them). A few
 * scattered throttles (several Lambdas sharing an account's quota, a brief burst elsewhere) cost a retry,
 * not the rate. The decrease is multiplicative by the share of answers that got through (at most a
 * halving), so the rate lands near what the service served; it then recovers additively, quickly up to a
 * small margin below the rate that was throttled, slowly above it, back to the configured rate (AIMD).
 * Calls go a small headroom (2 %) below the configured rate, so arrival jitter is not throttled: that
 * assumes IoT's throttling is a token bucket with about a second of burst, as the emulator models it
 * (UNCONFIRMED: AWS documents the per-API rates, not the algorithm). Full-jitter backoff:
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 * Transient 5xx get a few quick retries and never change the rate. The SDK's own retries are off
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
  /** Fraction of an operation's configured rate regained per second after a decrease (up to the margin). */
  recoveryPerSecond?: number;
  /** No second decrease within this long of one: its effect has to show in the answers first. */
  decreaseIntervalMs?: number;
  /** The window over which an operation's answers are counted to decide on a decrease. */
  windowMs?: number;
  /** Share of throttled answers in the window above which the rate comes down (e.g. 0.25). */
  throttleFraction?: number;
  /** Throttles in the window needed before any decrease (a lone throttle is noise). */
  minThrottles?: number;
  /** After a decrease, fast recovery stops this fraction below the rate that was throttled. */
  margin?: number;
  /**
   * Paces this fraction below the configured rate (e.g. 0.02), so the service's bucket keeps a few tokens
   * for calls that arrive closer together than they were sent; at exactly the quota those are throttled.
   */
  headroom?: number;
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
  /** Rate decreases, by operation. */
  decreases: Record<string, number>;
}

const DEFAULTS = {
  baseMs: 100,
  capMs: 10_000,
  maxAttempts: 12,
  transientRetries: 3,
  transientCapMs: 1_000,
  recoveryPerSecond: 0.1,
  decreaseIntervalMs: 1_000,
  windowMs: 2_000,
  throttleFraction: 0.25,
  minThrottles: 3,
  margin: 0.05,
  headroom: 0.02,
} as const;

/** The lowest rate AIMD may bring an operation to, as a fraction of its configured rate. */
const MIN_RATE_FRACTION = 1 / 32;

/** Token arithmetic tolerance (floating point after a sleep of exactly the missing fraction). */
const EPSILON = 1e-9;

/** Above the post-decrease ceiling, recovery goes this many times slower (probing for more room). */
const SLOW_RECOVERY_DIVISOR = 10;

/** How a bucket adapts its rate to throttling (resolved options of the pacer). */
interface Adaptation {
  recoveryPerSecond: number;
  decreaseIntervalMs: number;
  windowMs: number;
  throttleFraction: number;
  minThrottles: number;
  margin: number;
  headroom: number;
}

const realClock: QuotaClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/**
 * A token bucket whose capacity is about one second of tokens, with a FIFO queue of waiting callers.
 * One pump hands out tokens at the current rate, so a rate that changes while calls wait (a decrease, a
 * recovery) applies to the waiting calls at once, not only to later ones. Retries wait at the front: the
 * page that issued them waits for its slowest call.
 */
class TokenBucket {
  private rate: number;
  private tokens: number;
  private updatedAt: number;
  private adjustedAt: number;
  private decreasedAt = Number.NEGATIVE_INFINITY;
  private readonly waiting: (() => void)[] = [];
  private pumping = false;
  /** The highest rate paced: the configured one less the headroom. */
  private readonly topRate: number;
  /** Fast recovery stops here (a margin below the rate last throttled); slow above it. */
  private ceiling: number;
  /** Answers within the window: when each came and whether it was a throttle (oldest first). */
  private answers: { at: number; throttled: boolean }[] = [];
  /** Index of the oldest answer still in the window (the array is compacted now and then). */
  private first = 0;
  private throttlesInWindow = 0;
  /** Number of decreases so far. */
  decreases = 0;

  constructor(
    readonly configuredRate: number,
    private readonly adaptation: Adaptation,
    private readonly clock: QuotaClock,
  ) {
    const now = clock.now();
    this.topRate = configuredRate * (1 - adaptation.headroom);
    this.rate = this.topRate;
    this.ceiling = this.topRate;
    this.tokens = this.capacity();
    this.updatedAt = now;
    this.adjustedAt = now;
  }

  /** Calls waiting for a token. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Takes a token: returns undefined when one is free and nobody waits, else a promise that resolves
   * when the call's turn comes (`first`: ahead of the others, for a retry).
   */
  acquire(first: boolean): Promise<void> | undefined {
    this.update(this.clock.now());
    if (this.waiting.length === 0 && this.tokens >= 1 - EPSILON) {
      this.tokens -= 1;
      return undefined;
    }
    return new Promise<void>((resolve) => {
      if (first) this.waiting.unshift(resolve);
      else this.waiting.push(resolve);
      if (!this.pumping) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiting.length > 0) {
        this.update(this.clock.now());
        if (this.tokens >= 1 - EPSILON) {
          this.tokens -= 1;
          this.waiting.shift()!();
          continue;
        }
        await this.clock.sleep(((1 - this.tokens) / this.rate) * 1000);
      }
    } finally {
      this.pumping = false;
    }
  }

  private update(now: number): void {
    this.recover(now);
    this.refill(now);
  }

  /**
   * Records one answer of the service. A throttle decreases the rate only when throttles are repeated:
   * more than the threshold share of the window's answers, at least `minThrottles` of them, and no
   * decrease within the decrease interval. Returns whether the rate came down.
   */
  record(now: number, throttled: boolean): boolean {
    const a = this.adaptation;
    this.answers.push({ at: now, throttled });
    if (throttled) this.throttlesInWindow += 1;
    while (this.first < this.answers.length && this.answers[this.first]!.at <= now - a.windowMs) {
      if (this.answers[this.first]!.throttled) this.throttlesInWindow -= 1;
      this.first += 1;
    }
    if (this.first > 1024 && this.first * 2 > this.answers.length) {
      this.answers = this.answers.slice(this.first);
      this.first = 0;
    }
    if (!throttled || now - this.decreasedAt < a.decreaseIntervalMs) return false;
    const share = this.throttlesInWindow / (this.answers.length - this.first);
    if (this.throttlesInWindow < a.minThrottles || share <= a.throttleFraction) return false;
    this.decrease(now, Math.max(0.5, 1 - share));
    return true;
  }

  currentRate(now: number): number {
    this.recover(now);
    return this.rate;
  }

  /** Multiplicative decrease; the window starts afresh so the next decision sees the new rate only. */
  private decrease(now: number, factor: number): void {
    this.decreasedAt = now;
    this.decreases += 1;
    this.recover(now);
    this.refill(now);
    this.ceiling = Math.max(this.configuredRate * MIN_RATE_FRACTION, this.rate * (1 - this.adaptation.margin));
    this.rate = Math.max(this.configuredRate * MIN_RATE_FRACTION, this.rate * factor);
    this.tokens = Math.min(this.tokens, this.capacity());
    this.answers = [];
    this.first = 0;
    this.throttlesInWindow = 0;
  }

  private capacity(): number {
    return Math.max(1, this.rate);
  }

  private refill(now: number): void {
    const elapsedMs = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.capacity(), this.tokens + (elapsedMs / 1000) * this.rate);
    this.updatedAt = now;
  }

  /** Additive increase: quickly up to the ceiling, then slowly back to the configured rate. */
  private recover(now: number): void {
    const elapsedMs = Math.max(0, now - this.adjustedAt);
    this.adjustedAt = now;
    if (this.rate >= this.topRate) return;
    // Refill at the old rate up to now before the rate changes, so the change is not retroactive.
    this.refill(now);
    const step = this.adaptation.recoveryPerSecond * this.configuredRate;
    let seconds = elapsedMs / 1000;
    if (this.rate < this.ceiling) {
      const fast = Math.min(seconds, (this.ceiling - this.rate) / step);
      this.rate += fast * step;
      seconds -= fast;
    }
    if (step > 0) this.rate = Math.min(this.topRate, this.rate + (seconds * step) / SLOW_RECOVERY_DIVISOR);
    if (this.rate >= this.topRate) this.ceiling = this.topRate;
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
  private readonly adaptation: Adaptation;
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
    this.adaptation = {
      recoveryPerSecond: Math.max(0, options.recoveryPerSecond ?? DEFAULTS.recoveryPerSecond),
      decreaseIntervalMs: options.decreaseIntervalMs ?? DEFAULTS.decreaseIntervalMs,
      windowMs: options.windowMs ?? DEFAULTS.windowMs,
      throttleFraction: options.throttleFraction ?? DEFAULTS.throttleFraction,
      minThrottles: Math.max(1, options.minThrottles ?? DEFAULTS.minThrottles),
      margin: Math.min(0.5, Math.max(0, options.margin ?? DEFAULTS.margin)),
      headroom: Math.min(0.5, Math.max(0, options.headroom ?? DEFAULTS.headroom)),
    };
    this.classify = options.classify ?? classifyFailure;
  }

  /** The configured TPS of an operation (after overrides and scale); 0 means unpaced. */
  configuredTps(operation: string): number {
    const base = this.overrides[operation] ?? defaultIotTps(operation);
    const tps = base * this.scale;
    return Number.isFinite(tps) && tps > 0 ? tps : 0;
  }

  /** Calls waiting for a token, by operation (those with any). */
  queued(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [operation, bucket] of this.buckets) if (bucket && bucket.queued > 0) out[operation] = bucket.queued;
    return out;
  }

  /**
   * Runs `attempt` for `operation`: waits for a token before every try, backs off on throttling (up to
   * the attempt budget) and retries transient failures a few times; then rethrows the last error as is.
   */
  async run<T>(operation: string, attempt: () => Promise<T>): Promise<T> {
    let throttles = 0;
    let transients = 0;
    for (;;) {
      await this.acquire(operation, throttles + transients > 0);
      increment(this.counters.calls, operation);
      let result: T;
      try {
        result = await attempt();
      } catch (error) {
        const kind = this.classify(error, operation);
        // Every answer counts in the throttle share: a not-found or a 5xx is an answer the quota let through.
        this.bucketFor(operation)?.record(this.clock.now(), kind === 'throttle');
        let delayMs: number;
        if (kind === 'throttle') {
          increment(this.counters.throttles, operation);
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
        continue;
      }
      this.bucketFor(operation)?.record(this.clock.now(), false);
      return result;
    }
  }

  /** A snapshot of the counters. */
  metrics(): QuotaMetrics {
    const now = this.clock.now();
    const currentTps: Record<string, number> = {};
    const decreases: Record<string, number> = {};
    for (const [operation, bucket] of this.buckets) {
      if (bucket) currentTps[operation] = bucket.currentRate(now);
      if (bucket?.decreases) decreases[operation] = bucket.decreases;
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
      decreases,
    };
  }

  /** Full jitter: uniform in [0, min(cap, base·2^attempt)). */
  private fullJitter(attempt: number, capMs: number): number {
    const ceiling = Math.min(capMs, this.baseMs * 2 ** attempt);
    return this.clock.random() * ceiling;
  }

  private async acquire(operation: string, retry: boolean): Promise<void> {
    const since = this.clock.now();
    const turn = this.bucketFor(operation)?.acquire(retry);
    if (!turn) return;
    await turn;
    this.counters.pacingWaitMs += this.clock.now() - since;
  }

  private bucketFor(operation: string): TokenBucket | undefined {
    let bucket = this.buckets.get(operation);
    if (bucket === undefined) {
      const tps = this.configuredTps(operation);
      bucket = tps > 0 ? new TokenBucket(tps, this.adaptation, this.clock) : null;
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
