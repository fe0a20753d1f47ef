/**
 * The body shared by the per-family sync Lambdas: converge one resource reference in the target.
 * Re-runnable failures are thrown (the state machine retries them with backoff and jitter); the rest
 * are returned as data so the other resources of the change go on. Which layer retries what: docs/retries.md.
 */
import { z } from 'zod';
import { DOMAIN_ERRORS, InvalidInputError, RERUNNABLE_ERROR_NAMES } from '../../lib/core/errors';
import { ResourceRefSchema, type ResourceRef } from '../../lib/core/resource-ref';
import { syncResources } from '../../lib/core/sync';
import { RegistryChangeSchema } from '../../lib/events/normalise';
import { parseOrThrow } from '../../lib/core/validation';
import { failureRecordOf, FailureRecordSchema, type FailureRecord } from '../../lib/core/failure-record';
import type { SyncDependencySource } from './dependencies';
import { resolveDependencies } from './dependency-source';

/** The input of a per-family sync Lambda: one reference and the change it belongs to. */
export const SyncItemInputSchema = z.looseObject({ ref: ResourceRefSchema, change: RegistryChangeSchema.optional() });

/** What a per-family sync Lambda returns (the sync state machine's Map collects these for FinishSync). */
export const SyncItemResultSchema = z.strictObject({
  ref: ResourceRefSchema,
  failed: z.boolean(),
  writes: z.number(),
  skipped: z.number(),
  /** The failed operations, recorded as the reconcile summary records them (one schema for both). */
  failures: z.array(FailureRecordSchema),
});
/** What a per-family sync Lambda returns. */
export type SyncItemResult = z.infer<typeof SyncItemResultSchema>;

/** Builds a sync handler for the given resource kinds. */
export function createSyncHandler(kinds: readonly ResourceRef['kind'][], deps: SyncDependencySource) {
  return async (input: unknown): Promise<SyncItemResult> => {
    const { ref, change } = parseOrThrow(SyncItemInputSchema, input, '');
    if (!kinds.includes(ref.kind)) {
      throw new InvalidInputError(`invalid input: ref.kind: this function syncs ${kinds.join(', ')}, not ${ref.kind}`);
    }
    const { source, target, deleteMode, logger } = resolveDependencies(deps);
    const log = logger.child ? logger.child({ eventId: change?.eventId, ref }) : logger;
    const result = await syncResources(source, { reader: target, writer: target }, [ref], {
      sourceRegion: source.region,
      targetRegion: target.region,
      deleteMode,
      logger: log,
    });
    const failures: FailureRecord[] = result.outcomes
      .filter((o) => o.status === 'failed')
      .map(failureRecordOf);
    const retryable = failures.find((f) => RERUNNABLE_ERROR_NAMES.includes(f.errorName));
    if (retryable) {
      // Thrown by name so the state machine's Retry (backoff, jitter) takes over; re-running is safe (state-based).
      // A sync Lambda has no in-process re-run: the pacer had the call, the ASL has the item (docs/retries.md).
      const ErrorClass = DOMAIN_ERRORS[retryable.errorName as keyof typeof DOMAIN_ERRORS];
      throw new ErrorClass(`${retryable.action} ${retryable.kind} ${retryable.key}: ${retryable.message}`);
    }
    const writes = result.outcomes.filter((o) => o.status === 'ok').length;
    const skipped = result.outcomes.filter((o) => o.status === 'skipped').length;
    log.info('resource synced', { writes, skipped, failed: failures.length });
    return { ref, failed: failures.length > 0, writes, skipped, failures };
  };
}
