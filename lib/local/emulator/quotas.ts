/**
 * Per-region, per-API token buckets at AWS IoT's default TPS (the table in lib/core/iot-quotas.ts, with its
 * sources; values marked UNCONFIRMED there are taken as stated, and APIs missing from the table get 10).
 * `quotaScale` multiplies every rate; 0 turns quotas off. Burst = one second's worth, at least 1.
 */
import { defaultIotTps, IOT_DEFAULT_TPS } from '../../core/iot-quotas';

/** Default transactions per second per API (the one table, in lib/core). */
export const DEFAULT_TPS = IOT_DEFAULT_TPS;

/** The default TPS of `operation`. */
export const defaultTps = defaultIotTps;

interface Bucket {
  tokens: number;
  last: number;
}

/** Token buckets keyed by region and operation. */
export class QuotaBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private scale: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Changes the factor (0 = off); buckets restart full at the new rate. */
  setScale(scale: number): void {
    this.scale = scale;
    this.buckets.clear();
  }

  /** Takes one token for the call; false when the call is over quota. */
  take(region: string, operation: string): boolean {
    if (this.scale <= 0) return true;
    const rate = defaultTps(operation) * this.scale;
    const burst = Math.max(1, rate);
    const key = `${region}\u0000${operation}`;
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: burst, last: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.last) / 1000) * rate);
    b.last = t;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Forgets the buckets of `region` (or all). */
  reset(region?: string): void {
    if (region === undefined) return this.buckets.clear();
    for (const key of [...this.buckets.keys()]) if (key.startsWith(`${region}\u0000`)) this.buckets.delete(key);
  }
}
