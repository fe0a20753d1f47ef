/**
 * Last state of a sync: sums up the per-resource results. The execution fails (and the change is
 * recorded for redrive) when any resource failed.
 */
import { z } from 'zod';
import { RegistryChangeSchema } from '../lib/events/normalise';
import { parseOrThrow } from '../lib/core/validation';
import { ResourceRefSchema } from '../lib/core/scope';
import { environmentDependencies, type SyncDependencySource } from './runtime/dependencies';
import { resolveDependencies } from './runtime/dependency-source';

const ItemResultSchema = z.looseObject({
  ref: ResourceRefSchema,
  failed: z.boolean(),
  writes: z.number().optional(),
  skipped: z.number().optional(),
  failures: z.array(z.looseObject({ errorName: z.string(), message: z.string() })).optional(),
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
  failures: { ref: z.infer<typeof ResourceRefSchema>; errorName: string; message: string }[];
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
