/**
 * Lambda configuration: read once from the environment at cold start, validated with zod, failing
 * loudly with the variable's name. Unknown IRS_* variables are rejected so a typo is not silently ignored.
 */
import { z } from 'zod';
import { InvalidInputError } from '../../lib/core/errors';

const RegionSchema = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1');

/** The environment every sync Lambda reads. */
export const SyncEnvironmentSchema = z.strictObject({
  IRS_SOURCE_REGION: RegionSchema,
  IRS_TARGET_REGION: RegionSchema,
  IRS_DELETE_MODE: z.enum(['retain', 'mirror']).default('retain'),
  /** One endpoint for both regions (a local emulator); unset on AWS. */
  IRS_IOT_ENDPOINT: z.url().optional(),
  /** Multiplies the AWS default TPS the client paces at (raise it after raising the account's quotas). */
  IRS_QUOTA_SCALE: z.coerce.number().positive().default(1),
  /** An IAM role the target-region client assumes (a target registry in another account); unset: the function's own role. */
  IRS_TARGET_ROLE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, 'must be an IAM role ARN')
    .optional(),
});
/** Validated Lambda settings. */
export type SyncEnvironment = z.infer<typeof SyncEnvironmentSchema>;

/** Reads the IRS_* variables of an environment; throws InvalidInputError naming the bad variable. */
export function readSyncEnvironment(env: NodeJS.ProcessEnv = process.env): SyncEnvironment {
  return readEnvironment(SyncEnvironmentSchema, env);
}

/** Validates the IRS_* variables of an environment against a schema; the error names the variable. */
export function readEnvironment<T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
  const ours = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('IRS_')));
  const result = schema.safeParse(ours);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue?.path.join('.') || issue?.message || 'environment';
  throw new InvalidInputError(`invalid configuration: ${name}: ${issue?.message ?? 'invalid'}`, { cause: result.error });
}
