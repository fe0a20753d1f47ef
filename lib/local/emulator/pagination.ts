/**
 * Paging with AWS's parameter names. Tokens are opaque (base64url of the last returned key), so a page
 * boundary stays stable while items are added or removed, and a forged token is refused.
 */
import { invalidRequest } from './errors';

/** AWS's bounds for page sizes (1–250). */
export const MAX_PAGE_SIZE = 250;

/** One page of items and the token for the next one. */
export interface Page<T> {
  readonly items: T[];
  readonly next?: string;
}

function encodeToken(key: string): string {
  return Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64url');
}

function decodeToken(token: string, tokenName: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && typeof (parsed as { after?: unknown }).after === 'string') {
      return (parsed as { after: string }).after;
    }
  } catch {
    // fall through to the error below
  }
  throw invalidRequest(`Invalid ${tokenName}`);
}

/** Checks a page-size parameter and applies its default. */
export function pageSize(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (value < 1 || value > MAX_PAGE_SIZE) {
    throw invalidRequest(`1 validation error detected: Value '${value}' at '${name}' failed to satisfy constraint: Member must have value between 1 and ${MAX_PAGE_SIZE}`);
  }
  return value;
}

/**
 * Returns the page after `token` of `sorted` (already in the answer's order), keyed by `keyOf`.
 * `tokenName` names the parameter in errors (nextToken / marker); `descending` says keys fall along the list.
 */
export function paginate<T>(
  sorted: readonly T[],
  keyOf: (item: T) => string,
  size: number,
  token: string | undefined,
  tokenName: string,
  descending = false,
): Page<T> {
  let start = 0;
  if (token !== undefined && token !== '') {
    const after = decodeToken(token, tokenName);
    const idx = sorted.findIndex((item) => keyOf(item) === after);
    // The item the token points at may have been deleted: continue after where it would sort.
    start = idx >= 0 ? idx + 1 : sorted.findIndex((item) => (descending ? keyOf(item) < after : keyOf(item) > after));
    if (start < 0) start = sorted.length;
  }
  const items = sorted.slice(start, start + size);
  const last = items[items.length - 1];
  const next = start + size < sorted.length && last !== undefined ? encodeToken(keyOf(last)) : undefined;
  return next === undefined ? { items } : { items, next };
}
