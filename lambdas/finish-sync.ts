/**
 * Last state of a sync: sums up the per-resource results. The execution fails (and the change is
 * recorded for redrive) when any resource failed.
 */
import { z } from 'zod';
import { RegistryChangeSchema } from '../lib/events/normalise';
import { parseOrThrow } from '../lib/core/validation';
import type { ResourceRef } from '../lib/core/scope';
import { SyncItemResultSchema } from './runtime/sync-handler';
import { environmentDependencies, type SyncDependencySource } from './runtime/dependencies';
import { resolveDependencies } from './runtime/dependency-source';

/**
 * One item of the Map's results, read from the sync Lambda's own schema: a tolerant reader of the fields this
 * handler sums (an item may also be the ItemFailed state's record, `{ ref, failed, error }`, when the
 * Lambda itself failed after its retries).
 */
const ItemResultSchema = z.looseObject({
  ref: SyncItemResultSchema.shape.ref,
  failed: SyncItemResultSchema.shape.failed,
  writes: SyncItemResultSchema.shape.writes.optional(),
  skipped: SyncItemResultSchema.shape.skipped.optional(),
  failures: z.array(SyncItemResultSchema.shape.failures.element.pick({ errorName: true, message: true }).loose()).optional(),
  // Set by the state machine's ItemFailed state when the Lambda itself failed (after its retries).
  error: z.looseObject({ Error: z.string(), Cause: z.string().optional() }).optional(),
});

const FinishSyncInputSchema = z.strictObject({
  change: RegistryChangeSchema,
  results: z.array(z.array(ItemResultSchema)),
});

/** The outcome of one change. */
export interface SyncOutcome {
  status: 'SUCCEEDED' | 'FAILED';
  eventId: string;
  resources: number;
  writes: number;
  skipped: number;
  failures: { ref: ResourceRef; errorName: string; message: string }[];
}

/** Builds the handler over the given dependencies. */
export function createHandler(deps: SyncDependencySource) {
  return async (input: unknown): Promise<SyncOutcome> => {
    const { change, results } = parseOrThrow(FinishSyncInputSchema, input, '');
    const items = results.flat();
    const failures = items.flatMap((item) => {
      if (item.error) return [{ ref: item.ref, errorName: item.error.Error, message: item.error.Cause ?? '' }];
      return (item.failures ?? []).map((f) => ({ ref: item.ref, errorName: f.errorName, message: f.message }));
    });
    const outcome: SyncOutcome = {
      status: failures.length > 0 ? 'FAILED' : 'SUCCEEDED',
      eventId: change.eventId,
      resources: items.length,
      writes: items.reduce((n, i) => n + (i.writes ?? 0), 0),
      skipped: items.reduce((n, i) => n + (i.skipped ?? 0), 0),
      failures,
    };
    const { logger } = resolveDependencies(deps);
    (outcome.status === 'FAILED' ? logger.error : logger.info).call(logger, 'change finished', { ...outcome, operation: change.operation });
    return outcome;
  };
}

export const handler = createHandler(environmentDependencies);
