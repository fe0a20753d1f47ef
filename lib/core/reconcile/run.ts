/**
 * The one reconcile driver: the stages of `./settings` in order, for as long as its time budget lasts.
 * The CLI, the in-process `reconcile()`, the benchmarks and the state machine's step Lambda all call
 * {@link runReconcile}; the CLI with an unlimited budget, the step with its remaining time and with the
 * things stage's pages handed off to the state machine's Map (`handOffPages`). In process, the things
 * stage is a pipeline. Pages of names are listed ahead (prefetch) and several pages are in flight at once, so
 * every per-device API always has calls queued at its pacer: the run goes as fast as the slowest API's
 * quota allows, with no idle gap between pages. Memory is bounded by the pages in flight and prefetched.
 */
import { errorMessage, errorName } from '../errors';
import type { RegistryReader, SyncTarget } from '../port';
import {
  addReport,
  advance,
  createRunContext,
  emptyReport,
  finishStage,
  reconcileThingPage,
  thingUnits,
  withReruns,
  type ReconcileDetails,
  type RunContext,
  type RunContextOptions,
  type ThingUnit,
} from './engine';
import { looksConverged, reconcileListsFirst, type ReconcileListings } from './lists-first';
import {
  addTotals,
  copyTotals,
  encodeCursor,
  initialCursor,
  MAX_FAILURE_RECORDS,
  isWholeFleet,
  parseSettings,
  type ReconcileCursor,
  type ReconcileSettings,
  type ReconcileSettingsInput,
  type ReconcileTotals,
  type Stage,
} from './settings';

/** Pages of things in flight at once (each with its own reads and writes in flight). */
export const DEFAULT_PAGES_IN_FLIGHT = 8;

/** Where a run is, for a progress display. */
export interface ReconcileProgress {
  stage: Stage;
  totals: ReconcileTotals;
}

/** How long a run may keep starting units of work (checked between units; a unit in flight finishes). */
export interface ReconcileBudget {
  /** Milliseconds left; ≤ 0 stops the run at the next unit boundary with a cursor to resume from. */
  remainingMs(): number;
}

/** No time limit: the CLI, the benchmarks and the in-process `reconcile()`. */
export const UNLIMITED_BUDGET: ReconcileBudget = { remainingMs: () => Number.POSITIVE_INFINITY };

/** A budget ending `ms` milliseconds from now (by the `now` clock). */
export function budgetOf(ms: number, now: () => number = Date.now): ReconcileBudget {
  const deadline = now() + ms;
  return { remainingMs: () => deadline - now() };
}

/** Options of {@link runReconcile}. */
export interface ReconcileRunOptions extends RunContextOptions {
  /** Default {@link UNLIMITED_BUDGET}. A run always does at least one unit, so every call progresses. */
  budget?: ReconcileBudget;
  /**
   * When set, the things stage is not converged here: up to this many pages of names are listed, the
   * cursor moves past them, and the run returns them in `handedOff` (the state machine's Map converges
   * them, one Lambda per page).
   */
  handOffPages?: number;
  /** Let an error (a listing that kept failing) propagate instead of returning it with the cursor (the state machine's Retry owns it). */
  throwErrors?: boolean;
  /** Resume from this cursor (e.g. decoded from `--resume`); default: the start. */
  cursor?: ReconcileCursor;
  pagesInFlight?: number;
  /** Pages listed ahead of the workers (default: as many as in flight). */
  prefetch?: number;
  /** Attempts per page while its failures are re-runnable (default 3). */
  attempts?: number;
  /** Called after each unit of work. */
  onProgress?: (progress: ReconcileProgress) => void;
  /** Checked between units: true stops the run cleanly (in-flight pages finish) and returns the cursor. */
  shouldStop?: () => boolean;
  /**
   * The drift read's listings of both regions. With them, a fresh whole-fleet run in retain mode whose
   * target already holds things reads through lists first and converges only what differs
   * (`./lists-first`); without them, or into an empty target, the run streams page by page.
   */
  listings?: ReconcileListings;
}

