/**
 * bench:reconcile — the in-process streaming reconcile against the emulator at AWS's default quotas
 * scaled by BENCH_QUOTA_SCALE (default 3, see SCALE; the emulator and the adapter pace at the same scale), for a
 * generated fleet of BENCH_DEVICES devices (default 10,000: typed things with attributes, one certificate
 * each and a second one on every 20th, a shared group policy and a per-device policy, group
 * memberships) into an empty target; then an immediate second run on the converged fleet (which reads
 * through the drift read's lists first), and the drift read of the same fleet for comparison.
 * The reconcile runs with the command's defaults; BENCH_PAGE_SIZE, BENCH_PAGES_IN_FLIGHT and
 * BENCH_CONCURRENCY override them (and the inputs say so).
 * BENCH_CHAOS=1 (`bench:reconcile-chaos`) adds 10 % throttling beyond the quotas and 2 % injected 5xx to
 * both runs (not to the drift read).
 *
 * The emulator runs in a worker thread so that its CPU does not slow the client's (2 cores here).
 * BENCH_TRACE=1 prints the calls of the slowest APIs every BENCH_TRACE_MS (2000) to stderr: a flat line
 * is an API left idle. Prints one JSON object as its last line.
 */
import '../lib/local/polyfills';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { createIotRegistry } from '../lib/aws/clients';
import { createDriftRegistry } from '../lib/aws/drift-listings';
import { checkDrift, memoryDriftStore } from '../lib/core/drift-read';
import type { IotRegistry } from '../lib/aws/iot-registry';
import { silentLogger } from '../lib/core/logger';
import { diff } from '../lib/core/diff';
import { readAll } from '../lib/core/scope';
import { mapWithConcurrency } from '../lib/core/concurrency';
import { runReconcile, type ReconcileRunResult } from '../lib/core/reconcile';
import { defaultTps, startEmulator, type EmulatorOptions, type EmulatorStats, type RunningEmulator } from '../lib/local/emulator';
import { buildFleet } from '../lib/local/fleet';
import { LocalCertificateAuthority } from '../lib/local/certificates';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 10_000);
// ×3, not ×20: at ×20 the bound of 10,000 devices is ~55 s, which would need ~3,000 SDK calls/s from
// one Node thread; the client tops out near 700/s here (bench:emulator), so the run would measure this
// machine's CPU, not the quotas. At ×3 the quotas bind (bound ~350 s, ~500 calls/s).
const SCALE = Number(process.env.BENCH_QUOTA_SCALE ?? 3);
const CHAOS = process.env.BENCH_CHAOS === '1';
// BENCH_RERUN=0 skips the re-run and the drift read (a 10,000-device run at quota ×1 takes ~17 min each).
const RERUN = process.env.BENCH_RERUN !== '0';
// The command's defaults unless set: a run with other settings says so in its inputs.
const PAGES_IN_FLIGHT = process.env.BENCH_PAGES_IN_FLIGHT === undefined ? undefined : Number(process.env.BENCH_PAGES_IN_FLIGHT);
const PAGE_SIZE = process.env.BENCH_PAGE_SIZE === undefined ? undefined : Number(process.env.BENCH_PAGE_SIZE);
const CONCURRENCY = process.env.BENCH_CONCURRENCY === undefined ? undefined : Number(process.env.BENCH_CONCURRENCY);
const SOURCE = 'us-east-1';
const TARGET = 'eu-west-1';
const ACCOUNT = '123456789012';

type Request =
  | { id: number; op: 'configure'; changes: Partial<EmulatorOptions> }
  | { id: number; op: 'stats' | 'resetStats' | 'close' };

/** The emulator, in this worker thread, driven by messages. */
async function serveEmulator(): Promise<void> {
  const emulator: RunningEmulator = await startEmulator({ quotaScale: 0, accountId: ACCOUNT, seed: 7 });
  parentPort!.postMessage({ url: emulator.url });
  parentPort!.on('message', async (m: Request) => {
    if (m.op === 'configure') emulator.configure(m.changes as never);
    if (m.op === 'resetStats') emulator.resetStats();
    if (m.op === 'close') await emulator.close();
    parentPort!.postMessage({ id: m.id, result: m.op === 'stats' ? emulator.stats() : null });
  });
}

/** The main thread's handle on the emulator worker. */
class EmulatorWorker {
  private next = 0;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private constructor(private readonly worker: Worker, readonly url: string) {
    worker.on('message', (m: { id?: number; result?: unknown }) => {
      if (m.id !== undefined) this.pending.get(m.id)?.(m.result);
    });
  }
  static async start(): Promise<EmulatorWorker> {
    const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, { eval: true });
    const url = await new Promise<string>((resolve, reject) => {
      worker.once('message', (m: { url: string }) => resolve(m.url));
      worker.once('error', reject);
    });
    return new EmulatorWorker(worker, url);
  }
  private call(request: Omit<Request, 'id'>): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ ...request, id });
    });
  }
  configure(changes: Partial<EmulatorOptions>) {
    return this.call({ op: 'configure', changes } as Omit<Request, 'id'>);
  }
  stats() {
    return this.call({ op: 'stats' }) as Promise<EmulatorStats>;
  }
  resetStats() {
    return this.call({ op: 'resetStats' });
  }
  async close() {
    await this.call({ op: 'close' });
    await this.worker.terminate();
  }
}

