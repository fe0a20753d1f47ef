/**
 * Settings of the CDK app (bin/app.ts): a JSON config file (default `iot-registry-sync.config.json`, path
 * overridable with `-c config=<path>`) with every key optionally overridden by CDK context (`-c key=value`).
 * Validated with zod: unknown keys in the file are rejected, and every error names the field.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { AccountIdSchema, describeIssue, RegionSchema, RoleArnSchema } from '../core/validation';
import { fromContext, parseContextJson } from './context-values';
import { checkFailoverRegions, FailoverConfigSchema } from './failover/config';
import { IotRegistrySyncPropsSchema } from './sync-props';

/** The config file read when no `config` context is given (it is optional). */
export const DEFAULT_CONFIG_FILE = 'iot-registry-sync.config.json';

/**
 * Used only when neither the config, the context nor CDK_DEFAULT_ACCOUNT names an account, so that
 * `cdk synth` works offline without credentials. `cdk deploy` then refuses to run against a real account.
 */
export const PLACEHOLDER_ACCOUNT = '123456789012';

const TopicArn = z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, 'must be an SNS topic ARN');
/** The construct's props (type, bounds, default) that the config passes through unchanged. */
const prop = IotRegistrySyncPropsSchema.shape;

/** The mirror-image stack in the target region, for failback (source and target swapped). */
const FailbackSchema = z.strictObject({
  /** Deploy the failback stack; default true. */
  deploy: fromContext(z.boolean().default(true)),
  /** Its rules start enabled; default false (an operator enables them to fail back). */
  enabled: fromContext(z.boolean().default(false)),
  /** Account of the target region, when it differs; default the main account. */
  account: AccountIdSchema.optional(),
  /** Role to assume in the primary's account, when the accounts differ. */
  targetRoleArn: RoleArnSchema.optional(),
  /** SNS topic in the target region for its alarms. */
  alarmTopicArn: TopicArn.optional(),
});

/** The app's settings, as written in the config file. */
export const AppConfigSchema = z
  .strictObject({
    /** Name of the main stack; the failback stack adds `-failback`. */
    stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must start with a letter and hold only letters, digits and -').default('IotRegistrySync'),
    /** Account to deploy to; default CDK_DEFAULT_ACCOUNT, else a placeholder. */
    account: AccountIdSchema.optional(),
    /** The primary: the main stack's region. */
    sourceRegion: RegionSchema.default('us-east-1'),
    /** The secondary, kept identical to the primary: the failback stack's region. */
    targetRegion: RegionSchema.default('us-west-2'),
    deleteMode: prop.deleteMode,
    quotaScale: fromContext(prop.quotaScale),
    // Express was dropped: an execution stops at 5 minutes and a timeout skips the Catch that records a
    // failure (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-standard-vs-express.html).
    workflowType: z
      .literal('STANDARD', { error: 'must be STANDARD: an Express execution stops at 5 minutes and a timeout skips the Catch that records a failure, so a change could be lost silently' })
      .default('STANDARD'),
    driftSchedule: prop.driftSchedule,
    createTrail: fromContext(prop.createTrail),
    enableRegistryEvents: fromContext(prop.enableRegistryEvents),
    /** ARN of an existing SNS topic in the source region that the alarms notify; default none. */
    alarmTopicArn: TopicArn.optional(),
    targetRoleArn: prop.targetRoleArn,
    failback: FailbackSchema.default({ deploy: true, enabled: false }),
    /** Route 53 failover between the regions on one custom domain (docs/failover.md); default none. */
    failover: FailoverConfigSchema.optional(),
  })
  .refine((c) => c.sourceRegion !== c.targetRegion, { path: ['targetRegion'], message: 'must differ from sourceRegion' })
  .superRefine((c, ctx) => {
    const problem = c.failover === undefined ? undefined : checkFailoverRegions(c.failover, c.sourceRegion, c.targetRegion);
    if (problem) ctx.addIssue({ code: 'custom', path: problem[0], message: problem[1] });
  });

/** Validated settings, with the account resolved. */
export type AppConfig = z.infer<typeof AppConfigSchema> & { account: string; accountIsPlaceholder: boolean };

/** The top-level keys, which CDK context may override one by one. */
export const CONFIG_KEYS = Object.keys(AppConfigSchema.shape) as (keyof z.input<typeof AppConfigSchema>)[];

/** Where the settings come from. */
export interface ConfigSources {
  /** CDK context lookup (`app.node.tryGetContext`). */
  context: (key: string) => unknown;
  /** The environment (CDK_DEFAULT_ACCOUNT). */
  env: NodeJS.ProcessEnv;
  /** Directory relative config paths resolve from; default the working directory. */
  cwd?: string;
}

/** Reads, merges and validates the settings; throws an Error naming the file (or context) and the field. */
export function loadAppConfig(sources: ConfigSources): AppConfig {
  const explicitPath = sources.context('config');
  if (explicitPath !== undefined && typeof explicitPath !== 'string') throw new Error('context config: must be a file path');
  const path = resolve(sources.cwd ?? process.cwd(), explicitPath ?? DEFAULT_CONFIG_FILE);
  let fromFile: unknown = {};
  if (existsSync(path)) {
    try {
      fromFile = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    } catch (error) {
      throw new Error(`${path}: not valid JSON: ${(error as Error).message}`);
    }
  } else if (explicitPath !== undefined) {
    throw new Error(`context config: ${path} does not exist`);
  }
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) throw new Error(`${path}: must hold a JSON object`);

  const contextOverrides = Object.fromEntries(
    CONFIG_KEYS.map((key) => [key, parseContextJson(sources.context(key))]).filter(([, value]) => value !== undefined),
  );
  const parsed = AppConfigSchema.safeParse({ ...fromFile, ...contextOverrides });
  if (!parsed.success) {
    const key = parsed.error.issues[0]?.path[0];
    const origin = typeof key === 'string' && key in contextOverrides ? 'context' : path;
    throw new Error(`${origin}: ${describeIssue(parsed.error)}`);
  }
  const account = parsed.data.account ?? sources.env.CDK_DEFAULT_ACCOUNT;
  return { ...parsed.data, account: account ?? PLACEHOLDER_ACCOUNT, accountIsPlaceholder: account === undefined };
}