/** How a run ended: done, or stopped/interrupted with the cursor to resume from. */
export interface ReconcileRunResult {
  done: boolean;
  settings: ReconcileSettings;
  cursor: ReconcileCursor;
  /** The cursor as a `--resume` token. */
  token: string;
  totals: ReconcileTotals;
  /** How the fleet was read: page by page, or through the lists first (a re-run). */
  readPath: 'stream' | 'lists-first';
  /** Set when the run stopped on an error (a listing that kept failing): resume with `token`. */
  error?: { name: string; message: string };
  details?: ReconcileDetails;
  /** With `handOffPages`: the pages listed for the caller to converge, and where to resume if they never are. */
  handedOff?: { pages: string[][]; resume: ReconcileCursor };
}

/** Runs (or resumes) a reconcile until it is done, out of budget, stopped or interrupted. */
export async function runReconcile(
  source: RegistryReader,
  target: SyncTarget,
  settingsInput: ReconcileSettingsInput | ReconcileSettings = {},
  options: ReconcileRunOptions = {},
): Promise<ReconcileRunResult> {
  const settings = parseSettings(settingsInput);
  const ctx = createRunContext(source, target, settings, options);
  let cursor = options.cursor ?? initialCursor(settings);
  const stop = options.shouldStop ?? (() => false);
  const budget = options.budget ?? UNLIMITED_BUDGET;
  const outOfTime = () => budget.remainingMs() <= 0;
  let error: ReconcileRunResult['error'];
  let readPath: ReconcileRunResult['readPath'] = 'stream';
  let handedOff: ReconcileRunResult['handedOff'];
  try {
    const probe =
      options.listings !== undefined && options.cursor === undefined && settings.deleteMode === 'retain' && isWholeFleet(settings.scope)
        ? await looksConverged(options.listings)
        : undefined;
    if (probe?.converged) {
      // Not resumable and not budgeted: the whole lists-first pass runs in this call (see docs/reconcile.md).
      readPath = 'lists-first';
      const report = await reconcileListsFirst(ctx, probe.listings, Math.max(1, options.pagesInFlight ?? DEFAULT_PAGES_IN_FLIGHT), options.attempts ?? 3);
      cursor = { ...cursor, stage: 'done', totals: addTotals(copyTotals(cursor.totals), report.totals) };
      options.onProgress?.({ stage: cursor.stage, totals: cursor.totals });
    }
    let units = 0;
    while (cursor.stage !== 'done' && !stop()) {
      if (units > 0 && outOfTime()) break;
      units += 1;
      if (cursor.stage === 'things' && options.handOffPages !== undefined) {
        const listed = await listThingPages(ctx, cursor, Math.max(1, options.handOffPages));
        handedOff = { pages: listed.pages, resume: cursor };
        cursor = listed.cursor;
        break;
      }
      if (cursor.stage === 'things') {
        // The budget is checked from the second page on: a call with its budget spent still converges one.
        let checks = 0;
        const result = await runThingsStage(ctx, cursor, options, () => stop() || (checks++ > 0 && outOfTime()));
        cursor = result.cursor;
        error = result.error;
        if (result.stopped || error) break;
      } else {
        cursor = await advance(ctx, cursor);
      }
      options.onProgress?.({ stage: cursor.stage, totals: cursor.totals });
    }
  } catch (e) {
    if (options.throwErrors) throw e;
    error = { name: errorName(e), message: errorMessage(e) };
  }
  if (error && options.throwErrors) throw Object.assign(new Error(error.message), { name: error.name });
  return {
    done: cursor.stage === 'done',
    settings,
    cursor,
    token: encodeCursor(cursor),
    totals: cursor.totals,
    readPath,
    ...(error ? { error } : {}),
    ...(ctx.details ? { details: ctx.details } : {}),
    ...(handedOff ? { handedOff } : {}),
  };
}

/** Lists up to `max` pages of the things stage from the cursor and moves the cursor past them. */
async function listThingPages(ctx: RunContext, start: ReconcileCursor, max: number): Promise<{ pages: string[][]; cursor: ReconcileCursor }> {
  const pages: string[][] = [];
  let after: Position | undefined = positionOf(start);
  for await (const unit of thingUnits(ctx, positionOf(start))) {
    pages.push(unit.names);
    after = unit.next;
    if (pages.length >= max) break;
  }
  return { pages, cursor: after === undefined ? finishStage(withPosition(start, { offset: 0 }), ctx.settings) : withPosition(start, after) };
}

type Position = { token?: string; offset: number };