const isWrite = (operation: string) => !/^(Describe|List|Get)/.test(operation);

/**
 * The time the quotas alone impose on the calls a run made: for each (operation, region), calls ÷
 * (default TPS × scale). Operations and regions have separate quotas and the run keeps them busy at
 * the same time, so the bound is the largest of these, not their sum: no schedule can finish before
 * its busiest quota has served its calls.
 */
function boundOf(stats: EmulatorStats): { seconds: number; by: string } {
  let seconds = 0;
  let by = '';
  for (const [region, ops] of Object.entries(stats.byRegion)) {
    for (const [op, counts] of Object.entries(ops)) {
      const s = counts.requests / (defaultTps(op) * SCALE);
      if (s > seconds) {
        seconds = s;
        by = `${region} ${op}`;
      }
    }
  }
  return { seconds, by };
}

function callsByOperation(stats: EmulatorStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [region, ops] of Object.entries(stats.byRegion)) {
    for (const [op, counts] of Object.entries(ops)) if (counts.requests > 0) out[`${region} ${op}`] = counts.requests;
  }
  return out;
}

function sum(stats: EmulatorStats, pick: (op: string, region: string) => boolean, field: 'requests' | 'throttled' | 'faulted' = 'requests'): number {
  let n = 0;
  for (const [region, ops] of Object.entries(stats.byRegion)) for (const [op, c] of Object.entries(ops)) if (pick(op, region)) n += c[field];
  return n;
}

