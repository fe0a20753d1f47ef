/**
 * Throughput of the IoT emulator through the real SDK client with quotas off: a mix of DescribeThing
 * (80%) and CreateThing (20%) calls, several in flight per client over keep-alive connections.
 *
 * The SDK costs several times more CPU per call than the emulator does, so the clients run in worker
 * threads (BENCH_CLIENT_THREADS, default 2) and the emulator in the main thread: all cores are used, as
 * separate client processes would use them. Prints one JSON object as its last line.
 */
import { Agent } from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { CreateThingCommand, DescribeThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { startEmulator } from '../lib/local/emulator';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 30_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const CLIENT_THREADS = Number(process.env.BENCH_CLIENT_THREADS ?? 2);
const SEED_THINGS = 200;

interface ClientJob {
  url: string;
  thread: number;
  requests: number;
  concurrency: number;
}

function newClient(url: string, sockets: number): IoTClient {
  return new IoTClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: sockets }) },
  });
}

/** One client thread: waits for "go", runs its share of the mix, reports its failures. */
async function runClient(job: ClientJob): Promise<void> {
  const client = newClient(job.url, job.concurrency);
  for (let i = 0; i < 50; i++) await client.send(new DescribeThingCommand({ thingName: 'seed-0' })); // warm up
  const go = new Promise<void>((resolve) => parentPort?.once('message', () => resolve()));
  parentPort?.postMessage({ ready: true });
  await go;
  let next = 0;
  let failures = 0;
  const loop = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= job.requests) return;
      try {
        if (i % 5 === 0) await client.send(new CreateThingCommand({ thingName: `bench-${job.thread}-${i}` }));
        else await client.send(new DescribeThingCommand({ thingName: `seed-${i % SEED_THINGS}` }));
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, loop));
  client.destroy();
  parentPort?.postMessage({ failures });
}

async function main(): Promise<void> {
  const emulator = await startEmulator({ quotaScale: 0 });
  const seeder = newClient(emulator.url, 4);
  for (let i = 0; i < SEED_THINGS; i++) {
    await seeder.send(new CreateThingCommand({ thingName: `seed-${i}`, attributePayload: { attributes: { n: String(i) } } }));
  }
  seeder.destroy();
  const perThread = Math.ceil(REQUESTS / CLIENT_THREADS);
  const workers = Array.from({ length: CLIENT_THREADS }, (_, thread) => {
    const job: ClientJob = { url: emulator.url, thread, requests: perThread, concurrency: Math.ceil(CONCURRENCY / CLIENT_THREADS) };
    // Each worker loads this file through tsx's CommonJS hook and runs runClient (see the bottom).
    return new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, { eval: true, workerData: job });
  });
  // The clock starts once every client has warmed up and said it is ready.
  await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
  })));
  const done = workers.map((w) => new Promise<{ failures: number }>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  }));
  const started = performance.now();
  for (const w of workers) w.postMessage('go');
  const results = await Promise.all(done);
  const wallSeconds = (performance.now() - started) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  const stats = emulator.stats();
  await emulator.close();
  const requests = perThread * CLIENT_THREADS;
  console.log(
    JSON.stringify({
      benchmark: 'emulator',
      mix: { DescribeThing: 0.8, CreateThing: 0.2 },
      requests,
      concurrency: Math.ceil(CONCURRENCY / CLIENT_THREADS) * CLIENT_THREADS,
      clientThreads: CLIENT_THREADS,
      quotaScale: 0,
      failures: results.reduce((n, r) => n + r.failures, 0),
      serverRequestsCounted: stats.total.requests,
      wallSeconds: Number(wallSeconds.toFixed(3)),
      requestsPerSecond: Math.round(requests / wallSeconds),
    }),
  );
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  runClient(workerData as ClientJob).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
