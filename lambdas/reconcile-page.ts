/**
 * Reconcile state machine, page Lambda: converges one page of things with everything they reach
 * (certificates, attachments, policies). Re-runnable failures are re-run here, then thrown by name for
 * the state machine's Retry (a re-run is harmless: state-based); the rest are returned as data.
 */
import { z } from 'zod';
import { DOMAIN_ERRORS, RERUNNABLE_ERROR_NAMES } from '../lib/core/errors';
import { parseOrThrow } from '../lib/core/validation';
import { ThingNameSchema } from '../lib/core/model';
import { createRunContext, MAX_RECONCILE_PAGE_SIZE, parseSettings, reconcileThingPage, withReruns, type ReconcileTotals } from '../lib/core/reconcile';
import {
  RECONCILE_PAGE_CONCURRENCY,
  reconcileEnvironmentDependencies,
  resolveReconcileDependencies,
  type ReconcileDependencySource,
} from './runtime/reconcile-dependencies';

const PageInputSchema = z.strictObject({
  config: z.unknown(),
  names: z.array(ThingNameSchema).max(MAX_RECONCILE_PAGE_SIZE),
});

/** What a page returns to the Map. */
export interface PageOutput {
  totals: ReconcileTotals;
}

/** Builds the handler over the given dependencies. */
export function createHandler(deps: ReconcileDependencySource) {
  return async (input: unknown): Promise<PageOutput> => {
    const { config, names } = parseOrThrow(PageInputSchema, input, '');
    const settings = parseSettings(config);
    const { source, target, logger } = resolveReconcileDependencies(deps);
    const ctx = createRunContext(source, { reader: target, writer: target }, settings, { logger, concurrency: 16 });
    const report = await withReruns(3, () => reconcileThingPage(ctx, names));
    const retryable = report.rerunnable ? report.totals.failures.find((f) => RERUNNABLE_ERROR_NAMES.includes(f.errorName)) : undefined;
    if (retryable) {
      const ErrorClass = DOMAIN_ERRORS[retryable.errorName as keyof typeof DOMAIN_ERRORS];
      throw new ErrorClass(`${retryable.action} ${retryable.kind} ${retryable.key}: ${retryable.message}`);
    }
    logger.info('reconcile page', { things: names.length, created: report.totals.created, updated: report.totals.updated, failed: report.totals.failed });
    return { totals: report.totals };
  };
}

export const handler = createHandler(reconcileEnvironmentDependencies(1 / RECONCILE_PAGE_CONCURRENCY));
