/**
 * Last state of a sync: sums up the per-resource results. The execution fails when any resource failed
 * or any event of a batch was invalid or deferred; the events that named a failed resource (and those
 * events themselves) are handed back for the dead-letter record, so each can be redriven.
 */
import { z } from 'zod';
import { parseOrThrow } from '../lib/core/validation';
import { ResourceRefSchema } from '../lib/core/resource-ref';
import { refKey } from '../lib/core/keys';
import { batchEvents } from '../lib/events/batch';
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

const EventOutcomeSchema = z.looseObject({
  index: z.number().int().min(0),
  eventId: z.string().optional(),
  status: z.enum(['change', 'ignored', 'unresolved', 'invalid', 'deferred']),
  reason: z.string().optional(),
});

const FinishSyncInputSchema = z.strictObject({
  /** The execution input: one event or a batch. */
  events: z.unknown(),
  resolved: z.looseObject({
    events: z.array(EventOutcomeSchema),
    origins: z.record(z.string(), z.array(z.number().int().min(0))),
  }),
  results: z.array(z.array(ItemResultSchema)),
});

/** One failure: a resource that did not converge, or an event that could not be used. */
export interface SyncFailure {
  ref?: z.infer<typeof ResourceRefSchema>;
  eventId?: string;
  errorName: string;
  message: string;
}

/** The outcome of one execution (one event or a batch). */
export interface SyncOutcome {
  status: 'SUCCEEDED' | 'FAILED';
  /** Events in the input, and how many of them named a change. */
  events: number;
  changes: number;
  eventIds: string[];
  resources: number;
  writes: number;
  skipped: number;
  failures: SyncFailure[];
  /** The events to redrive: those that named a failed resource, and the invalid or deferred ones. */
  deadLetterEvents: unknown[];
}

/** Builds the handler over the given dependencies. */
export function createHandler(deps: SyncDependencySource) {
  return async (input: unknown): Promise<SyncOutcome> => {
    const { events: executionInput, resolved, results } = parseOrThrow(FinishSyncInputSchema, input, '');
    const { events } = batchEvents(executionInput);
    const items = results.flat();
    const failedItems = items.filter((item) => item.failed || item.error !== undefined);
    const failures: SyncFailure[] = failedItems.flatMap((item) => {
      if (item.error) return [{ ref: item.ref, errorName: item.error.Error, message: item.error.Cause ?? '' }];
      return (item.failures ?? []).map((f) => ({ ref: item.ref, errorName: f.errorName, message: f.message }));
    });
    const unusable = resolved.events.filter((e) => e.status === 'invalid' || e.status === 'deferred');
    for (const e of unusable) {
      failures.push({ ...(e.eventId === undefined ? {} : { eventId: e.eventId }), errorName: e.status === 'invalid' ? 'InvalidInputError' : 'BatchBoundExceeded', message: e.reason ?? '' });
    }
    const deadIndexes = new Set<number>(unusable.map((e) => e.index));
    for (const item of failedItems) for (const i of resolved.origins[refKey(item.ref)] ?? []) deadIndexes.add(i);
    const outcome: SyncOutcome = {
      status: failures.length > 0 ? 'FAILED' : 'SUCCEEDED',
      events: events.length,
      changes: resolved.events.filter((e) => e.status === 'change').length,
      eventIds: resolved.events.flatMap((e) => (e.eventId === undefined ? [] : [e.eventId])),
      resources: items.length,
      writes: items.reduce((n, i) => n + (i.writes ?? 0), 0),
      skipped: items.reduce((n, i) => n + (i.skipped ?? 0), 0),
      failures,
      deadLetterEvents: [...deadIndexes].sort((a, b) => a - b).flatMap((i) => (i < events.length ? [events[i]] : [])),
    };
    const { logger } = resolveDependencies(deps);
    const { deadLetterEvents, ...summary } = outcome;
    (outcome.status === 'FAILED' ? logger.error : logger.info).call(logger, 'sync finished', { ...summary, deadLetterEvents: deadLetterEvents.length });
    return outcome;
  };
}

export const handler = createHandler(environmentDependencies);
