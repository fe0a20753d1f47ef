/**
 * IoT policy documents: the structural region rewrite and the canonical form used to compare them.
 *
 * The rewrite touches only IoT ARNs (`arn:<partition>:iot:<region>:<account>:…`) found as whole string
 * values of `Resource`, `NotResource` and inside `Condition` blocks: their region field when it is the
 * source region and, when the target registry is in another account, their account field when it is the
 * source account (IoT policy ARNs name the account: https://docs.aws.amazon.com/iot/latest/developerguide/iot-action-resources.html).
 * A region or account string anywhere else (a topic named `telemetry/us-east-1/x`, a wildcard, another
 * service's ARN) stays as written.
 */
import { InvalidResourceError } from './errors';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The partitions whose IoT ARNs are rewritten. */
export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;

/** The result of a rewrite: the document to write, how many ARNs changed, and how many of them changed account. */
export interface RewrittenPolicyDocument {
  document: string;
  rewrittenArns: number;
  rewrittenAccounts: number;
}

/** The source and target accounts of a sync whose target registry is in another account. */
export interface AccountRewrite {
  source: string;
  target: string;
}

/** The account rewrite between two registries, or `undefined` when either account is unknown or they are the same. */
export function accountRewrite(sourceAccount: string | undefined, targetAccount: string | undefined): AccountRewrite | undefined {
  return sourceAccount === undefined || targetAccount === undefined || sourceAccount === targetAccount
    ? undefined
    : { source: sourceAccount, target: targetAccount };
}

/** Whether a JSON value is an object (not null, not an array). */
export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseDocument(document: string, policyName?: string): JsonObject {
  const subject = policyName === undefined ? 'policy document' : `policy "${policyName}"`;
  let parsed: Json;
  try {
    parsed = JSON.parse(document) as Json;
  } catch (error) {
    throw new InvalidResourceError(`${subject}: the document is not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (!isObject(parsed)) throw new InvalidResourceError(`${subject}: the document is not a JSON object`);
  return parsed;
}

function statementsOf(document: JsonObject): JsonObject[] {
  const statement = document['Statement'];
  const list = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
  return list.filter(isObject);
}

/**
 * Rewrites the IoT ARNs in `Resource`, `NotResource` and `Condition` values from `sourceRegion` to
 * `targetRegion` and, given `accounts`, from the source account to the target account. The document is
 * returned verbatim when nothing was rewritten, otherwise re-serialised (whitespace does not count against
 * the policy size limit). Malformed JSON throws `InvalidResourceError` naming `policyName` when given.
 */
export function rewritePolicyDocument(
  document: string,
  sourceRegion: string,
  targetRegion: string,
  policyName?: string,
  accounts?: AccountRewrite,
): RewrittenPolicyDocument {
  const parsed = parseDocument(document, policyName);
  const moveAccount = accounts !== undefined && accounts.source !== accounts.target;
  if (sourceRegion === targetRegion && !moveAccount) return { document, rewrittenArns: 0, rewrittenAccounts: 0 };
  const pattern = new RegExp(`^(arn:(?:${PARTITIONS.join('|')}):iot:)([^:]*):([^:]*):`);
  let rewrittenArns = 0;
  let rewrittenAccounts = 0;
  const rewriteString = (value: string): string => {
    const match = pattern.exec(value);
    if (!match) return value;
    const [whole, prefix, region, account] = match as unknown as [string, string, string, string];
    const newRegion = region === sourceRegion ? targetRegion : region;
    const newAccount = moveAccount && account === accounts.source ? accounts.target : account;
    if (newRegion === region && newAccount === account) return value;
    rewrittenArns += 1;
    if (newAccount !== account) rewrittenAccounts += 1;
    return `${prefix}${newRegion}:${newAccount}:${value.slice(whole.length)}`;
  };
  const rewriteValue = (value: Json): Json => {
    if (typeof value === 'string') return rewriteString(value);
    if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? rewriteString(item) : item));
    return value;
  };
  for (const statement of statementsOf(parsed)) {
    for (const field of ['Resource', 'NotResource']) {
      const value = statement[field];
      if (value !== undefined) statement[field] = rewriteValue(value);
    }
    const condition = statement['Condition'];
    if (!isObject(condition)) continue;
    for (const block of Object.values(condition)) {
      if (!isObject(block)) continue;
      for (const [key, value] of Object.entries(block)) block[key] = rewriteValue(value);
    }
  }
  return rewrittenArns === 0 ? { document, rewrittenArns, rewrittenAccounts } : { document: JSON.stringify(parsed), rewrittenArns, rewrittenAccounts };
}

/** Fields of a statement that accept a string or an array of strings with the same meaning. */
const STRING_OR_LIST_FIELDS = ['Action', 'NotAction', 'Resource', 'NotResource'];

/** A JSON value with object keys sorted recursively (array order kept), for comparing documents. */
export function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  const sorted: JsonObject = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key] as Json);
  return sorted;
}

const asList = (value: Json): Json => (typeof value === 'string' ? [value] : value);

/**
 * The canonical form of a policy document for comparison: keys sorted recursively, whitespace dropped,
 * array order kept. Choice: `Statement` as a single object equals a one-element array, and a plain string
 * equals a one-element array in `Action`, `NotAction`, `Resource`, `NotResource` and `Condition` values
 * (IAM gives them the same meaning); both are normalised to arrays.
 */
export function normalisePolicyDocument(document: string, policyName?: string): string {
  const parsed = parseDocument(document, policyName);
  if (parsed['Statement'] !== undefined && !Array.isArray(parsed['Statement'])) {
    parsed['Statement'] = [parsed['Statement']];
  }
  for (const statement of statementsOf(parsed)) {
    for (const field of STRING_OR_LIST_FIELDS) {
      const value = statement[field];
      if (value !== undefined) statement[field] = asList(value);
    }
    const condition = statement['Condition'];
    if (!isObject(condition)) continue;
    for (const block of Object.values(condition)) {
      if (!isObject(block)) continue;
      for (const [key, value] of Object.entries(block)) block[key] = asList(value);
    }
  }
  return JSON.stringify(sortKeys(parsed));
}

/**
 * Whether the target's document equals the source's once the source is rewritten to the target region
 * (and account) and both are normalised. A malformed source document throws `InvalidResourceError`; a
 * malformed target document simply differs.
 */
export function policyDocumentsEqual(
  sourceDocument: string,
  targetDocument: string,
  sourceRegion: string,
  targetRegion: string,
  accounts?: AccountRewrite,
): boolean {
  const expected = normalisePolicyDocument(rewritePolicyDocument(sourceDocument, sourceRegion, targetRegion, undefined, accounts).document);
  try {
    return expected === normalisePolicyDocument(targetDocument);
  } catch {
    return false;
  }
}
