/**
 * The sync entry points: `syncResources` converges the target for a few refs (the event path), and
 * `reconcile` converges the whole fleet in process, page by page (see `./reconcile`). Both read, diff,
 * plan and apply; a target that already matches gets no write call at all.
 */
import type { RegistryReader, SyncTarget } from './port';
import { diff, type Difference } from './diff';
import { accountRewrite } from './policy-document';
import { plan, type Plan } from './plan';
import { apply, type ApplyResult, type KindSummary, type Outcome } from './apply';
import { silentLogger, type Logger } from './logger';
import { DEFAULT_DELETE_MODE, type DeleteMode, type MassDeleteSettings } from './safety';
import { mergeSnapshots, readResources, supportingRefs } from './scope';
import type { ResourceRef } from './resource-ref';
import { refKey, uniqueRefs } from './keys';

export type { SyncTarget } from './port';

/** Options shared by both entry points. */
export interface SyncOptions {
  /** Defaults to the source reader's region (the region policy ARNs are rewritten from). */
  sourceRegion?: string;
  /** Defaults to the target reader's region. */
  targetRegion?: string;
  /** Default `retain`. */
  deleteMode?: DeleteMode;
  allowMassDelete?: boolean;
  /** The base of the mass-delete limit for event-driven syncs (0 when absent: limit 1). */
  targetThingCount?: number;
  massDelete?: MassDeleteSettings;
  /** Reads and writes in flight at once (default 8). */
  concurrency?: number;
  logger?: Logger;
}

/** What a sync did: the differences found, the plan, every outcome and the counts. */
export interface SyncResult {
  differences: Difference[];
  plan: Plan;
  outcomes: Outcome[];
  summary: ApplyResult['summary'];
  totals: KindSummary;
}

/** What a sync that applied nothing reports. */
export const NOTHING_APPLIED: Pick<SyncResult, 'outcomes' | 'summary' | 'totals'> = {
  outcomes: [],
  summary: {},
  totals: { created: 0, updated: 0, deleted: 0, skipped: 0, failed: 0 },
};

/** The regions (and accounts) diff and plan rewrite policy ARNs between. */
export function regionsOf(source: RegistryReader, target: SyncTarget, options: SyncOptions) {
  return {
    sourceRegion: options.sourceRegion ?? source.region,
    targetRegion: options.targetRegion ?? target.reader.region,
    accounts: accountRewrite(source.accountId, target.reader.accountId),
  };
}

function planFor(differences: Difference[], source: RegistryReader, target: SyncTarget, options: SyncOptions, targetThingCount?: number): Plan {
  return plan(differences, {
    ...regionsOf(source, target, options),
    deleteMode: options.deleteMode ?? DEFAULT_DELETE_MODE,
    allowMassDelete: options.allowMassDelete ?? false,
    ...(targetThingCount === undefined ? {} : { targetThingCount }),
    ...(options.massDelete === undefined ? {} : { massDelete: options.massDelete }),
  });
}

async function applyIfNeeded(p: Plan, target: SyncTarget, options: SyncOptions, logger: Logger) {
  if (p.operations.length === 0 && p.skipped.length === 0 && p.invalid.length === 0) return NOTHING_APPLIED;
  return apply(p, target, { logger, ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }) });
}

/**
 * Converges the target for exactly these refs (plus what their sync needs: see `supportingRefs`):
 * reads both regions with the same scope, diffs, plans and applies.
 */
export async function syncResources(
  source: RegistryReader,
  target: SyncTarget,
  refs: readonly ResourceRef[],
  options: SyncOptions = {},
): Promise<SyncResult> {
  const logger = (options.logger ?? silentLogger).child?.({ refs: refs.map(refKey) }) ?? options.logger ?? silentLogger;
  const read = { concurrency: options.concurrency ?? 8 };
  const scope = uniqueRefs(refs);
  let sourceSnapshot = await readResources(source, scope, read);
  let targetSnapshot = await readResources(target.reader, scope, read);
  const known = new Set(scope.map(refKey));
  const more = (await supportingRefs(target.reader, sourceSnapshot, targetSnapshot, options.deleteMode ?? DEFAULT_DELETE_MODE)).filter(
    (ref) => !known.has(refKey(ref)),
  );
  if (more.length > 0) {
    sourceSnapshot = mergeSnapshots(sourceSnapshot, await readResources(source, more, read));
    targetSnapshot = mergeSnapshots(targetSnapshot, await readResources(target.reader, more, read));
  }
  const differences = diff(sourceSnapshot, targetSnapshot, regionsOf(source, target, options));
  const p = planFor(differences, source, target, options, options.targetThingCount);
  const applied = await applyIfNeeded(p, target, options, logger);
  return { differences, plan: p, ...applied };
}
