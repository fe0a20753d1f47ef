/**
 * The whole-fleet reconcile in process, with every difference, operation and outcome collected: the one
 * driver of `./run` (page by page, unlimited budget) for small fleets and tests. Large fleets call
 * `runReconcile` directly, which keeps counts only. It streams (no lists-first re-run): its callers want
 * every difference item by item.
 */
import { summarise } from '../apply';
import { RegistrySyncError } from '../errors';
import { silentLogger } from '../logger';
import type { Plan } from '../plan';
import type { RegistryReader, SyncTarget, ThingFilter } from '../port';
import { DEFAULT_DELETE_MODE } from '../safety';
import { NOTHING_APPLIED, regionsOf, type SyncOptions, type SyncResult } from '../sync';
import { runReconcile } from './run';
import { initialCursor, parseSettings } from './settings';

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
 * operation and outcome: the driver of `./run` (page by page, both registries never
 * held whole) with its details collected, for small fleets and tests. Large fleets use `runReconcile`
 * directly, which keeps counts only. The mass-delete limit is based on the target's thing count
 * (counted before any write, or `targetThingCount`).
 */
export async function reconcile(source: RegistryReader, target: SyncTarget, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const logger = options.logger ?? silentLogger;
  const f = options.thingFilter ?? {};
  const settings = parseSettings({
    scope: {
      ...(f.namePrefix === undefined ? {} : { namePrefix: f.namePrefix }),
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
