/**
 * The local stand-in for the event path on AWS: CloudTrail events of the source region go to the
 * default bus as they are; registry events go through the real forwarder handler (as the IoT topic
 * rule would send them); the bus keeps what matches the sync rule, as the EventBridge rule does, and
 * hands them out in batches as the pipe does (lib/infra/event-coalescing.ts): a batch opens with its
 * first event and takes what arrives within the window, up to the batch size.
 */
import { createHandler as createForwarder } from '../../lambdas/forward-registry-event';
import { matchesRegistryTopicRule, matchesSyncRule } from '../events/rule-pattern';
import type { EventEntry } from '../aws/event-bridge';
import type { EmulatorEvent } from './emulator/events';
import { DEFAULT_COALESCING_WINDOW_SECONDS, MAX_BATCH_EVENTS } from '../events/batch';

/** An EventBridge event as a rule target receives it. */
export type BusEvent = Record<string, unknown> & { id: string; source: string; 'detail-type': string; region: string };

/** How the bus groups events into batches (the pipe's batch window and size). */
export interface BatchingOptions {
  /** Milliseconds a batch stays open after its first event (default: the deployed window). */
  windowMs?: number;
  /** Most events per batch (default: the deployed batch size). */
  maxEvents?: number;
}

/** Collects the source region's events that match the sync rule, in arrival order. */
export class LocalEventBus {
  private queue: BusEvent[] = [];
  /** When each queued event arrived (by `now`), index for index. */
  private arrivals: number[] = [];
  private sequence = 0;
  /** Events seen that the sync rule does not match (read calls never arrive; other services would). */
  unmatched = 0;
  private readonly forward = createForwarder(() => ({
    putEvents: async (entries: EventEntry[]) => {
      for (const entry of entries) this.put(this.envelope(entry));
      return { failedEntryCount: 0 };
    },
  }));

  constructor(
    private readonly sourceRegion: string,
    private readonly accountId = '123456789012',
    /** The clock that stamps arrivals (tests pass a fake one). */
    private readonly now: () => number = Date.now,
  ) {}

  /** The listener to subscribe to the emulator's events. */
  readonly listener = async (event: EmulatorEvent): Promise<void> => {
    if (event.region !== this.sourceRegion) return;
    if (event.type === 'cloudtrail') this.put(event.event as unknown as BusEvent);
    // What a topic rule `SELECT *, topic() AS topic FROM '<family filter>'` hands the forwarder.
    else if (matchesRegistryTopicRule(event.topic)) await this.forward({ ...event.payload, topic: event.topic });
    else this.unmatched += 1;
  };

  /** Takes every queued event, oldest first. */
  take(): BusEvent[] {
    const taken = this.queue;
    this.queue = [];
    this.arrivals = [];
    return taken;
  }

  /**
   * Takes every queued event as batches, oldest first: a batch opens with its first event and holds the
   * events that arrived within `windowMs` of it, at most `maxEvents` (as EventBridge Pipes batches an SQS
   * source). Window 0 puts only events of the same instant together.
   */
  takeBatches(options: BatchingOptions = {}): BusEvent[][] {
    const windowMs = options.windowMs ?? DEFAULT_COALESCING_WINDOW_SECONDS * 1000;
    const maxEvents = options.maxEvents ?? MAX_BATCH_EVENTS;
    if (!(windowMs >= 0) || !Number.isInteger(maxEvents) || maxEvents < 1) {
      throw new Error(`invalid batching: windowMs must be ≥ 0 (got ${windowMs}), maxEvents an integer ≥ 1 (got ${maxEvents})`);
    }
    const arrivals = this.arrivals;
    const events = this.take();
    const batches: BusEvent[][] = [];
    let opened = Number.NEGATIVE_INFINITY;
    events.forEach((event, i) => {
      const last = batches[batches.length - 1];
      const at = arrivals[i] ?? opened;
      if (last === undefined || last.length >= maxEvents || at - opened > windowMs) {
        batches.push([event]);
        opened = at;
      } else {
        last.push(event);
      }
    });
    return batches;
  }

  private put(event: BusEvent): void {
    if (matchesSyncRule(event)) {
      this.queue.push(event);
      this.arrivals.push(this.now());
    } else {
      this.unmatched += 1;
    }
  }

  private envelope(entry: EventEntry): BusEvent {
    this.sequence += 1;
    return {
      version: '0',
      id: `local-${this.sequence}`,
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: this.accountId,
      time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      region: this.sourceRegion,
      resources: [],
      detail: JSON.parse(entry.Detail) as unknown,
    };
  }
}