async function main(): Promise<void> {
  const emulator = await EmulatorWorker.start();
  try {
    const registry = (region: string, scale: number): IotRegistry =>
      createIotRegistry({ region, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale }, logger: silentLogger });

    // The source, built fast with quotas off; every 20th device gets a second certificate (a rotation).
    const builder = registry(SOURCE, 0);
    const fleet = await buildFleet(builder, { devices: DEVICES, region: SOURCE, accountId: ACCOUNT, concurrency: 32 });
    const ca = await LocalCertificateAuthority.create();
    const rotated = fleet.thingNames.filter((_, i) => i % 20 === 19);
    await mapWithConcurrency(rotated, 32, async (name) => {
      const cert = await ca.issue(`${name}-rotation`);
      await builder.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
      await builder.attachPolicy(`device-${name}`, { kind: 'certificate', certificateId: cert.certificateId });
      await builder.attachThingPrincipal(name, cert.certificateId, 'NON_EXCLUSIVE_THING');
    });

    await emulator.configure({ quotaScale: Number(process.env.BENCH_EMULATOR_SCALE ?? SCALE), ...(CHAOS ? { throttleRate: 0.1, faultRate: 0.02 } : {}) });
    // Registries with the drift read's listings (as the command builds them): a re-run reads through the lists first.
    const sourcePair = createDriftRegistry({ region: SOURCE, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: SCALE }, logger: silentLogger });
    const targetPair = createDriftRegistry({ region: TARGET, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: SCALE }, logger: silentLogger });
    const [source, target] = [sourcePair.registry, targetPair.registry];
    let peakHeapBytes = 0;
    const run = async (): Promise<{ result: ReconcileRunResult; seconds: number; stats: EmulatorStats; stages: Record<string, number> }> => {
      const stages: Record<string, number> = {};
      await emulator.resetStats();
      const started = performance.now();
      const heap = setInterval(() => (peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed)), 500);
      const trace = process.env.BENCH_TRACE === '1' ? setInterval(() => {
        void emulator.stats().then((st) => {
          const c = callsByOperation(st);
          const line = Object.entries(c).map(([k, n]) => `${k.startsWith(TARGET) ? 't:' : 's:'}${k.split(' ')[1]}=${n}`).join(' ');
          process.stderr.write(`${((performance.now() - started) / 1000).toFixed(2)}s thr=${sum(st, () => true, 'throttled')} ${line}\n`);
        });
      }, Number(process.env.BENCH_TRACE_MS ?? 2000)) : undefined;
      const result = await runReconcile(source, { reader: target, writer: target }, PAGE_SIZE === undefined ? {} : { pageSize: PAGE_SIZE }, {
        ...(PAGES_IN_FLIGHT === undefined ? {} : { pagesInFlight: PAGES_IN_FLIGHT }),
        ...(CONCURRENCY === undefined ? {} : { concurrency: CONCURRENCY }),
        logger: silentLogger,
        listings: { source: sourcePair.listings, target: targetPair.listings },
        // When each stage was first reached (seconds from the start): where the time goes.
        onProgress: (p) => (stages[p.stage] ??= Number(((performance.now() - started) / 1000).toFixed(2))),
      });
      const seconds = (performance.now() - started) / 1000;
      if (trace) clearInterval(trace);
      clearInterval(heap);
      return { result, seconds, stats: await emulator.stats(), stages };
    };

    const first = await run();
    if (!RERUN) await emulator.configure({ quotaScale: 0, throttleRate: 0, faultRate: 0 });
    const second = RERUN ? await run() : undefined;

    // The drift read of the same converged fleet, for the re-run's calls to compare with.
    await emulator.resetStats();
    await emulator.configure({ throttleRate: 0, faultRate: 0 });
    const driftStarted = performance.now();
    const drift = !RERUN ? undefined : await checkDrift({
      regions: { source: { reader: source, listings: sourcePair.listings }, target: { reader: target, listings: targetPair.listings } },
      store: memoryDriftStore(),
    });
    const driftSeconds = (performance.now() - driftStarted) / 1000;
    const driftStats = await emulator.stats();

    // Verification with quotas and faults off: both regions read whole and compared.
    await emulator.configure({ quotaScale: 0, throttleRate: 0, faultRate: 0 });
    const [a, b] = await Promise.all([readAll(registry(SOURCE, 0)), readAll(registry(TARGET, 0))]);
    const differences = diff(a, b, { sourceRegion: SOURCE, targetRegion: TARGET });

    const bound = boundOf(first.stats);
    console.log(
      JSON.stringify({
        benchmark: 'reconcile',
        inputs: { rerun: RERUN, devices: DEVICES, devicesWithTwoCertificates: rotated.length + 1, quotaScale: SCALE, chaos: CHAOS ? { throttleRate: 0.1, faultRate: 0.02 } : null, settings: PAGE_SIZE === undefined && PAGES_IN_FLIGHT === undefined && CONCURRENCY === undefined ? "the command's defaults" : { pageSize: PAGE_SIZE ?? 'default', pagesInFlight: PAGES_IN_FLIGHT ?? 'default', concurrency: CONCURRENCY ?? 'default' } },
        devices: DEVICES,
        wallSeconds: Number(first.seconds.toFixed(2)),
        boundSeconds: Number(bound.seconds.toFixed(2)),
        boundBy: bound.by,
        ratio: Number((first.seconds / bound.seconds).toFixed(3)),
        stageReachedAtSeconds: first.stages,
        goal: { ratio: CHAOS ? 1.3 : DEVICES <= 60 ? 1.5 : DEVICES <= 300 ? 1.25 : 1.1, failedItems: 0, rerunWrites: 0, differencesAfter: 0 },
        done: first.result.done,
        failedItems: first.result.totals.failed,
        failures: first.result.totals.failures.slice(0, 5),
        totals: { ...first.result.totals, failures: undefined },
        throttled: sum(first.stats, () => true, 'throttled'),
        throttledByOperation: Object.fromEntries(Object.entries(callsByOperation(first.stats)).flatMap(([k]) => {
          const [region, op] = k.split(' ') as [string, string];
          const t = first.stats.byRegion[region]?.[op]?.throttled ?? 0;
          return t > 0 ? [[k, t]] : [];
        })),
        pacing: { source: source.stats().quota.currentTps, target: target.stats().quota.currentTps },
        decreases: { source: source.stats().quota.decreases, target: target.stats().quota.decreases },
        faulted: sum(first.stats, () => true, 'faulted'),
        callsByOperation: callsByOperation(first.stats),
        peakHeapMB: Math.round(peakHeapBytes / 2 ** 20),
        ...(second === undefined || drift === undefined
          ? { rerun: 'skipped (BENCH_RERUN=0)' }
          : {
        rerunWallSeconds: Number(second.seconds.toFixed(2)),
        rerunFailedItems: second.result.totals.failed,
        rerunWrites: sum(second.stats, (op, region) => region === TARGET && isWrite(op)),
        rerunReadPath: second.result.readPath,
        rerunCalls: sum(second.stats, () => true),
        rerunCallsPerDevice: Number((sum(second.stats, () => true) / DEVICES).toFixed(2)),
        rerunCallsByOperation: callsByOperation(second.stats),
        driftRead: { seconds: Number(driftSeconds.toFixed(2)), calls: sum(driftStats, () => true), callsPerDevice: Number((sum(driftStats, () => true) / DEVICES).toFixed(2)), inSync: drift.inSync, callsByOperation: callsByOperation(driftStats) },
            }),
        differencesAfter: differences.length,
        differenceSample: differences.slice(0, 3).map((d) => ({ kind: d.kind, key: d.key, change: d.change })),
      }),
    );
  } finally {
    await emulator.close();
  }
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
} else {
  serveEmulator().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
