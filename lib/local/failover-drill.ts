/**
 * The failover drill run locally: a fleet connected to the primary's data plane through one name that a
 * failover record resolves; the primary's data plane stops answering; the record's health check fails
 * and flips it; every device reconnects with backoff and jitter to whatever the name answers.
 * Used by `npm start` (the demo) and `bench:drill`. Private keys stay in memory.
 */
import { setMaxListeners } from 'node:events';
import { createDeviceWithKeys, createPolicy, registerDeviceCopy, type IoTClient } from '../aws/device-identity';
import type { BackoffPolicy } from '../core/backoff';
import { mapWithConcurrency } from '../core/concurrency';
import { connectDevice, connectWithBackoff, parseMqttEndpoint, type ConnectedDevice, type DeviceEndpoint, type DeviceIdentity } from '../aws/mqtt-device';
import { quantile } from '../aws/drill';
import { FailoverRecord, type FailoverTarget } from './failover-record';
import { endpointAddress } from './emulator/operations/domain-configurations';

/** Connect as your own thing, publish and receive under `devices/<clientId>/`. */
export function connectablePolicyDocument(region: string, accountId: string): string {
  const arn = `arn:aws:iot:${region}:${accountId}`;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${arn}:client/\${iot:Connection.Thing.ThingName}` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: `${arn}:topic/devices/\${iot:ClientId}/*` },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${arn}:topicfilter/devices/\${iot:ClientId}/*` },
    ],
  });
}

/** A device with its key, registered in both regions. */
export interface DrillFleetDevice extends DeviceIdentity {
  thingName: string;
  certificateId: string;
}

/**
 * Creates `count` devices in the primary (CreateKeysAndCertificate, thing, attachment, a thing-variable
 * policy) and the same in the secondary, as a sync leaves it (the PEM registered without a CA).
 */
export async function createDrillFleet(
  regions: { primary: { client: IoTClient; region: string }; secondary: { client: IoTClient; region: string } },
  accountId: string,
  prefix: string,
  count: number,
  concurrency = 16,
): Promise<DrillFleetDevice[]> {
  const policyName = `${prefix}-connect`;
  for (const r of [regions.primary, regions.secondary]) {
    await createPolicy(r.client, policyName, connectablePolicyDocument(r.region, accountId));
  }
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
  return mapWithConcurrency(names, concurrency, async (thingName) => {
    const device = await createDeviceWithKeys(regions.primary.client, thingName, policyName);
    await registerDeviceCopy(regions.secondary.client, device, policyName);
    return { ...device, clientId: thingName };
  });
}

/** The data plane the drill fails over: where devices connect, the CA they trust, and the switch that stops a region. */
export interface DrillDataPlane {
  /** `mqtts://HOST:PORT`, one port for every region (the emulator's). */
  url: string;
  caCertificatePem: string;
  setRegionAvailable(region: string, available: boolean): void | Promise<void>;
}

/** A running emulator's data plane as the drill needs it. */
export function emulatorDataPlane(emulator: { dataPlane?: { url: string; setRegionAvailable(region: string, available: boolean): void }; caCertificatePem: string }): DrillDataPlane {
  const dataPlane = emulator.dataPlane;
  if (!dataPlane) throw new Error('the emulator was started without its MQTT data plane (mqtt option)');
  return { url: dataPlane.url, caCertificatePem: emulator.caCertificatePem, setRegionAvailable: (r, a) => dataPlane.setRegionAvailable(r, a) };
}

/** How the local failover drill runs. */
export interface FailoverDrillOptions {
  dataPlane: DrillDataPlane;
  accountId: string;
  primaryRegion: string;
  secondaryRegion: string;
  devices: readonly DeviceIdentity[];
  /** The health check's canary (not one of `devices`: one client ID holds one connection). */
  canary: DeviceIdentity;
  health: { intervalMs: number; failureThreshold: number };
  backoff: BackoffPolicy & { maxAttempts: number };
  concurrency: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** What the drill measured. */
export interface FailoverDrillResult {
  devices: number;
  connectedToPrimary: number;
  refusedAtStart: number;
  connectWallMs: number;
  connectionsPerSecond: number;
  /** From the primary's stop to the record's flip. */
  flipAfterMs: number | null;
  reconnected: number;
  reconnectedToSecondary: number;
  failedToReconnect: { clientId: string; reason: string }[];
  /** From the primary's stop to each device's new CONNACK. */
  reconnectMs: { p50: number; p99: number; max: number };
  reconnectAttempts: { mean: number; max: number };
}

/** Runs the drill; leaves the primary's data plane available again and every device disconnected. */
export async function runFailoverDrill(o: FailoverDrillOptions): Promise<FailoverDrillResult> {
  const dataPlane = o.dataPlane;
  const { host, port } = parseMqttEndpoint(dataPlane.url);
  const target = (region: string): FailoverTarget => ({ region, serverName: endpointAddress(o.accountId, region, 'iot:Data-ATS') });
  const endpointOf = (t: FailoverTarget): DeviceEndpoint => ({ host, port, serverName: t.serverName, caPem: dataPlane.caCertificatePem });
  const primary = target(o.primaryRegion);
  const record = new FailoverRecord(primary, target(o.secondaryRegion), {
    ...o.health,
    probe: async () => {
      const r = await connectDevice(endpointOf(primary), o.canary, { timeoutMs: o.health.intervalMs });
      if (r.ok) await r.device.disconnect();
      return r.ok;
    },
  });

  const connected: { identity: DeviceIdentity; device: ConnectedDevice }[] = [];
  let refusedAtStart = 0;
  const connectStart = performance.now();
  await mapWithConcurrency(o.devices, o.concurrency, async (identity) => {
    const r = await connectDevice(endpointOf(record.resolve()), identity, { timeoutMs: 10_000 });
    if (r.ok) connected.push({ identity, device: r.device });
    else refusedAtStart++;
  });
  const connectWallMs = performance.now() - connectStart;
  o.log?.(`${connected.length}/${o.devices.length} devices connected to ${o.primaryRegion} in ${Math.round(connectWallMs)} ms`);

  let stoppedAt = 0;
  let flipAfterMs: number | null = null;
  record.onFlip((flip) => {
    if (flip.to === 'SECONDARY' && flipAfterMs === null) {
      flipAfterMs = Date.now() - stoppedAt;
      o.log?.(`health check failed ${flip.consecutiveResults} times: the record now answers ${o.secondaryRegion} (${flipAfterMs} ms after the stop)`);
    }
  });
  const abort = new AbortController();
  // One listener per reconnecting device's backoff sleep.
  setMaxListeners(0, abort.signal);
  const reconnectTimes: number[] = [];
  const attempts: number[] = [];
  const failedToReconnect: { clientId: string; reason: string }[] = [];
  let reconnectedToSecondary = 0;
  const survivors: ConnectedDevice[] = [];
  const reconnections = connected.map(async ({ identity, device }) => {
    await device.closed();
    try {
      const r = await connectWithBackoff(() => endpointOf(record.resolve()), identity, o.backoff, { timeoutMs: 10_000, signal: abort.signal });
      reconnectTimes.push(Date.now() - stoppedAt);
      attempts.push(r.attempts);
      if (r.endpoint.serverName === target(o.secondaryRegion).serverName) reconnectedToSecondary++;
      survivors.push(r.device);
    } catch (error) {
      failedToReconnect.push({ clientId: identity.clientId, reason: (error as Error).message });
    }
  });

  record.start();
  stoppedAt = Date.now();
  await dataPlane.setRegionAvailable(o.primaryRegion, false);
  o.log?.(`${o.primaryRegion}'s data plane stopped answering`);
  try {
    await Promise.all(reconnections);
  } finally {
    abort.abort();
    record.stop();
    await dataPlane.setRegionAvailable(o.primaryRegion, true);
    await Promise.all(survivors.map((d) => d.disconnect().catch(() => undefined)));
  }
  reconnectTimes.sort((a, b) => a - b);
  return {
    devices: o.devices.length,
    connectedToPrimary: connected.length,
    refusedAtStart,
    connectWallMs: Math.round(connectWallMs),
    connectionsPerSecond: Math.round((connected.length / connectWallMs) * 1000),
    flipAfterMs,
    reconnected: reconnectTimes.length,
    reconnectedToSecondary,
    failedToReconnect,
    reconnectMs: { p50: quantile(reconnectTimes, 0.5), p99: quantile(reconnectTimes, 0.99), max: reconnectTimes.at(-1) ?? 0 },
    reconnectAttempts: {
      mean: attempts.length === 0 ? 0 : Math.round((attempts.reduce((a, b) => a + b, 0) / attempts.length) * 10) / 10,
      max: Math.max(0, ...attempts),
    },
  };
}
