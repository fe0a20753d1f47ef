/**
 * The props of the IotRegistrySync construct, written once: each prop's type, bounds, default and TSDoc
 * live in one zod schema. The construct's props type is derived from it, and the app config
 * (app-config.ts) builds its keys from the same field schemas, so a default is never written twice.
 */
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { z } from 'zod';
import { describeIssue, RegionSchema, RoleArnSchema } from '../core/validation';

/** An EventBridge schedule expression (`rate(…)` or `cron(…)`). */
export const ScheduleSchema = z
  .string()
  .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, 'must be an EventBridge schedule expression such as rate(6 hours)');

/** A readiness percentage, as the drift report's ReadinessPercent metric measures it. */
export const ReadinessPercentSchema = z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100');

/** The drift report's ReadinessPercent below which the readiness alarm fires (and, by default, the failover gate). */
export const DEFAULT_READINESS_THRESHOLD = 99;

/** A CDK object passed through as is (it cannot be validated as data). */
const construct = <T extends object>(what: string, isIt: (value: object) => boolean) =>
  z.custom<T>((value) => typeof value === 'object' && value !== null && isIt(value), `must be ${what}`);

/** Every prop of the construct: its type, bounds and default, validated at construction; an error names the prop. */
export const IotRegistrySyncPropsSchema = z.object({
  /** The region whose registry is kept identical to this stack's region (required; must differ from it). */
  targetRegion: RegionSchema,
  /** `retain` (default) never deletes in the target; `mirror` deletes what the source deleted, behind the mass-delete guard. */
  deleteMode: z.enum(['retain', 'mirror']).default('retain'),
  /** SNS topic the alarms notify; default none (the alarms are created regardless). */
  alarmTopic: construct<sns.ITopic>('an SNS topic', (value) => 'topicArn' in value).optional(),
  /** EventBridge schedule expression of the drift report; default `rate(6 hours)`. */
  driftSchedule: ScheduleSchema.default('rate(6 hours)'),
  /** Create a CloudTrail trail in this region (CloudTrail-delivered EventBridge events need one); default true. */
  createTrail: z.boolean().default(true),
  /** Switch on the six IoT registry event types in this region with a custom resource; default true. */
  enableRegistryEvents: z.boolean().default(true),
  /** Multiplies the AWS default TPS each function paces its IoT calls at (IRS_QUOTA_SCALE); default 1. */
  quotaScale: z.number().positive().max(100).default(1),
  /** IAM role the functions assume for every target-region call (a target in another account); default none (their own role). */
  targetRoleArn: RoleArnSchema.optional(),
  /** Whether the event rules, the topic rule and the drift schedule start enabled; default true (a failback stack passes false). */
  enabled: z.boolean().default(true),
  /** Retention of every log group the construct creates; default one month. */
  logRetention: z.enum(logs.RetentionDays).default(logs.RetentionDays.ONE_MONTH),
  /** The drift report's ReadinessPercent below which an alarm fires (usable to hold a failover); default 99. */
  readinessAlarmThreshold: ReadinessPercentSchema.default(DEFAULT_READINESS_THRESHOLD),
  /** Start a reconcile execution when a drift report finds differences; default false (report only). */
  reconcileOnDrift: z.boolean().default(false),
});

/** Properties of {@link IotRegistrySync} (every prop but `targetRegion` has a default; see each prop). */
export type IotRegistrySyncProps = Readonly<z.input<typeof IotRegistrySyncPropsSchema>>;

/** The props with their defaults filled in, and the source region (the stack's). */
export type IotRegistrySyncSettings = z.output<typeof IotRegistrySyncPropsSchema> & { readonly sourceRegion: string };

/** Validates the construct's props and fills the defaults; throws an Error naming the first bad prop. */
export function validateIotRegistrySyncProps(props: IotRegistrySyncProps, sourceRegion: string): IotRegistrySyncSettings {
  const parsed = IotRegistrySyncPropsSchema.safeParse(props);
  if (!parsed.success) throw new Error(`IotRegistrySync: ${describeIssue(parsed.error)}`);
  if (parsed.data.targetRegion === sourceRegion) {
    throw new Error(`IotRegistrySync: targetRegion: must differ from the stack's region (${sourceRegion}), which is the source`);
  }
  return { ...parsed.data, sourceRegion };
}
