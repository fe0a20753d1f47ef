/**
 * A local stand-in for a Route 53 failover record pair: one name answers with the PRIMARY record while
 * its health check is healthy and with the SECONDARY otherwise. The health check probes every
 * `intervalMs` and changes state after `failureThreshold` consecutive failures (or as many successes),
 * as Route 53 does: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
 * (interval 10 or 30 s and threshold 1-10, default 3, on AWS; the demo scales the interval down).
 * A failed SECONDARY is still answered: Route 53 returns the secondary when both are unhealthy.
 */

/** One record of the pair. */
export interface FailoverTarget {
  /** What the name resolves to (here: the region and the SNI name a device uses). */
  region: string;
  serverName: string;
}

/** How the PRIMARY's health is checked. */
export interface HealthCheckSettings {
  intervalMs: number;
  failureThreshold: number;
  /** Resolves true when the primary answers (e.g. a canary device connects). */
  probe: () => Promise<boolean>;
}

/** A flip of the record. */
export interface FailoverFlip {
  at: number;
  to: 'PRIMARY' | 'SECONDARY';
  consecutiveResults: number;
}

/** The record pair and its health check. */
export class FailoverRecord {
  private healthy = true;
  private streak = 0;
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private readonly listeners: ((flip: FailoverFlip) => void)[] = [];
  /** Every flip so far. */
  readonly flips: FailoverFlip[] = [];

  constructor(
    private readonly primary: FailoverTarget,
    private readonly secondary: FailoverTarget,
    private readonly health: HealthCheckSettings,
  ) {
    if (!(health.intervalMs > 0)) throw new RangeError(`intervalMs must be positive (got ${health.intervalMs})`);
    if (!Number.isInteger(health.failureThreshold) || health.failureThreshold < 1 || health.failureThreshold > 10) {
      throw new RangeError(`failureThreshold must be a whole number from 1 to 10, as Route 53's (got ${health.failureThreshold})`);
    }
  }

  /** What the name answers now. */
  resolve(): FailoverTarget {
    return this.healthy ? this.primary : this.secondary;
  }

  /** Whether the PRIMARY counts as healthy. */
  get primaryHealthy(): boolean {
    return this.healthy;
  }

  /** Calls `listener` on each flip. */
  onFlip(listener: (flip: FailoverFlip) => void): void {
    this.listeners.push(listener);
  }

  /** Starts the periodic health check. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.health.intervalMs);
    this.timer.unref();
  }

  /** Stops it. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One probe (also called by the interval); an overlapping probe is skipped. */
  async check(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    let ok = false;
    try {
      ok = await this.health.probe();
    } catch {
      ok = false;
    } finally {
      this.probing = false;
    }
    if (ok === this.healthy) {
      this.streak = 0;
      return;
    }
    this.streak += 1;
    if (this.streak >= this.health.failureThreshold) {
      this.healthy = ok;
      const flip: FailoverFlip = { at: Date.now(), to: ok ? 'PRIMARY' : 'SECONDARY', consecutiveResults: this.streak };
      this.streak = 0;
      this.flips.push(flip);
      for (const l of this.listeners) l(flip);
    }
  }
}
