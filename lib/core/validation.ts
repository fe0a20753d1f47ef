/**
 * Validation at every boundary, one way: the schemas of values that recur (a region, an account, a role
 * ARN), the wording of a zod failure (`field.path: message`), and `parseOrThrow`, which turns the first
 * issue into an `InvalidInputError` that names the field.
 */
import { z } from 'zod';
import { InvalidInputError } from './errors';

/** An AWS region name (`us-east-1`, `ap-southeast-5`, `us-gov-west-1`). */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** An AWS region name. */
export const RegionSchema = z.string().regex(REGION_PATTERN, 'must be an AWS region such as us-east-1');

/** A 12-digit AWS account ID. */
export const AccountIdSchema = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account ID');

/** An IAM role ARN of any partition. */
export const RoleArnSchema = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/name');

/** The first issue of a failed parse as `path: message`, the path under `prefix` (`(root)` when empty). */
export function describeIssue(error: z.ZodError, prefix = ''): string {
  const issue = error.issues[0];
  const where = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.') || '(root)';
  return `${where}: ${issue?.message ?? 'invalid'}`;
}

/** Parses with zod; the first issue becomes an InvalidInputError naming the field path under `path`. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, path: string, subject = 'invalid input'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidInputError(`${subject}: ${describeIssue(result.error, path)}`, { cause: result.error });
}
