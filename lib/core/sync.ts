/**
 * The sync entry points: `syncResources` converges the target for a few refs (the event path), and
 * `reconcile` converges the whole fleet in process, page by page (see `./reconcile`). Both read, diff,
 * plan and apply; a target that already matches gets no write call at all.
 */
import type { RegistryReader, RegistryWriter, ThingFilter } from './port';
import { diff, type Difference } from './diff';
import { accountRewrite } from './policy-document';
import { plan, type Plan } from './plan';
import { apply, summarise, type ApplyResult, type KindSummary, type Outcome } from './apply';
import { RegistrySyncError } from './errors';
import { initialCursor, parseSettings } from './reconcile/settings';
import { runReconcile } from './reconcile/run';
import { silentLogger, type Logger } from './logger';
import { DEFAULT_DELETE_MODE, type DeleteMode, type MassDeleteSettings } from './safety';
import { mergeSnapshots, readResources, refKey, supportingRefs, uniqueRefs, type ResourceRef } from './scope';

/** The target region: read to compare, written to converge. */
export interface SyncTarget {
  reader: RegistryReader;
  writer: RegistryWriter;
}

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

const NOTHING_APPLIED: Pick<SyncResult, 'outcomes' | 'summary' | 'totals'> = {
  outcomes: [],
  summary: {},
  totals: { created: 0, updated: 0, deleted: 0, skipped: 0, failed: 0 },
};

function regionsOf(source: RegistryReader, target: SyncTarget, options: SyncOptions) {
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

/** Options of {@link reconcile}. */
export interface ReconcileOptions extends SyncOptions {
  /** Only the matching things and what is reachable from them. */
  thingFilter?: ThingFilter;
  /** Only the direct members of this static group (with `thingFilter.namePrefix` at most). */
  thingGroup?: string;
  /** Diff and plan, but write nothing. */
  dryRun?: boolean;
}

/** What a reconcile found and did (`outcomes` empty on a dry run). */
export interface ReconcileResult extends SyncResult {
  dryRun: boolean;
}

/**
 * Converges the whole fleet (or the filtered part of it) in process and returns every difference,
 * operation and outcome: the streaming reconcile of `./reconcile` (page by page, both registries never
 * held whole) with its details collected, for small fleets and tests. Large fleets use `runReconcile`
 * directly, which keeps counts only. The mass-delete limit is based on the target's thing count
 * (counted before any write, or `targetThingCount`).
 */
export async function reconcile(source: RegistryReader, target: SyncTarget, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const logger = options.logger ?? silentLogger;
  const f = options.thingFilter ?? {};
  const settings = parseSettings({
    scope: {
      ...(f.namePrefix === undefined ? {} : { thingPrefix: f.namePrefix }),
      ...(f.thingTypeName === undefined ? {} : { thingType: f.thingTypeName }),
      ...(f.attribute === undefined ? {} : { attribute: f.attribute }),
      ...(options.thingGroup === undefined ? {} : { thingGroup: options.thingGroup }),
    },
    deleteMode: options.deleteMode ?? DEFAULT_DELETE_MODE,
    allowMassDelete: options.allowMassDelete ?? false,
    dryRun: options.dryRun ?? false,
    ...(options.massDelete === undefined ? {} : { massDelete: options.massDelete }),
  });
  let cursor = initialCursor(settings);
  if (options.targetThingCount !== undefined && cursor.stage === 'count') cursor = { ...cursor, stage: 'globals', targetThingCount: options.targetThingCount };
  const run = await runReconcile(source, target, settings, {
    cursor,
    collectDetails: true,
    logger,
    ...regionsOf(source, target, options),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  });
  if (run.error) throw new RegistrySyncError(`reconcile interrupted: ${run.error.name}: ${run.error.message} (resume token ${run.token})`);
  const details = run.details!;
  const p: Plan = {
    operations: details.operations,
    skipped: details.skipped,
    invalid: details.invalid,
    ...(run.totals.refused ? { refused: run.totals.refused } : {}),
  };
  logger.info('reconcile done', { differences: details.differences.length, operations: p.operations.length, dryRun: settings.dryRun });
  if (settings.dryRun) return { differences: details.differences, plan: p, ...NOTHING_APPLIED, dryRun: true };
  return { differences: details.differences, plan: p, outcomes: details.outcomes, ...summarise(details.outcomes), dryRun: false };
}
