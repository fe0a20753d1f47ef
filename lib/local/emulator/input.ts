/**
 * Typed reads of an operation's input (path labels, query, headers and JSON body merged under their API
 * member names). A member of the wrong type is an InvalidRequestException, as the service answers.
 */
import { invalidRequest } from './errors';

/** An operation's input members by API name. */
export type Input = Readonly<Record<string, unknown>>;

/** A required string member. */
export function requiredString(input: Input, name: string): string {
  const v = input[name];
  if (typeof v !== 'string' || v === '') throw invalidRequest(`${name} is required`);
  return v;
}

/** An optional string member. */
export function optionalString(input: Input, name: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidRequest(`${name} must be a string`);
  return v;
}

/** An optional integer member. */
export function optionalInt(input: Input, name: string): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidRequest(`${name} must be an integer`);
  return v;
}

/** An optional boolean member. */
export function optionalBool(input: Input, name: string): boolean | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalidRequest(`${name} must be a boolean`);
  return v;
}

/** An optional structure member. */
export function optionalObject(input: Input, name: string): Input | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidRequest(`${name} must be an object`);
  return v as Input;
}

/** An optional map<string, string> member. */
export function optionalStringMap(input: Input, name: string): Record<string, string> | undefined {
  const obj = optionalObject(input, name);
  if (obj === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== 'string') throw invalidRequest(`${name}.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

/** An optional list<string> member. */
export function optionalStringList(input: Input, name: string): string[] | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalidRequest(`${name} must be a list of strings`);
  return v as string[];
}

/** Checks a name against the API's length bounds and pattern. */
export function checkName(kind: string, value: string, pattern: RegExp, max = 128): void {
  if (value.length < 1 || value.length > max || !pattern.test(value)) {
    throw invalidRequest(`1 validation error detected: Value '${value}' at '${kind}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source} and have length between 1 and ${max}`);
  }
}

/** Thing, thing-type, group and billing-group names: `[a-zA-Z0-9:_-]+`, 1–128. */
export const RESOURCE_NAME = /^[a-zA-Z0-9:_-]+$/;
/** Policy names: `[\w+=,.@-]+`, 1–128. */
export const POLICY_NAME = /^[\w+=,.@-]+$/;

/** A request body as a JSON object (`{}` when empty); anything else is InvalidRequestException, as AWS answers. */
export function parseJsonObjectBody(body: string): Record<string, unknown> {
  if (body === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw invalidRequest('The request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidRequest('The request body must be a JSON object');
  return parsed as Record<string, unknown>;
}
