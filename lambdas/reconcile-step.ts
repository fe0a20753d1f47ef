/**
 * Reconcile state machine, step Lambda: merges the results of the pages just converged, then does the
 * next stretch of work — for the `things` stage, lists the next pages (the Map converges them in
 * parallel); for every other stage, runs its units for up to `limits.stepSeconds`. It carries only the
 * cursor (an opaque token), and says when the execution should continue as a fresh one (history bound).
 */
import { z } from 'zod';
import { parseOrThrow } from '../lib/core/validation';
import {
  addTotals,
  advance,
  copyTotals,
  createRunContext,
  decodeCursor,
  emptyTotals,
  encodeCursor,
  finishStage,
  initialCursor,
  parseSettings,
  ReconcileTotalsSchema,
  thingUnits,
  type ReconcileCursor,
  type ReconcileSettings,
  type ReconcileTotals,
} from '../lib/core/reconcile';
import {
  RECONCILE_PAGE_CONCURRENCY,
  reconcileEnvironmentDependencies,
  resolveReconcileDependencies,
  type ReconcileDependencySource,
} from './runtime/reconcile-dependencies';

/** How much one step and one execution do (defaults keep an execution's history under 25,000 events; see docs/reconcile.md). */
export const ReconcileLimitsSchema = z.strictObject({
  /** Pages listed per step (and converged by one Map run). */
  pagesPerStep: z.number().int().min(1).max(RECONCILE_PAGE_CONCURRENCY * 2).default(RECONCILE_PAGE_CONCURRENCY),
  /** Steps before the execution continues as a new one. */
  stepsPerExecution: z.number().int().min(1).max(450).default(400),
  /** Seconds a step keeps working on the stages other than `things` (its Lambda timeout must exceed it). */
  stepSeconds: z.number().min(0).max(600).default(240),
});
/** How much one step and one execution do. */
export type ReconcileLimits = z.infer<typeof ReconcileLimitsSchema>;

/** What one Map iteration returns: a page's totals, or the failure the state machine caught. */
const PageResultSchema = z.union([
  z.looseObject({ totals: ReconcileTotalsSchema }),
  z.looseObject({ failed: z.literal(true), things: z.number().int().min(0), error: z.looseObject({ Error: z.string(), Cause: z.string().optional() }) }),
]);

const StepInputSchema = z.strictObject({
  state: z.looseObject({
    config: z.unknown().optional(),
    /** The cursor token; absent or null: start (a new run). */
    cursor: z.string().nullable().optional(),
    /** The previous step's pages, replaced by their results by the Map. */
    work: z.array(z.unknown()).optional(),
    steps: z.number().int().min(0).optional(),
    runName: z.string().min(1).max(80).optional(),
    generation: z.number().int().min(0).optional(),
    limits: ReconcileLimitsSchema.optional(),
  }),
  /** The execution's name (`$$.Execution.Name`): the run's name when the input carries none. */
  execution: z.string().min(1).max(80),
});

/** What a step returns: the next state of the execution. */
export interface StepOutput {
  config: ReconcileSettings;
  /** Where the next step starts. */
  cursor: string;
  /** Where to resume if the execution stops before the next step (the pages in `work` not yet done). */
  resume: string;
  stage: ReconcileCursor['stage'];
  work: string[][];
  hasWork: boolean;
  steps: number;
  done: boolean;
  continueAsNew: boolean;
  runName: string;
  generation: number;
  /** The continuation execution's name and generation (deterministic: a retried start is idempotent). */
  next: { name: string; generation: number };
  limits: ReconcileLimits;
  totals: ReconcileTotals;
}

/** Adds the Map's page results to the cursor's totals. */
function mergeResults(cursor: ReconcileCursor, work: readonly unknown[]): ReconcileCursor {
  const totals = copyTotals(cursor.totals);
  for (const raw of work) {
    if (Array.isArray(raw)) continue; // pages listed but never converged (the Map did not run)
    const result = PageResultSchema.parse(raw);
    if ('failed' in result && result.failed === true) {
      const failure = result as { things: number; error: { Error: string; Cause?: string } };
      addTotals(totals, {
        ...emptyTotals(),
        things: failure.things,
        pages: 1,
        failed: 1,
        failures: [{ kind: 'page', key: '', action: 'converge', errorName: failure.error.Error, message: failure.error.Cause ?? '' }],
      });
    } else {
      addTotals(totals, (result as { totals: ReconcileTotals }).totals);
    }
  }
  return { ...cursor, totals };
}

/** Builds the handler over the given dependencies; `now` is injectable for the step's time budget. */
export function createHandler(deps: ReconcileDependencySource, now: () => number = Date.now) {
  return async (input: unknown): Promise<StepOutput> => {
    const { state, execution } = parseOrThrow(StepInputSchema, input, '');
    const started = now();
    const settings = parseSettings(state.config ?? {});
    const limits = ReconcileLimitsSchema.parse(state.limits ?? {});
    const { source, target, logger } = resolveReconcileDependencies(deps);
    const ctx = createRunContext(source, { reader: target, writer: target }, settings, { logger, concurrency: 16 });

    let cursor = state.cursor ? decodeCursor(state.cursor) : initialCursor(settings);
    cursor = mergeResults(cursor, state.work ?? []);
    let resume = cursor;
    const work: string[][] = [];
    while (cursor.stage !== 'done') {
      if (cursor.stage === 'things') {
        const units = thingUnits(ctx, { ...(cursor.token === undefined ? {} : { token: cursor.token }), offset: cursor.offset });
        resume = cursor;
        let after: { token?: string; offset: number } | undefined = { ...(cursor.token === undefined ? {} : { token: cursor.token }), offset: cursor.offset };
        for await (const unit of units) {
          work.push(unit.names);
          after = unit.next;
          if (work.length >= limits.pagesPerStep) break;
        }
        const { token: _token, ...rest } = cursor;
        cursor = after === undefined ? finishStage(rest as ReconcileCursor, settings) : { ...rest, ...(after.token === undefined ? {} : { token: after.token }), offset: after.offset };
        break;
      }
      cursor = await advance(ctx, cursor);
      resume = cursor;
      if (now() - started >= limits.stepSeconds * 1000) break;
    }

    const steps = (state.steps ?? 0) + 1;
    const done = cursor.stage === 'done' && work.length === 0;
    const runName = state.runName ?? execution;
    const generation = state.generation ?? 0;
    const output: StepOutput = {
      config: settings,
      cursor: encodeCursor(cursor),
      resume: encodeCursor(resume),
      stage: cursor.stage,
      work,
      hasWork: work.length > 0,
      steps,
      done,
      continueAsNew: !done && steps >= limits.stepsPerExecution,
      runName,
      generation,
      next: { name: `${runName.slice(0, 72)}-c${generation + 1}`, generation: generation + 1 },
      limits,
      totals: cursor.totals,
    };
    logger.info('reconcile step', { stage: cursor.stage, pages: work.length, steps, done, things: cursor.totals.things, failed: cursor.totals.failed });
    return output;
  };
}

export const handler = createHandler(reconcileEnvironmentDependencies(1));