/**
 * The things stage as a pipeline: a producer lists pages ahead into a bounded queue, `pagesInFlight`
 * workers converge them. The resume position is that of the first page not finished (pages finish out
 * of order; re-running a finished one is harmless).
 */
async function runThingsStage(
  ctx: RunContext,
  start: ReconcileCursor,
  options: ReconcileRunOptions,
  stop: () => boolean,
): Promise<{ cursor: ReconcileCursor; stopped: boolean; error?: { name: string; message: string } }> {
  const inFlight = Math.max(1, options.pagesInFlight ?? DEFAULT_PAGES_IN_FLIGHT);
  const prefetch = Math.max(1, options.prefetch ?? inFlight);
  const attempts = options.attempts ?? 3;
  const units = thingUnits(ctx, { ...(start.token === undefined ? {} : { token: start.token }), offset: start.offset });
  const totals = copyTotals(start.totals);

  const queue: { seq: number; unit: ThingUnit }[] = [];
  const positions = new Map<number, Position>();
  const finished = new Set<number>();
  let produced = 0;
  let low = 0;
  let listingDone = false;
  let afterLast: Position | undefined = { ...(start.token === undefined ? {} : { token: start.token }), offset: start.offset };
  let stopped = false;
  let error: { name: string; message: string } | undefined;
  const waiting: (() => void)[] = [];
  let space: (() => void) | undefined;
  const notify = () => waiting.splice(0).forEach((resume) => resume());

  const producer = (async () => {
    try {
      while (!listingDone) {
        if (stop()) {
          stopped = true;
          break;
        }
        if (queue.length >= prefetch) {
          await new Promise<void>((resolve) => (space = resolve));
          continue;
        }
        const next = await units.next();
        if (next.done) {
          listingDone = true;
          afterLast = undefined;
          break;
        }
        const seq = produced++;
        positions.set(seq, next.value.at);
        afterLast = next.value.next;
        if (afterLast === undefined) listingDone = true;
        queue.push({ seq, unit: next.value });
        notify();
      }
    } catch (e) {
      error = { name: errorName(e), message: errorMessage(e) };
    } finally {
      listingDone = true;
      notify();
    }
  })();

  const worker = async () => {
    for (;;) {
      const item = queue.shift();
      space?.();
      space = undefined;
      if (item === undefined) {
        if (listingDone) return;
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      let report;
      try {
        report = await withReruns(attempts, () => reconcileThingPage(ctx, item.unit.names), ctx.details);
      } catch (e) {
        // A page whose reads kept failing: recorded, the run goes on; re-running the run converges it.
        report = emptyReport();
        report.totals.pages = 1;
        report.totals.things = item.unit.names.length;
        report.totals.failed = 1;
        report.totals.failures = [{ kind: 'page', key: `${item.unit.names[0] ?? ''}…${item.unit.names.at(-1) ?? ''}`, action: 'read', errorName: errorName(e), message: errorMessage(e) }];
      }
      addReport({ totals, rerunnable: false }, report);
      finished.add(item.seq);
      while (finished.has(low)) {
        finished.delete(low);
        positions.delete(low);
        low += 1;
      }
      options.onProgress?.({ stage: 'things', totals });
    }
  };
  await Promise.all([producer, ...Array.from({ length: inFlight }, worker)]);

  totals.failures = totals.failures.slice(0, MAX_FAILURE_RECORDS);
  const cursor: ReconcileCursor = { ...start, totals };
  if (low < produced) {
    // Only reachable when workers stopped early; kept for safety.
    const at = positions.get(low)!;
    return { cursor: { ...withPosition(cursor, at) }, stopped: true, ...(error ? { error } : {}) };
  }
  if (error || stopped) {
    return afterLast === undefined && !error
      ? { cursor: finishStage(cursor, ctx.settings), stopped }
      : { cursor: withPosition(cursor, afterLast ?? positionOf(start)), stopped: true, ...(error ? { error } : {}) };
  }
  return { cursor: finishStage(cursor, ctx.settings), stopped: false };
}

function positionOf(cursor: ReconcileCursor): Position {
  return { ...(cursor.token === undefined ? {} : { token: cursor.token }), offset: cursor.offset };
}

function withPosition(cursor: ReconcileCursor, at: Position): ReconcileCursor {
  const { token: _token, ...rest } = cursor;
  return { ...rest, ...(at.token === undefined ? {} : { token: at.token }), offset: at.offset, stage: 'things' };
}
