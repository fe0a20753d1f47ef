/**
 * A device's view of an AWS IoT data plane (or the emulator's): connect with mutual TLS, SNI and a
 * client ID, publish, subscribe, receive, disconnect. A refused connection is classified by how it was
 * refused (closed at TLS, CONNACK not authorized, timeout, unreachable), never by guessing a registry
 * reason: the drill asks the registry for that. The private key is used for the handshake only and is
 * never logged or kept beyond the client's TLS options.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createSecureContext, type SecureContext } from 'node:tls';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { fullJitterDelayMs, type BackoffPolicy } from '../core/backoff';

/** Where a device connects. */
export interface DeviceEndpoint {
  host: string;
  port: number;
  /** The TLS SNI host name (an endpoint such as `…-ats.iot.REGION.amazonaws.com`, or a custom domain). */
  serverName?: string;
  /** CA certificates to trust (PEM); default: Node's bundled roots, which hold Amazon Root CA 1. */
  caPem?: string;
}

/** A device's credentials. */
export interface DeviceIdentity {
  clientId: string;
  certificatePem: string;
  privateKeyPem: string;
}

/** How a connection attempt failed. */
export type ConnectFailureKind =
  /** The server closed the connection during or right after the TLS handshake (authentication failed). */
  | 'closed'
  /** CONNACK return code 5 / reason 0x87: the credentials are valid but iot:Connect is not allowed. */
  | 'not-authorized'
  /** Another CONNACK refusal (bad protocol, identifier rejected, server unavailable…). */
  | 'connack-refused'
  /** Nothing answered in time. */
  | 'timeout'
  /** The endpoint could not be reached (connection refused, DNS, TLS verification of the server). */
  | 'unreachable';

/** A refused or failed connection. */
export interface ConnectFailure {
  kind: ConnectFailureKind;
  message: string;
}

/** Options of one connection attempt. */
export interface ConnectOptions {
  /** Milliseconds before the attempt counts as a timeout (default 10000). */
  timeoutMs?: number;
  /** MQTT protocol level: 4 = 3.1.1 (default), 5 = MQTT 5. */
  protocolVersion?: 4 | 5;
  /** Keep-alive seconds (default 60). */
  keepaliveSeconds?: number;
}

/** A message the device received. */
export interface ReceivedMessage {
  topic: string;
  payload: Buffer;
}

/** Parses `mqtts://HOST:PORT` (port 8883 when absent). */
export function parseMqttEndpoint(url: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`mqtt endpoint "${url}" is not a URL such as mqtts://127.0.0.1:8883`);
  }
  if (parsed.protocol !== 'mqtts:') throw new Error(`mqtt endpoint "${url}" must use mqtts:// (AWS IoT requires TLS)`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: parsed.port === '' ? 8883 : Number(parsed.port) };
}

/** A connected device. */
export class ConnectedDevice {
  private readonly received: ReceivedMessage[] = [];
  private readonly waiters: { topic: string; resolve: (m: ReceivedMessage) => void }[] = [];
  private closedReason: string | undefined;

