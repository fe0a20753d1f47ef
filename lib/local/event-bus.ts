/**
 * The local stand-in for the event path on AWS: CloudTrail events of the source region go to the
 * default bus as they are; registry events go through the real forwarder handler (as the IoT topic
 * rule would send them); the bus keeps what matches the sync rule, as the EventBridge rule does.
 */
import { createHandler as createForwarder } from '../../lambdas/forward-registry-event';
import { matchesRegistryTopicRule, matchesSyncRule } from '../events/rule-pattern';
import type { EventEntry } from '../aws/event-bridge';
import type { EmulatorEvent } from './emulator/events';

/** An EventBridge event as a rule target receives it. */
export type BusEvent = Record<string, unknown> & { id: string; source: string; 'detail-type': string; region: string };

/** Collects the source region's events that match the sync rule, in arrival order. */
export class LocalEventBus {
  private queue: BusEvent[] = [];
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
    return taken;
  }

  private put(event: BusEvent): void {
    if (matchesSyncRule(event)) this.queue.push(event);
    else this.unmatched += 1;
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
