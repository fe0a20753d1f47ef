/**
 * What the reconcile Lambdas need (not a handler itself): the source reader and the target registry,
 * built once per container from the sync's IRS_* variables, and paced at a share of the account's
 * quotas. The page Lambda runs RECONCILE_PAGE_CONCURRENCY at a time (the Map's MaxConcurrency), so each
 * paces at 1/RECONCILE_PAGE_CONCURRENCY of the quota and together they stay at it; the step Lambda runs
 * alone (never during the Map) and paces at the whole quota. Tests and the local runner pass their own.
 */
import type { Registry, RegistryReader } from '../../lib/core/port';
import { jsonLinesLogger, type Logger } from '../../lib/core/logger';
import { createIotRegistry } from '../../lib/aws/clients';
import { readSyncEnvironment, registryClientOptions } from './config';
import { builtOnFirstUse, resolveDependencies, type DependencySource } from './dependency-source';

/** Pages converged at once by the state machine's Map (its MaxConcurrency; a test checks they agree). */
export const RECONCILE_PAGE_CONCURRENCY = 4;

/** The two regions a reconcile handler works on. */
export interface ReconcileDependencies {
  source: RegistryReader;
  target: Registry;
  logger: Logger;
}

/** Where a reconcile handler gets its dependencies (see dependency-source.ts). */
export type ReconcileDependencySource = DependencySource<ReconcileDependencies>;

const byShare = new Map<number, () => ReconcileDependencies>();

/** This container's dependencies, paced at `share` of the configured quotas (1: all of it). */
export function reconcileEnvironmentDependencies(share: number): () => ReconcileDependencies {
  let built = byShare.get(share);
  if (!built) {
    built = builtOnFirstUse(() => {
      const env = readSyncEnvironment();
      const logger = jsonLinesLogger({ fields: { sourceRegion: env.IRS_SOURCE_REGION, targetRegion: env.IRS_TARGET_REGION } });
      const options = registryClientOptions(env, logger, share);
      return { source: createIotRegistry(options.source), target: createIotRegistry(options.target), logger };
    });
    byShare.set(share, built);
  }
  return built;
}

/** Resolves a reconcile dependency source at invocation time (the generic resolver; this name stays for the reconcile handlers). */
export const resolveReconcileDependencies: (source: ReconcileDependencySource) => ReconcileDependencies = resolveDependencies;
