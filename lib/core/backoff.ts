/**
 * Reconnect delays: capped exponential backoff with full jitter, the scheme AWS recommends for clients
 * retrying against a service ("Exponential Backoff And Jitter", AWS Architecture Blog:
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */

/** How a client backs off. */
export interface BackoffPolicy {
  /** First ceiling in milliseconds. */
  baseMs: number;
  /** Largest ceiling in milliseconds. */
  capMs: number;
}

/** The delay before attempt `attempt` (0-based): uniform in [0, min(cap, base × 2^attempt)). */
export function fullJitterDelayMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
