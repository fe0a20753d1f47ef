/**
 * The event hub: every accepted write is logged per region and delivered to in-process subscribers,
 * asynchronously (never inside the HTTP response path) and in emission order unless a subscriber asks
 * for chaos (copies, drops, shuffling) to test that consumers survive what AWS's at-least-once,
 * unordered delivery does to them.
 */
import { seededRandom, shuffleInPlace, type Random } from './random';

/** The EventBridge "AWS API Call via CloudTrail" envelope. */
export interface CloudTrailEnvelope {
  version: '0';
  id: string;
  'detail-type': 'AWS API Call via CloudTrail';
  source: 'aws.iot';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** An IoT registry event (an MQTT message on a `$aws/events/...` topic). */
export interface RegistryEvent {
  readonly type: 'registry';
  readonly region: string;
  readonly topic: string;
  readonly payload: Record<string, unknown>;
}

/** A CloudTrail-via-EventBridge event. */
export interface CloudTrailEvent {
  readonly type: 'cloudtrail';
  readonly region: string;
  readonly event: CloudTrailEnvelope;
}

/** What subscribers receive. */
export type EmulatorEvent = RegistryEvent | CloudTrailEvent;

/** A subscriber callback; a returned promise is awaited before the next delivery to it. */
export type EventListener = (event: EmulatorEvent) => void | Promise<void>;

/** Chaos options of one subscription. */
export interface SubscribeOptions {
  /** Deliver each event this many times (default 1). */
  copies?: number;
  /** Probability in [0, 1] that an event is never delivered to this subscriber. */
  dropRate?: number;
  /** Deliver each buffered batch in random order. */
  shuffle?: boolean;
  /** Seed of this subscriber's PRNG, for reproducible chaos. */
  seed?: number;
}

/** The public face of the hub. */
export interface EmulatorEvents {
  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: EventListener, options?: SubscribeOptions): () => void;
  /** Every event emitted in `region` (or in all regions, in emission order), oldest first. */
  log(region?: string): EmulatorEvent[];
  /** Forgets the logged events of `region` (or of every region). */
  clearLog(region?: string): void;
  /** Resolves once every queued delivery has been made. */
  flush(): Promise<void>;
  /** How many listener calls threw or rejected. */
  failedDeliveries(): number;
}

interface Subscriber {
  readonly listener: EventListener;
  readonly copies: number;
  readonly dropRate: number;
  readonly shuffle: boolean;
  readonly random: Random;
  queue: EmulatorEvent[];
  draining?: Promise<void>;
  active: boolean;
}

/** The log keeps at most this many events per region, dropping the oldest (a long demo must not grow forever). */
export const EVENT_LOG_LIMIT = 100_000;

/** Implementation of {@link EmulatorEvents}, plus `emit` for the server. */
export class EventHub implements EmulatorEvents {
  private readonly subscribers = new Set<Subscriber>();
  private readonly regionLogs = new Map<string, EmulatorEvent[]>();
  private readonly allLog: EmulatorEvent[] = [];
  private failures = 0;

  /** Logs the event and queues it for every subscriber. */
  emit(event: EmulatorEvent): void {
    const list = this.regionLogs.get(event.region) ?? [];
    list.push(event);
    if (list.length > EVENT_LOG_LIMIT) list.shift();
    this.regionLogs.set(event.region, list);
    this.allLog.push(event);
    if (this.allLog.length > EVENT_LOG_LIMIT * 2) this.allLog.shift();
    for (const s of this.subscribers) {
      s.queue.push(event);
      if (!s.draining) s.draining = this.drain(s);
    }
  }

  subscribe(listener: EventListener, options: SubscribeOptions = {}): () => void {
    const copies = options.copies ?? 1;
    const dropRate = options.dropRate ?? 0;
    if (!Number.isInteger(copies) || copies < 1) throw new RangeError('copies must be a positive integer');
    if (!(dropRate >= 0 && dropRate <= 1)) throw new RangeError('dropRate must be between 0 and 1');
    const s: Subscriber = {
      listener,
      copies,
      dropRate,
      shuffle: options.shuffle ?? false,
      random: seededRandom(options.seed),
      queue: [],
      active: true,
    };
    this.subscribers.add(s);
    return () => {
      s.active = false;
      s.queue = [];
      this.subscribers.delete(s);
    };
  }

  log(region?: string): EmulatorEvent[] {
    return region === undefined ? [...this.allLog] : [...(this.regionLogs.get(region) ?? [])];
  }

  clearLog(region?: string): void {
    if (region === undefined) {
      this.regionLogs.clear();
      this.allLog.length = 0;
      return;
    }
    this.regionLogs.delete(region);
    for (let i = this.allLog.length - 1; i >= 0; i--) if (this.allLog[i]?.region === region) this.allLog.splice(i, 1);
  }

  async flush(): Promise<void> {
    for (;;) {
      const pending = [...this.subscribers].map((s) => s.draining).filter((p): p is Promise<void> => p !== undefined);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  failedDeliveries(): number {
    return this.failures;
  }

  private async drain(s: Subscriber): Promise<void> {
    // Let the HTTP response go out first; deliveries never run inside the request handler.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (s.active && s.queue.length > 0) {
      const batch = s.queue;
      s.queue = [];
      const deliveries: EmulatorEvent[] = [];
      for (const e of batch) {
        if (s.dropRate > 0 && s.random() < s.dropRate) continue;
        for (let i = 0; i < s.copies; i++) deliveries.push(e);
      }
      if (s.shuffle) shuffleInPlace(deliveries, s.random);
      for (const e of deliveries) {
        if (!s.active) break;
        try {
          await s.listener(e);
        } catch {
          this.failures++;
        }
      }
    }
    s.draining = undefined;
  }
}
