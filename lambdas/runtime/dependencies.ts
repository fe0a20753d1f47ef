/**
 * What a sync handler needs, built once per Lambda container from the environment (clients at module
 * scope, reused across invocations). Tests and the local runner pass their own instead.
 */
import type { Registry, RegistryReader } from '../../lib/core/port';
import { jsonLinesLogger, type Logger } from '../../lib/core/logger';
import { createIotRegistry } from '../../lib/aws/clients';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { readSyncEnvironment, registryClientOptions } from './config';
import { createRegionPairMetrics } from './metrics';
import { builtOnFirstUse, type DependencySource } from './dependency-source';

/** The source reader, the target registry and the settings every sync handler uses. */
export interface SyncDependencies {
  source: RegistryReader;
  target: Registry;
  deleteMode: 'retain' | 'mirror';
  logger: Logger;
  /** CloudWatch metrics (EMF); absent in tests and local runs that do not read them. */
  metrics?: Metrics;
}

/** The dependencies of this Lambda container, created on first use from IRS_* variables. */
export const environmentDependencies: () => SyncDependencies = builtOnFirstUse(() => {
  const env = readSyncEnvironment();
  const logger = jsonLinesLogger({ fields: { sourceRegion: env.IRS_SOURCE_REGION, targetRegion: env.IRS_TARGET_REGION } });
  const options = registryClientOptions(env, logger);
  return {
    source: createIotRegistry(options.source),
    target: createIotRegistry(options.target),
    deleteMode: env.IRS_DELETE_MODE,
    logger,
    metrics: createRegionPairMetrics('sync', env.IRS_SOURCE_REGION, env.IRS_TARGET_REGION),
  };
});

/** Where a sync handler gets its dependencies (see dependency-source.ts). */
export type SyncDependencySource = DependencySource<SyncDependencies>;

