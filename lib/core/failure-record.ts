/**
 * A failed item as a summary reports it: one record shape for the event-driven sync (each sync Lambda's
 * result) and the reconcile (its totals), made from an apply outcome in one place.
 */
import { z } from 'zod';
import type { Outcome } from './apply';

/** A failed item, as the sync and reconcile summaries report it. */
export const FailureRecordSchema = z.strictObject({
  kind: z.string(),
  key: z.string(),
  action: z.string(),
  errorName: z.string(),
  message: z.string(),
});
/** A failed item, as the sync and reconcile summaries report it. */
export type FailureRecord = z.infer<typeof FailureRecordSchema>;

/** The record of a failed outcome (an outcome without an error name counts as a plain `Error`). */
export function failureRecordOf(outcome: Outcome): FailureRecord {
  return { kind: outcome.kind, key: outcome.key, action: outcome.action, errorName: outcome.errorName ?? 'Error', message: outcome.message ?? '' };
}
