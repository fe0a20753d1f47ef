/**
 * What the drift Lambdas need (not a handler itself): both regions' readers and listings, the report
 * store, the event publisher, the metrics and, when configured, the reconcile starter; built once per
 * container from IRS_* variables. Tests and local runs pass their own.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { QuotaComparison } from '../../lib/core/quota-readiness';
import { compareRegionQuotas, createServiceQuotasClient } from '../../lib/aws/service-quotas';
import { z } from 'zod';
import { jsonLinesLogger, type Logger } from '../../lib/core/logger';
import type { DriftChunkLimits, DriftRegion, DriftSide, DriftStore } from '../../lib/core/drift-read';
import { createDriftRegistry } from '../../lib/aws/drift-listings';
import { createEventBridgePublisher, type EventPublisher } from '../../lib/aws/event-bridge';
import { createS3ReportStore, s3Uri } from '../../lib/aws/report-store';
import { createStepFunctionsStarter, type ExecutionStarter } from '../../lib/aws/step-functions';
import { readEnvironment, registryClientOptions, SyncEnvironmentSchema } from './config';
import { createRegionPairMetrics } from './metrics';
import { builtOnFirstUse, type DependencySource } from './dependency-source';

/** The environment of the drift Lambdas: the sync's variables plus the report's. */
export const DriftEnvironmentSchema = SyncEnvironmentSchema.extend({
  /** The bucket chunk results and reports are written to. */
  IRS_REPORT_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  /** The bus the "Registry Drift Report" event goes to. */
  IRS_EVENT_BUS_NAME: z.string().min(1).default('default'),
  /** When set, a report with differences starts a reconcile execution of this state machine. */
  IRS_RECONCILE_STATE_MACHINE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[\w-]{1,80}$/, 'must be a Step Functions state machine ARN')
    .optional(),
});
/** Validated drift Lambda settings. */
export type DriftEnvironment = z.infer<typeof DriftEnvironmentSchema>;

/** Reads the IRS_* variables for the drift Lambdas; throws InvalidInputError naming the bad variable. */
export function readDriftEnvironment(env: NodeJS.ProcessEnv = process.env): DriftEnvironment {
  return readEnvironment(DriftEnvironmentSchema, env);
}

/** Everything a drift handler uses. */
export interface DriftDependencies {
  regions: Record<DriftSide, DriftRegion>;
  store: DriftStore;
  /** A report key as a link for the event (e.g. an s3:// URI). */
  locate(key: string): string;
  publisher: EventPublisher;
  eventBusName: string;
  metrics: Metrics;
  /** Starts the reconcile on drift, when configured. */
  reconcile?: { starter: ExecutionStarter; stateMachineArn: string };
  logger: Logger;
  limits?: Partial<DriftChunkLimits>;
  now?: () => Date;
  /** Compares the applied IoT Core quotas of both regions (the report's Quotas section); none: not compared. */
  quotas?: () => Promise<QuotaComparison>;
}

/** The dependencies of this Lambda container, created on first use from IRS_* variables. */
export const environmentDriftDependencies = builtOnFirstUse((): DriftDependencies => {
  const env = readDriftEnvironment();
  const logger = jsonLinesLogger({ fields: { sourceRegion: env.IRS_SOURCE_REGION, targetRegion: env.IRS_TARGET_REGION } });
  const options = registryClientOptions(env, logger);
  const source = createDriftRegistry(options.source);
  const target = createDriftRegistry(options.target);
  return {
    regions: { source: { reader: source.registry, listings: source.listings }, target: { reader: target.registry, listings: target.listings } },
    store: createS3ReportStore(env.IRS_REPORT_BUCKET),
    locate: (key) => s3Uri(env.IRS_REPORT_BUCKET, key),
    publisher: createEventBridgePublisher(),
    eventBusName: env.IRS_EVENT_BUS_NAME,
    metrics: createRegionPairMetrics('drift', env.IRS_SOURCE_REGION, env.IRS_TARGET_REGION),
    ...(env.IRS_RECONCILE_STATE_MACHINE_ARN === undefined
      ? {}
      : { reconcile: { starter: createStepFunctionsStarter(), stateMachineArn: env.IRS_RECONCILE_STATE_MACHINE_ARN } }),
    logger,
    quotas: () =>
      compareRegionQuotas(
        createServiceQuotasClient(env.IRS_SOURCE_REGION, env.IRS_IOT_ENDPOINT),
        createServiceQuotasClient(env.IRS_TARGET_REGION, env.IRS_IOT_ENDPOINT, env.IRS_TARGET_ROLE_ARN),
      ),
  };
});

/** The drift family's dependency source: fixed (tests, local runs) or built from the environment (Lambda). */
export type DriftDependencySource = DependencySource<DriftDependencies>;
