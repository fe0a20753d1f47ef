/**
 * Reconcile state machine, step Lambda: merges the results of the pages just converged, then runs the
 * one reconcile driver (`runReconcile`) for its time budget — the smaller of `limits.stepSeconds` and
 * the Lambda's remaining time less a margin — with the things stage's pages handed off to the Map. It
 * carries only the cursor (an opaque token), and says when the execution should continue as a fresh one
 * (history bound).
 */
import { z } from 'zod';
import { parseOrThrow } from '../lib/core/validation';
import {
  addTotals,
  budgetOf,
  copyTotals,
  decodeCursor,
  emptyTotals,
  encodeCursor,
  initialCursor,
  parseSettings,
  ReconcileTotalsSchema,
  runReconcile,
  type ReconcileBudget,
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

/** Time kept back from the Lambda's remaining time for the unit in flight to finish and the output to return. */
export const STEP_TIME_MARGIN_MS = 60_000;

/** The Lambda context's clock (absent in local runs: then `limits.stepSeconds` alone bounds the step). */
export interface StepContext {
  getRemainingTimeInMillis?: () => number;
}

/** The step's budget: `stepSeconds` from now, and never past the Lambda's remaining time less the margin. */
function stepBudget(limits: ReconcileLimits, now: () => number, context?: StepContext): ReconcileBudget {
  const own = budgetOf(limits.stepSeconds * 1000, now);
  const lambda = context?.getRemainingTimeInMillis === undefined ? undefined : budgetOf(context.getRemainingTimeInMillis() - STEP_TIME_MARGIN_MS, now);
  return { remainingMs: () => Math.min(own.remainingMs(), lambda?.remainingMs() ?? Number.POSITIVE_INFINITY) };
}

/** Builds the handler over the given dependencies; `now` is injectable for the step's time budget. */
export function createHandler(deps: ReconcileDependencySource, now: () => number = Date.now) {
  return async (input: unknown, context?: StepContext): Promise<StepOutput> => {
    const { state, execution } = parseOrThrow(StepInputSchema, input, '');
    const settings = parseSettings(state.config ?? {});
    const limits = ReconcileLimitsSchema.parse(state.limits ?? {});
    const budget = stepBudget(limits, now, context);
    const { source, target, logger } = resolveReconcileDependencies(deps);

    const start = mergeResults(state.cursor ? decodeCursor(state.cursor) : initialCursor(settings), state.work ?? []);
    const run = await runReconcile(source, { reader: target, writer: target }, settings, {
      logger,
      concurrency: 16,
      cursor: start,
      budget,
      handOffPages: limits.pagesPerStep,
      throwErrors: true,
    });
    const cursor = run.cursor;
    const work = run.handedOff?.pages ?? [];
    const resume = run.handedOff?.resume ?? cursor;
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
