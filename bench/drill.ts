/**
 * The failover drill at scale: DEVICES devices (default 1000) registered in both regions connect to the
 * primary's data plane through a local failover record; the primary's data plane stops; the record's
 * health check (a canary device, INTERVAL ms, THRESHOLD failures) flips it; every device reconnects
 * with capped exponential backoff and full jitter.
 *
 * - `connectionsPerSecond`: initial connections (TLS with client certificates + MQTT CONNECT, each
 *   authorized against the registry) per second at CONCURRENCY;
 * - `reconnectMs`: from the stop to each device's CONNACK from the secondary (p50, p99, max);
 * - `boundMs`: the health check alone: interval × threshold, before which no device can reconnect;
 *   `ratio` = reconnect p99 ÷ boundMs;
 * - `calls`: control-plane calls by operation to build the fleet (both regions).
 *
 * The emulator (and its data plane) runs in a worker thread, so its side of every TLS handshake does
 * not compete with the devices' on one thread (BENCH_SAME_THREAD=1 keeps both in one). Usage:
 * `npm run bench:drill -- [devices] [concurrency]`. Prints one JSON line.
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { AttachPolicyCommand, AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { startEmulator, type EmulatorStats } from '../lib/local/emulator';
import { createDrillFleet, emulatorDataPlane, runFailoverDrill, type DrillDataPlane } from '../lib/local/failover-drill';

const ACCOUNT = '123456789012';
const PRIMARY = 'us-east-1';
const SECONDARY = 'eu-west-1';
const DEVICES = Number(process.argv[2] ?? 1000);
const CONCURRENCY = Number(process.argv[3] ?? 50);
const HEALTH = { intervalMs: Number(process.env.INTERVAL ?? 200), failureThreshold: Number(process.env.THRESHOLD ?? 3) };
const BACKOFF = { baseMs: 100, capMs: 2000, maxAttempts: 50 };

type ToWorker = { type: 'available'; region: string; available: boolean; id: number } | { type: 'close' };

async function emulatorThread(): Promise<void> {
  const emulator = await startEmulator({ quotaScale: 0, accountId: ACCOUNT, mqtt: { port: 0 } });
  parentPort?.postMessage({ url: emulator.url, mqttUrl: emulator.dataPlane!.url, caCertificatePem: emulator.caCertificatePem });
  parentPort?.on('message', async (m: ToWorker) => {
    if (m.type === 'available') {
      emulator.dataPlane!.setRegionAvailable(m.region, m.available);
      parentPort?.postMessage({ ack: m.id });
    } else {
      await emulator.close();
      process.exit(0);
    }
  });
}

/** The emulator in a worker thread (or in this one): its URL, its data plane, and how to stop it. */
async function emulatorSomewhere(): Promise<{ url: string; dataPlane: DrillDataPlane; close(): Promise<void> }> {
  if (process.env.BENCH_SAME_THREAD === '1') {
    const emulator = await startEmulator({ quotaScale: 0, accountId: ACCOUNT, mqtt: { port: 0 } });
    return { url: emulator.url, dataPlane: emulatorDataPlane(emulator), close: () => emulator.close() };
  }
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, { eval: true });
  const ready = await new Promise<{ url: string; mqttUrl: string; caCertificatePem: string }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  let next = 0;
  const acks = new Map<number, () => void>();
  worker.on('message', (m: { ack?: number }) => {
    if (m.ack !== undefined) acks.get(m.ack)?.();
  });
  return {
    url: ready.url,
    dataPlane: {
      url: ready.mqttUrl,
      caCertificatePem: ready.caCertificatePem,
      setRegionAvailable: (region, available) =>
        new Promise<void>((resolve) => {
          const id = next++;
          acks.set(id, resolve);
          worker.postMessage({ type: 'available', region, available, id } satisfies ToWorker);
        }),
    },
    close: async () => {
      worker.postMessage({ type: 'close' } satisfies ToWorker);
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const emulator = await emulatorSomewhere();
  const client = (region: string) => new IoTClient({ endpoint: emulator.url, region, credentials: { accessKeyId: 'l', secretAccessKey: 'l' }, maxAttempts: 1 });
  const primary = client(PRIMARY);
  const secondary = client(SECONDARY);
  try {
    const devices = await createDrillFleet({ primary: { client: primary, region: PRIMARY }, secondary: { client: secondary, region: SECONDARY } }, ACCOUNT, 'bench', DEVICES, 16);
    const canary = await primary.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await primary.send(new CreateThingCommand({ thingName: 'canary' }));
    await primary.send(new AttachThingPrincipalCommand({ thingName: 'canary', principal: canary.certificateArn! }));
    await primary.send(new AttachPolicyCommand({ policyName: 'bench-connect', target: canary.certificateArn! }));
    const fleetSeconds = (performance.now() - started) / 1000;
    const stats = (await (await fetch(`${emulator.url}/_emulator/stats`)).json()) as EmulatorStats;
    const calls: Record<string, number> = {};
    for (const byOp of Object.values(stats.byRegion)) for (const [op, c] of Object.entries(byOp)) calls[op] = (calls[op] ?? 0) + c.requests;

    const result = await runFailoverDrill({
      dataPlane: emulator.dataPlane,
      accountId: ACCOUNT,
      primaryRegion: PRIMARY,
      secondaryRegion: SECONDARY,
      devices,
      canary: { clientId: 'canary', certificatePem: canary.certificatePem!, privateKeyPem: canary.keyPair!.PrivateKey! },
      health: HEALTH,
      backoff: BACKOFF,
      concurrency: CONCURRENCY,
    });
    const boundMs = HEALTH.intervalMs * HEALTH.failureThreshold;
    console.log(
      JSON.stringify({
        benchmark: 'drill',
        emulatorThread: process.env.BENCH_SAME_THREAD === '1' ? 'same' : 'worker',
        devices: DEVICES,
        concurrency: CONCURRENCY,
        health: HEALTH,
        backoff: BACKOFF,
        fleetBuildSeconds: Number(fleetSeconds.toFixed(1)),
        calls,
        connectedToPrimary: result.connectedToPrimary,
        refused: result.refusedAtStart,
        connectWallMs: result.connectWallMs,
        connectionsPerSecond: result.connectionsPerSecond,
        flipAfterMs: result.flipAfterMs,
        reconnected: result.reconnected,
        reconnectedToSecondary: result.reconnectedToSecondary,
        failedToReconnect: result.failedToReconnect.length,
        reconnectMs: result.reconnectMs,
        reconnectAttempts: result.reconnectAttempts,
        boundMs,
        ratio: Number((result.reconnectMs.p99 / boundMs).toFixed(2)),
        wallSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      }),
    );
  } finally {
    primary.destroy();
    secondary.destroy();
    await emulator.close();
  }
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
(isMainThread ? main() : emulatorThread()).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
