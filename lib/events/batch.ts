/**
 * Coalescing: the events of a short window reach the sync state machine together, as one batch (an
 * array), so that the several events one device registration makes start one execution, not nine.
 * The constants here are shared by the CDK glue (lib/infra/event-coalescing.ts), the local event bus and
 * ResolveChange, so the deployed path and the local one batch alike.
 */

/**
 * How long the pipe waits to fill a batch after its first event (EventBridge Pipes
 * `MaximumBatchingWindowInSeconds`, 0–300 for an SQS source:
 * https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceSqsQueueParameters.html).
 * It is the most latency the coalescing adds between an event and the start of its execution.
 */
export const DEFAULT_COALESCING_WINDOW_SECONDS = 5;

/**
 * Most events in one batch (the pipe's `BatchSize`). Bounded by the 256 KiB Step Functions payload
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), the most any state's input
 * or output may hold. FinishSync's input is the largest: the batch itself (to pick the events of a failed
 * resource for the dead-letter record), the per-resource results and ResolveChange's summary:
 *   20 events × 8 KiB (`MAX_EVENT_BYTES`, four times the largest IoT event the emulator emits)  = 160 KiB
 * + `MAX_REFS_PER_BATCH` 300 resources × (≈120 B result + ≈200 B stage ref and origin)         ≈  94 KiB
 * = ≈ 254 KiB, under 256 KiB. An SQS source with a batch size above 10 needs a window of at least 1 s.
 */
export const MAX_BATCH_EVENTS = 20;

/** The event size the batch bound assumes (an IoT CloudTrail record is 1–3 KiB; UNCONFIRMED as an upper bound). */
export const MAX_EVENT_BYTES = 8 * 1024;

/**
 * Most resources one batch converges. A change past it (a bulk registration task of hundreds of devices
 * among other events) is recorded as `deferred` and dead-lettered with that reason, so a redrive runs it in
 * an execution of its own. It also keeps the history far under 25,000 events (≈ 10 history events per
 * resource: iteration, Choice, Task scheduled/started/succeeded/exited).
 */
export const MAX_REFS_PER_BATCH = 300;

/**
 * The events an execution input holds: one EventBridge event (the `sync --event` command, a redrive), or
 * an array of them (a batch from the pipe). An SQS record (`{ body: "<event JSON>" }`, what a pipe hands its
 * target without an input template) is unwrapped to its event; a body that is not JSON stays as it is and is
 * reported as invalid by the normalisation.
 */
export function batchEvents(input: unknown): { batch: boolean; events: unknown[] } {
  if (!Array.isArray(input)) return { batch: false, events: [input] };
  return { batch: true, events: input.map(unwrapSqsRecord) };
}

function unwrapSqsRecord(item: unknown): unknown {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
  const record = item as Record<string, unknown>;
  if (record.eventSource !== 'aws:sqs' || typeof record.body !== 'string') return item;
  try {
    return JSON.parse(record.body) as unknown;
  } catch {
    return item;
  }
}
