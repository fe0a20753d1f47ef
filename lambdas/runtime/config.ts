/**
 * Lambda configuration: read once from the environment at cold start, validated with zod, failing
 * loudly with the variable's name. Unknown IRS_* variables are rejected so a typo is not silently ignored.
 */
import { z } from 'zod';
import { InvalidInputError } from '../../lib/core/errors';
import type { Logger } from '../../lib/core/logger';
import type { IotRegistryClientOptions } from '../../lib/aws/clients';
import { AccountIdSchema, describeIssue, RegionSchema, RoleArnSchema } from '../../lib/core/validation';


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
  IRS_TARGET_ROLE_ARN: RoleArnSchema.optional(),
  /** The account of the source registry (the function's own); policy ARNs move from it to the target role's account. */
  IRS_SOURCE_ACCOUNT: AccountIdSchema.optional(),
}).refine((env) => env.IRS_TARGET_ROLE_ARN === undefined || env.IRS_SOURCE_ACCOUNT !== undefined, {
  path: ['IRS_SOURCE_ACCOUNT'],
  message: 'is required with IRS_TARGET_ROLE_ARN (policy ARNs are rewritten from this account to the role\'s)',
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
  throw new InvalidInputError(`invalid configuration: ${describeIssue(result.error)}`, { cause: result.error });
}

/** The account of an IAM role ARN (`arn:aws:iam::ACCOUNT:role/…`). */
function accountOfRole(roleArn: string): string {
  return roleArn.split(':')[4] as string;
}

/**
 * The client options of the source and target registries from the environment: regions, endpoint, pacing at
 * `quotaShare` of the configured quotas, the target role, and each registry's account (the target's is the
 * role's account, so policy ARNs are rewritten to it).
 */
export function registryClientOptions(
  env: SyncEnvironment,
  logger: Logger,
  quotaShare = 1,
): { source: IotRegistryClientOptions; target: IotRegistryClientOptions } {
  const common = { endpoint: env.IRS_IOT_ENDPOINT, quotas: { scale: env.IRS_QUOTA_SCALE * quotaShare }, logger };
  const sourceAccount = env.IRS_SOURCE_ACCOUNT;
  const targetAccount = env.IRS_TARGET_ROLE_ARN === undefined ? sourceAccount : accountOfRole(env.IRS_TARGET_ROLE_ARN);
  return {
    source: { ...common, region: env.IRS_SOURCE_REGION, ...(sourceAccount === undefined ? {} : { accountId: sourceAccount }) },
    target: {
      ...common,
      region: env.IRS_TARGET_REGION,
      ...(targetAccount === undefined ? {} : { accountId: targetAccount }),
      ...(env.IRS_TARGET_ROLE_ARN === undefined ? {} : { roleArn: env.IRS_TARGET_ROLE_ARN }),
    },
  };
}
