/**
 * The drift check's cost and speed against the emulator at scaled AWS quotas. A generated fleet
 * (lib/local/fleet.ts) is written to both regions at once with quotas off (the target's policy ARNs
 * rewritten, as a sync would), and a few differences are injected in the target. Then, with the emulator enforcing the default quotas × SCALE
 * and the adapter pacing at the same, `checkDrift` reads both regions and reports.
 *
 * - `calls`: IoT calls the check made, both regions (counted by the adapter's pacers);
 * - `callsPerDevice`: calls ÷ (devices × 2 regions): what reading one device in one region costs;
 * - `boundSeconds`: the time the quotas alone impose on those calls. Quotas are per region and per API,
 *   and the read runs every API of both regions side by side, so the bound is the slowest single
 *   (region, API): max over them of calls ÷ (default TPS × SCALE);
 * - `ratio` = wallSeconds ÷ boundSeconds (1 = the read is as fast as the quotas allow);
 * - `peakRssMb`: the largest resident set size sampled every 100 ms during the check (the whole process,
 *   so the emulator thread's copy of both regions is in it); `peakHeapMb`: the main thread's V8 heap
 *   alone, where the check runs;
 * - `policyCallsPerDevice`: of callsPerDevice, GetPolicy and ListTargetsForPolicy: the fleet has one
 *   policy per device, and AWS lists neither policy documents nor policy targets in bulk.
 *
 * The emulator runs in a worker thread so that it and the SDK clients use both cores, as a remote
 * service would. Usage: `npm run bench:drift -- [devices] [scale]` (default 10000 20). Prints one JSON
 * object as its last line.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createIotRegistry } from '../lib/aws/clients';
import { createDriftRegistry } from '../lib/aws/drift-listings';
import { checkDrift, memoryDriftStore } from '../lib/core/drift-read';
import { defaultIotTps } from '../lib/core/iot-quotas';
import { startEmulator } from '../lib/local/emulator';
import { buildFleet, deviceName, devicePolicyDocument, writeToBothRegions } from '../lib/local/fleet';

const ACCOUNT = '123456789012';
const SOURCE = 'us-east-1';
const TARGET = 'eu-west-1';
/** Per-item calls in flight per stream (BENCH_CONCURRENCY). */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function emulatorThread(): Promise<void> {
  const emulator = await startEmulator({ quotaScale: 0, accountId: ACCOUNT });
  parentPort?.postMessage({ url: emulator.url });
  parentPort?.on('message', async () => {
    await emulator.close();
    process.exit(0);
  });
}


async function admin(url: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}/_emulator/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  return response.json();
}

async function main(): Promise<void> {
  const devices = Number(process.argv[2] ?? 10_000);
  const scale = Number(process.argv[3] ?? 20);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // The worker loads this file through tsx's CommonJS hook and runs emulatorThread (see the bottom).
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, { eval: true, workerData: { emulator: true } });
  const url = await new Promise<string>((resolve) => worker.once('message', (m: { url: string }) => resolve(m.url)));
  const log = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);

  // Build both regions with quotas off: the setup is not what is measured.
  const unpaced = (region: string) => createIotRegistry({ region, endpoint: url, accountId: ACCOUNT, quotas: { scale: 0 } });
  const target = unpaced(TARGET);
  let t0 = Date.now();
  const fleet = await buildFleet(writeToBothRegions(unpaced(SOURCE), target), { devices, region: SOURCE, accountId: ACCOUNT, concurrency: 32 });
  const buildSeconds = (Date.now() - t0) / 1000;
  log(`built ${devices} devices in both regions in ${buildSeconds.toFixed(1)} s`);

  // A few differences: certificates deactivated, a thing changed, an extra thing, a policy detached and one edited.
  const injected = 6;
  for (const i of [5, 6]) await target.updateCertificateStatus(fleet.certificates.get(deviceName(i))![0]!.certificateId, 'INACTIVE');
  await target.updateThing({ name: deviceName(7), thingTypeName: 'sensor', attributes: { model: 'changed' } });
  await target.createThing({ name: 'stray-device', attributes: {} });
  await target.detachPolicy(`device-${deviceName(8)}`, { kind: 'certificate', certificateId: fleet.certificates.get(deviceName(8))![0]!.certificateId });
  await target.createPolicyVersion(`device-${deviceName(9)}`, devicePolicyDocument(TARGET, ACCOUNT, 'someone-else'));

  await admin(url, 'config', { quotaScale: scale });
  await admin(url, 'stats/reset', {});
  const paced = (region: string) => createDriftRegistry({ region, endpoint: url, accountId: ACCOUNT, quotas: { scale } });
  const s = paced(SOURCE);
  const t = paced(TARGET);
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  sample();
  const sampler = setInterval(sample, 100);
  t0 = performance.now();
  const report = await checkDrift({
    regions: { source: { reader: s.registry, listings: s.listings }, target: { reader: t.registry, listings: t.listings } },
    store: memoryDriftStore(),
    concurrency: CONCURRENCY,
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  sample();

  const byRegion: Record<string, Record<string, number>> = {};
  let calls = 0;
  let boundSeconds = 0;
  let boundBy = '';
  let throttles = 0;
  let policyCalls = 0;
  for (const registry of [s.registry, t.registry]) {
    const stats = registry.stats();
    byRegion[stats.region] = stats.quota.calls;
    policyCalls += (stats.quota.calls['GetPolicy'] ?? 0) + (stats.quota.calls['ListTargetsForPolicy'] ?? 0);
    throttles += Object.values(stats.quota.throttles).reduce((a, b) => a + b, 0);
    for (const [operation, n] of Object.entries(stats.quota.calls)) {
      calls += n;
      const seconds = n / (defaultIotTps(operation) * scale);
      if (seconds > boundSeconds) [boundSeconds, boundBy] = [seconds, `${stats.region} ${operation}`];
    }
  }
  const emulatorStats = (await admin(url, 'stats')) as { total: { requests: number; throttled: number } };
  worker.postMessage('stop');

  const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
  console.log(
    JSON.stringify({
      devices,
      quotaScale: scale,
      calls,
      callsPerDevice: round(calls / (devices * 2), 3),
      policyCallsPerDevice: round(policyCalls / (devices * 2), 3),
      callsByRegion: byRegion,
      wallSeconds: round(wallSeconds),
      boundSeconds: round(boundSeconds),
      boundBy,
      ratio: round(wallSeconds / boundSeconds, 3),
      peakRssMb: Math.round(peakRss / 2 ** 20),
      peakHeapMb: Math.round(peakHeap / 2 ** 20),
      throttles,
      emulatorRequests: emulatorStats.total.requests,
      emulatorThrottled: emulatorStats.total.throttled,
      differences: report.totals.differences,
      differencesInjected: injected,
      readiness: report.readiness,
      setupSeconds: round(buildSeconds, 1),
    }),
  );
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else if ((workerData as { emulator?: boolean }).emulator) {
  void emulatorThread();
}
