/**
 * CDK context values arrive as strings (`-c createTrail=false`, `-c quotaScale=4`, or a JSON section whose
 * numbers were quoted): the config schemas take them through {@link fromContext}, once, in one way.
 */
import { z } from 'zod';

/** `'true'`/`'false'` as booleans and a decimal string as a number; anything else unchanged, for the schema to judge. */
export function contextValueAsData(value: unknown): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

/** A boolean or number schema that also takes the string form a CDK context value arrives in. */
export function fromContext<T extends z.ZodType>(schema: T) {
  return z.preprocess(contextValueAsData, schema);
}

/** A context value as the schema takes it: `-c failback='{"deploy":false}'` arrives as a JSON string. */
export function parseContextJson(value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}
