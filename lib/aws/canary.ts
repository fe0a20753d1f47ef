/**
 * The data-plane canary's probe: connect (mutual TLS, SNI = the custom domain) to one region's endpoint,
 * subscribe to its own topic, publish a nonce there, and wait for that same message to come back. The
 * outcome is data (success, latency, or the stage that failed and why), never an exception, so that a
 * failing region is reported as a metric rather than as a crashed Lambda.
 */
import { randomUUID } from 'node:crypto';

/** A connected MQTT device, as the canary needs it (the project's device client, lib/aws/mqtt-device.ts). */
export interface CanaryConnection {
  subscribe(topic: string): Promise<void>;
  publish(topic: string, payload: string): Promise<void>;
  /** Registers a listener for every message received; returns a function that removes it. */
  onMessage(listener: (topic: string, payload: string) => void): () => void;
  close(): Promise<void>;
}

/** Opens a connection (and rejects with the broker's or TLS's reason when it cannot). */
export type CanaryConnector = () => Promise<CanaryConnection>;

/** Where a probe failed. */
export type CanaryStage = 'connect' | 'subscribe' | 'publish' | 'receive';

/** One probe's result. */
export type CanaryResult =
  | { ok: true; latencyMs: number }
  | { ok: false; stage: CanaryStage; reason: string };

/** Options of {@link probe}. */
export interface ProbeOptions {
  connect: CanaryConnector;
  topic: string;
  /** Longest wait for the own message; default 10 s. */
  receiveTimeoutMs?: number;
  /** Clock for the latency (tests pass a fake). */
  now?: () => number;
}

const reasonOf = (error: unknown): string => (error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error));

/** Runs one connect → subscribe → publish → receive round trip; always closes what it opened. */
export async function probe(options: ProbeOptions): Promise<CanaryResult> {
  const now = options.now ?? Date.now;
  const timeoutMs = options.receiveTimeoutMs ?? 10_000;
  let connection: CanaryConnection;
  try {
    connection = await options.connect();
  } catch (error) {
    return { ok: false, stage: 'connect', reason: reasonOf(error) };
  }
  const nonce = randomUUID();
  let stopListening: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    try {
      await connection.subscribe(options.topic);
    } catch (error) {
      return { ok: false, stage: 'subscribe', reason: reasonOf(error) };
    }
    const received = new Promise<number>((resolve, reject) => {
      stopListening = connection.onMessage((topic, payload) => {
        if (topic === options.topic && payload === nonce) resolve(now());
      });
      timer = setTimeout(() => reject(new Error(`own message not received within ${timeoutMs} ms`)), timeoutMs);
    });
    received.catch(() => undefined);
    const sentAt = now();
    try {
      await connection.publish(options.topic, nonce);
    } catch (error) {
      return { ok: false, stage: 'publish', reason: reasonOf(error) };
    }
    try {
      const receivedAt = await received;
      return { ok: true, latencyMs: Math.max(0, receivedAt - sentAt) };
    } catch (error) {
      return { ok: false, stage: 'receive', reason: reasonOf(error) };
    }
  } finally {
    if (timer) clearTimeout(timer);
    stopListening?.();
    await connection.close().catch(() => undefined);
  }
}
