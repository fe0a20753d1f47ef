/**
 * The account ID of one region's registry: the configured one, else learned from the first IoT ARN that
 * a response carries (the adapter needs it to build certificate and thing-group ARNs without a describe).
 */
import { parseIotArn } from '../arns';

/** How deep into a response, and how many items of each list, the search for an ARN looks. */
const MAX_DEPTH = 4;
const ITEMS_PER_LIST = 3;

/** The account ID of the first IoT ARN near the top of a response (a page's first items included). */
export function accountIdInResponse(output: unknown, depth = 0): string | undefined {
  if (output === null || typeof output !== 'object' || depth > MAX_DEPTH) return undefined;
  const values = Array.isArray(output) ? output.slice(0, ITEMS_PER_LIST) : Object.values(output as Record<string, unknown>);
  for (const value of values) {
    if (typeof value === 'string' && value.startsWith('arn:')) {
      const parsed = parseIotArn(value);
      if (parsed) return parsed.accountId;
    } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      const found = accountIdInResponse(value, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * The account ID as known so far. It is kept apart from the configured `accountId` the registry exposes,
 * so that learning it cannot change a comparison mid-run; once known it never changes.
 */
export class AccountIdLearner {
  private known: string | undefined;

  constructor(configured: string | undefined) {
    this.known = configured;
  }

  /** The account ID, when configured or learned. */
  get current(): string | undefined {
    return this.known;
  }

  /** Learns the account ID from a response, unless it is already known. */
  learnFrom(output: unknown): void {
    if (this.known === undefined) this.known = accountIdInResponse(output);
  }
}