  /** @internal */
  constructor(private readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      const message = { topic, payload };
      const i = this.waiters.findIndex((w) => w.topic === topic);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(message);
      else this.received.push(message);
    });
    client.on('close', () => {
      this.closedReason ??= 'connection closed';
    });
  }

  /** Whether the connection is still open. */
  get connected(): boolean {
    return this.client.connected;
  }

  /**
   * Publishes (QoS 1 by default: resolves on PUBACK). Rejects when the server closes the connection
   * instead, which is how AWS answers an unauthorized publish on MQTT 3.1.1.
   */
  async publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 1): Promise<void> {
    if (!this.client.connected) throw new Error('not connected');
    let onClose: (() => void) | undefined;
    const closed = new Promise<never>((_, reject) => {
      onClose = () => reject(new Error('the server closed the connection'));
      this.client.once('close', onClose);
    });
    try {
      await Promise.race([this.client.publishAsync(topic, payload, { qos }), closed]);
    } finally {
      if (onClose) this.client.off('close', onClose);
    }
  }

  /** Subscribes; resolves with whether the server granted the filter (SUBACK other than 0x80). */
  async subscribe(filter: string, qos: 0 | 1 = 1): Promise<boolean> {
    try {
      const granted = await this.client.subscribeAsync(filter, { qos });
      return granted.length > 0 && granted.every((g) => g.qos !== 128);
    } catch (err) {
      // mqtt.js rejects on a SUBACK failure code (0x80 in 3.1.1, >= 0x80 in 5).
      if (err instanceof Error && err.name === 'ErrorWithSubackPacket') return false;
      if (err instanceof Error && /Subscribe error/.test(err.message)) return false;
      throw err;
    }
  }

  /** The next message on `topic` (already received or arriving within `timeoutMs`), or undefined. */
  nextMessage(topic: string, timeoutMs = 5000): Promise<ReceivedMessage | undefined> {
    const i = this.received.findIndex((m) => m.topic === topic);
    if (i >= 0) return Promise.resolve(this.received.splice(i, 1)[0]);
    return new Promise((resolve) => {
      const waiter = {
        topic,
        resolve: (m: ReceivedMessage | undefined) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        const j = this.waiters.indexOf(waiter);
        if (j >= 0) this.waiters.splice(j, 1);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Resolves when the server closes the connection. */
  closed(): Promise<void> {
    if (!this.client.connected) return Promise.resolve();
    return new Promise((resolve) => this.client.once('close', () => resolve()));
  }

  /** Sends DISCONNECT and closes (or just closes, when the server already has). */
  async disconnect(): Promise<void> {
    // A graceful end waits for in-flight QoS 1 messages, which never complete on a closed connection.
    await this.client.endAsync(!this.client.connected);
  }
}

/** The result of one connection attempt. */
export type ConnectResult = { ok: true; device: ConnectedDevice; connectMs: number } | { ok: false; failure: ConnectFailure; connectMs: number };

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED']);

/**
 * One TLS context per identity and trusted CA, reused by reconnections (parsing the key and CA costs
 * more than the handshake). Held weakly: it goes with the identity object.
 */
const contexts = new WeakMap<DeviceIdentity, Map<string, SecureContext>>();
function secureContextFor(identity: DeviceIdentity, caPem: string | undefined): SecureContext {
  let byCa = contexts.get(identity);
  if (!byCa) contexts.set(identity, (byCa = new Map()));
  const key = caPem ?? '';
  let context = byCa.get(key);
  if (!context) {
    context = createSecureContext({ cert: identity.certificatePem, key: identity.privateKeyPem, ...(caPem !== undefined ? { ca: caPem } : {}) });
    byCa.set(key, context);
  }
  return context;
}

/** Connects once (no automatic reconnect) and classifies a refusal. */
export function connectDevice(endpoint: DeviceEndpoint, identity: DeviceIdentity, options: ConnectOptions = {}): Promise<ConnectResult> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const clientOptions: IClientOptions = {
    protocol: 'mqtts',
    host: endpoint.host,
    port: endpoint.port,
    clientId: identity.clientId,
    ...(endpoint.serverName !== undefined ? { servername: endpoint.serverName } : {}),
    protocolVersion: options.protocolVersion ?? 4,
    keepalive: options.keepaliveSeconds ?? 60,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
  };
  // mqtt.js hands its options to tls.connect, which takes a prepared context (not in mqtt's typings).
  Object.assign(clientOptions, { secureContext: secureContextFor(identity, endpoint.caPem) });
  return new Promise((resolve) => {
    const client = connect(clientOptions);
    let settled = false;
    let lastError: (Error & { code?: string | number }) | undefined;
    const finish = (result: ConnectResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.removeAllListeners('connect');
      if (!result.ok) client.end(true);
      resolve(result);
    };
    const elapsed = () => performance.now() - started;
    const timer = setTimeout(() => finish({ ok: false, failure: { kind: 'timeout', message: `no CONNACK within ${timeoutMs} ms` }, connectMs: elapsed() }), timeoutMs);
    client.on('connect', () => finish({ ok: true, device: new ConnectedDevice(client), connectMs: elapsed() }));
    client.on('error', (err: Error & { code?: string | number }) => {
      lastError = err;
      // CONNACK refusals carry the return code (3.1.1) or reason code (5) as a number.
      if (typeof err.code === 'number') {
        const notAuthorized = err.code === 5 || err.code === 135;
        finish({ ok: false, failure: { kind: notAuthorized ? 'not-authorized' : 'connack-refused', message: err.message }, connectMs: elapsed() });
      } else if (typeof err.code === 'string' && UNREACHABLE.has(err.code)) {
        finish({ ok: false, failure: { kind: 'unreachable', message: `${err.code}: ${err.message}` }, connectMs: elapsed() });
      }
    });
    client.on('close', () => {
      const detail = lastError ? `: ${lastError.message}` : '';
      finish({ ok: false, failure: { kind: 'closed', message: `the server closed the connection before CONNACK${detail}` }, connectMs: elapsed() });
    });
  });
}

/** The outcome of {@link connectWithBackoff}. */
export interface ReconnectResult {
  device: ConnectedDevice;
  attempts: number;
  /** The endpoint that finally accepted. */
  endpoint: DeviceEndpoint;
}

/**
 * Connects, retrying with capped exponential backoff and full jitter; `resolveEndpoint` is asked again
 * before every attempt (a DNS name whose answer may flip). Gives up after `maxAttempts` or on `signal`.
 */
export async function connectWithBackoff(
  resolveEndpoint: () => DeviceEndpoint,
  identity: DeviceIdentity,
  backoff: BackoffPolicy & { maxAttempts: number },
  options: ConnectOptions & { signal?: AbortSignal; random?: () => number } = {},
): Promise<ReconnectResult> {
  let last: ConnectFailure | undefined;
  for (let attempt = 0; attempt < backoff.maxAttempts; attempt++) {
    if (attempt > 0) await sleep(fullJitterDelayMs(backoff, attempt - 1, options.random), undefined, options.signal ? { signal: options.signal } : {});
    const endpoint = resolveEndpoint();
    const result = await connectDevice(endpoint, identity, options);
    if (result.ok) return { device: result.device, attempts: attempt + 1, endpoint };
    last = result.failure;
  }
  throw new Error(`${identity.clientId}: no connection after ${backoff.maxAttempts} attempts (last: ${last?.kind}: ${last?.message})`);
}
