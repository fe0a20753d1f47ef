/**
 * bench:sync — event-to-converged latency of the sync state machine, our own overhead: a generated
 * fleet's change events each run through statemachine/sync.asl.json with the real handlers against
 * the emulator (no emulated latency, quotas off), one at a time. Prints one JSON object.
 */
import '../lib/local/polyfills';
import { createIotRegistry } from '../lib/aws/clients';
import { silentLogger } from '../lib/core/logger';
import { startEmulator } from '../lib/local/emulator';
import { LocalEventBus } from '../lib/local/event-bus';
import { buildFleet } from '../lib/local/fleet';
import { LocalSyncRunner } from '../lib/local/sync-runner';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100);

async function main(): Promise<void> {
  const emulator = await startEmulator({ quotaScale: 0, registryEvents: 'all' });
  try {
    const registry = (region: string) => createIotRegistry({ region, endpoint: emulator.url, accountId: '123456789012', quotas: { scale: 0 }, logger: silentLogger });
    const source = registry('us-east-1');
    const target = registry('eu-west-1');
    const bus = new LocalEventBus('us-east-1');
    emulator.events.subscribe(bus.listener);
    await buildFleet(source, { devices: DEVICES, region: 'us-east-1', accountId: '123456789012' });
    await emulator.events.flush();
    const events = bus.take();
    const runner = new LocalSyncRunner({ source, target, deleteMode: 'retain', logger: silentLogger }, { retryIntervalMs: 0 });
    emulator.resetStats();
    const latencies: number[] = [];
    let transitions = 0;
    let failed = 0;
    const started = Date.now();
    for (const event of events) {
      const run = await runner.run(event);
      latencies.push(run.durationMs);
      transitions += run.stateTransitions;
      if (run.status === 'FAILED') failed += 1;
    }
    const wallSeconds = (Date.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
    const callsPerEvent: Record<string, number> = {};
    let calls = 0;
    for (const [region, ops] of Object.entries(emulator.stats().byRegion)) {
      for (const [op, counts] of Object.entries(ops)) {
        if (counts.requests === 0) continue;
        calls += counts.requests;
        callsPerEvent[`${region} ${op}`] = Number((counts.requests / events.length).toFixed(3));
      }
    }
    console.log(
      JSON.stringify({
        benchmark: 'sync',
        inputs: { devices: DEVICES, events: events.length, quotas: 'off', emulatedLatencyMs: 0, concurrency: 1 },
        wallSeconds: Number(wallSeconds.toFixed(2)),
        latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: latencies[latencies.length - 1] ?? 0 },
        goal: { p99Ms: 100 },
        failedExecutions: failed,
        stateTransitionsPerEvent: Number((transitions / events.length).toFixed(2)),
        callsPerEvent: Number((calls / events.length).toFixed(2)),
        callsPerEventByOperation: callsPerEvent,
      }),
    );
  } finally {
    await emulator.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
