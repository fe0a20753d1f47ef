/**
 * The drift job's peak memory as the fleet grows. Each size runs in its own child process (so one size's
 * garbage is not the next one's peak) and prints one JSON line.
 *
 * How the fleet is built and read: no emulator. Each region is a generated registry (below) that answers
 * the drift read's listings from the device index alone — nothing is held per device — with the shape of
 * lib/local/fleet.ts: per device a thing (type, three attributes, one floor group), one ACTIVE certificate
 * (ID = SHA-256 of the name), a per-device policy attached to it; nested static groups, a shared policy on
 * the site groups. The target is the same fleet with region-rewritten policies and three differences (a
 * certificate INACTIVE, a thing's attribute changed, an extra thing). The chunk results go to a directory
 * store on disk (as DriftReadChunk writes them to S3), so the heap holds only what the code under test
 * holds. The run is what the deployed job does: every chunk of every stream (readDriftRun), then what
 * DriftFinish does (the report one keyed partition at a time, its JSON and HTML). `BENCH_FINISH=whole`
 * measures the former finish instead (both whole snapshots assembled, then compared).
 *
 * Measured: `peakRssMb`, the process's resident-memory high-water mark (getrusage maxRSS: it sees peaks
 * inside synchronous code, which a sampling timer cannot; Lambda's "Max Memory Used" is the same kind of
 * figure) at the start, after the read and after the finish. RSS counts garbage V8 has not collected yet,
 * and V8 collects lazily under a large limit, so the figure that bounds what a run needs is the smallest
 * heap limit it completes under: `BENCH_HEAP_MB` (default 8192, so that a finish that needs more than a
 * Lambda has is measured rather than killed; a run over its limit dies with "heap out of memory"). `calls` are the
 * registry calls of both regions; `floorCalls` is the least AWS's APIs allow for this fleet's shape:
 * per region one ListThingPrincipals per thing (no bulk listing of attachments), GetPolicy and
 * ListTargetsForPolicy per policy (no bulk listing of documents or targets), one page of 250 per 250
 * things, certificates and policy names, one member listing page per 250 members of each static group
 * (an empty group's too), and one call for each small kind.
 *
 * Usage: `npm run bench:drift-memory -- [devices...]` (default 10000 100000); `BENCH_FINISH=whole` as above.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildDriftReport, type DriftReport } from '../lib/core/drift';
import { buildPartitionedDriftReport, defaultPartitions } from '../lib/core/drift-partition';
import { loadDriftSnapshots, readDriftRun, type DriftListings, type DriftStore, type ThingSummary } from '../lib/core/drift-read';
import type { CertificateSummary, Page, RegistryReader } from '../lib/core/port';
import type { IndexingConfiguration, Policy, PolicyTarget, ThingGroup, ThingPrincipalAttachment } from '../lib/core/model';
import { accountRewrite, rewritePolicyDocument } from '../lib/core/policy-document';
import { deviceName, devicePolicyDocument, sharedPolicyDocument } from '../lib/local/fleet';
import { formatHtml, formatJson } from '../lib/report';

const ACCOUNT = '123456789012';
const SOURCE = 'us-east-1';
const TARGET = 'eu-west-1';
const PAGE = 250;
const SITES = ['site-north', 'site-south'];
const GROUPS: ThingGroup[] = SITES.flatMap((site) => [
  { kind: 'static' as const, name: site, attributes: {} },
  ...[1, 2].flatMap((b) => [
    { kind: 'static' as const, name: `${site}-b${b}`, parentName: site, attributes: {} },
    ...[1, 2].map((f) => ({ kind: 'static' as const, name: `${site}-b${b}-f${f}`, parentName: `${site}-b${b}`, attributes: {} })),
  ]),
]);
const FLOORS = GROUPS.filter((g) => /-f\d$/.test(g.name)).map((g) => g.name);
const SHARED = 'fleet-shared';
/** `partitioned` (what DriftFinish runs) or `whole` (the former assembly of both snapshots, for comparison): BENCH_FINISH. */
const FINISH = process.env.BENCH_FINISH === 'whole' ? 'whole' : 'partitioned';
/** V8's old-space limit of each measuring process (BENCH_HEAP_MB): a run that completes under a small cap needs no more. */
const HEAP_MB = Number(process.env.BENCH_HEAP_MB ?? 8192);
/** Partitions of the partitioned finish (BENCH_PARTITIONS; default DriftFinish's, defaultPartitions). */
const PARTITIONS = process.env.BENCH_PARTITIONS === undefined ? undefined : Number(process.env.BENCH_PARTITIONS);

/** A directory as the drift store (S3 in the deployed job): bodies on disk, not on the heap. */
function directoryStore(root: string): DriftStore {
  const file = (key: string) => join(root, key);
  return {
    async put(key, body) {
      mkdirSync(dirname(file(key)), { recursive: true });
      writeFileSync(file(key), body);
    },
    async get(key) {
      return existsSync(file(key)) ? readFileSync(file(key), 'utf8') : undefined;
    },
    async list(prefix) {
      const walk = (dir: string): string[] =>
        existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])) : [];
      return walk(root)
        .map((f) => f.slice(root.length + 1))
        .filter((k) => k.startsWith(prefix))
        .sort();
    },
  };
}

const certificateIdOf = (thingName: string) => createHash('sha256').update(thingName).digest('hex');

/** One region of the generated fleet: answers from the device index, counting calls by operation. */
function generatedRegion(region: string, devices: number, differs: boolean, calls: Record<string, number>) {
  const count = (operation: string) => {
    calls[operation] = (calls[operation] ?? 0) + 1;
  };
  const thingCount = devices + (differs ? 1 : 0);
  const thingAt = (i: number): ThingSummary =>
    i === devices
      ? { name: 'stray-device', attributes: {} }
      : {
          name: deviceName(i),
          thingTypeName: i % 10 === 0 ? 'gateway' : 'sensor',
          attributes: { model: differs && i === 7 ? 'changed' : `m-${i % 4}`, firmware: `1.${i % 3}.0`, battery: i % 9 === 0 ? 'low' : 'ok' },
        };
  const pageOf = <T>(total: number, at: (i: number) => T, token: string | undefined): Page<T> => {
    const start = token === undefined ? 0 : Number(token);
    const end = Math.min(total, start + PAGE);
    const items = Array.from({ length: end - start }, (_, k) => at(start + k));
    return end < total ? { items, nextToken: String(end) } : { items };
  };
  const policyDocument = (name: string) => {
    const document = name === SHARED ? sharedPolicyDocument(SOURCE, ACCOUNT) : devicePolicyDocument(SOURCE, ACCOUNT, name.slice('device-'.length));
    return region === SOURCE ? document : rewritePolicyDocument(document, SOURCE, region).document;
  };
  const indexOfDevice = (name: string) => Number(name.slice('device-'.length));
  const listings: DriftListings = {
    async listThings(token) {
      count('ListThings');
      return pageOf(thingCount, thingAt, token);
    },
    async listCertificates(token) {
      count('ListCertificates');
      return pageOf<CertificateSummary>(devices, (i) => ({ certificateId: certificateIdOf(deviceName(i)), status: differs && i === 5 ? 'INACTIVE' : 'ACTIVE' }), token);
    },
    async listPolicyNames(token) {
      count('ListPolicies');
      return pageOf(devices + 1, (i) => (i === devices ? SHARED : `device-${deviceName(i)}`), token);
    },
    async listBillingGroupNames() {
      count('ListBillingGroups');
      return [];
    },
    async listThingNamesInBillingGroup() {
      count('ListThingsInBillingGroup');
      return { items: [] };
    },
  };
  // Only what the drift read calls; the rest of the port is never reached (a call would throw).
  const reader: Partial<RegistryReader> = {
    region,
    accountId: ACCOUNT,
    async *listThingTypes() {
      count('ListThingTypes');
      yield { name: 'gateway', searchableAttributes: [], deprecated: false };
      yield { name: 'sensor', searchableAttributes: [], deprecated: false };
    },
    async *listCaCertificates() {
      count('ListCACertificates');
    },
    async *listThingGroups() {
      count('ListThingGroups');
      yield* GROUPS;
    },
    async *listProvisioningTemplates() {
      count('ListProvisioningTemplates');
    },
    async *listRoleAliases() {
      count('ListRoleAliases');
    },
    async getIndexingConfiguration(): Promise<IndexingConfiguration> {
      count('GetIndexingConfiguration');
      return { thingIndexingMode: 'OFF', thingConnectivityIndexingMode: 'OFF', deviceDefenderIndexingMode: 'OFF', namedShadowIndexingMode: 'OFF', customFields: [], namedShadowNames: [], thingGroupIndexingMode: 'OFF', thingGroupCustomFields: [] };
    },
    async listThingNamesInGroup(groupName, token) {
      count('ListThingsInThingGroup');
      const floor = FLOORS.indexOf(groupName);
      if (floor < 0) return { items: [] };
      const members = Math.ceil((devices - floor) / FLOORS.length);
      return pageOf(members, (k) => deviceName(floor + k * FLOORS.length), token);
    },
    async listThingPrincipals(thingName): Promise<ThingPrincipalAttachment[]> {
      count('ListThingPrincipalsV2');
      return thingName === 'stray-device' ? [] : [{ thingName, certificateId: certificateIdOf(thingName), type: 'NON_EXCLUSIVE_THING' }];
    },
    async getPolicy(name): Promise<Policy | undefined> {
      count('GetPolicy');
      return { name, document: policyDocument(name) };
    },
    async listPolicyTargets(name): Promise<PolicyTarget[]> {
      count('ListTargetsForPolicy');
      if (name === SHARED) return SITES.map((groupName) => ({ kind: 'thingGroup' as const, groupName }));
      return [{ kind: 'certificate', certificateId: certificateIdOf(deviceName(indexOfDevice(name.slice('device-'.length)))) }];
    },
  };
  return { reader: reader as RegistryReader, listings };
}

/** The floor of calls for this fleet's shape in one region (see the header). */
function floorCalls(devices: number, things: number, policies: number): number {
  const pages = (n: number) => Math.max(1, Math.ceil(n / PAGE));
  // Every static group's member listing, an empty group's too (nothing else says it is empty).
  const members = GROUPS.reduce((n, g) => n + pages(FLOORS.includes(g.name) ? Math.ceil((devices - FLOORS.indexOf(g.name)) / FLOORS.length) : 0), 0);
  const small = 7; // thing types, CAs, groups, billing groups, templates, role aliases, indexing: one call each
  return things + 2 * policies + pages(things) + pages(devices) + pages(policies) + members + small;
}

async function measure(devices: number): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'drift-memory-'));
  const calls: Record<string, number> = {};
  const regions = { source: generatedRegion(SOURCE, devices, false, calls), target: generatedRegion(TARGET, devices, true, calls) };
  const store = directoryStore(root);
  // The process's high-water mark of resident memory, kept by the OS: it sees peaks inside synchronous code,
  // which a timer cannot, and it is what Lambda's "Max Memory Used" reports. Each size runs in its own process.
  const peakRss = () => process.resourceUsage().maxRSS * 1024;
  const baseline = process.memoryUsage().heapUsed;
  const baselineRss = peakRss();
  try {
    const t0 = performance.now();
    await readDriftRun('bench', { regions, store, concurrency: 16 });
    const readPeakRss = peakRss();
    const readSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const common = { sourceRegion: SOURCE, targetRegion: TARGET, accounts: accountRewrite(ACCOUNT, ACCOUNT), generatedAt: new Date().toISOString() };
    let partitions: number | undefined;
    let report: DriftReport;
    if (FINISH === 'whole') {
      const snapshots = await loadDriftSnapshots(store, 'bench');
      report = buildDriftReport({ ...common, source: snapshots.source, target: snapshots.target, notes: snapshots.coverage.notes });
    } else {
      partitions = PARTITIONS ?? defaultPartitions(devices + 1);
      report = await buildPartitionedDriftReport({ ...common, store, runId: 'bench', partitions });
    }
    const json = formatJson(report);
    const html = formatHtml(report);
    const finishPeakRss = peakRss();
    const finishSeconds = (performance.now() - t1) / 1000;
    const totalCalls = Object.values(calls).reduce((a, b) => a + b, 0);
    const floor = floorCalls(devices, devices, devices + 1) + floorCalls(devices, devices + 1, devices + 1);
    const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
    console.log(
      JSON.stringify({
        bench: 'drift-memory',
        inputs: { devices, regions: 2, fleet: 'generated (bench/drift-memory.ts), chunk results on disk', finish: FINISH, partitions: partitions ?? null, heapLimitMb: HEAP_MB },
        wallSeconds: { read: Math.round(readSeconds * 10) / 10, finish: Math.round(finishSeconds * 10) / 10 },
        baselineHeapMb: mb(baseline),
        peakRssMb: { start: mb(baselineRss), afterRead: mb(readPeakRss), afterFinish: mb(finishPeakRss) },
        differences: report.totals.differences,
        readiness: report.readiness,
        reportBytes: { json: json.length, html: html.length },
        calls: totalCalls,
        callsByOperation: calls,
        callsPerDevicePerRegion: Math.round((totalCalls / devices / 2) * 1000) / 1000,
        floorCalls: floor,
        floorPerDevicePerRegion: Math.round((floor / devices / 2) * 1000) / 1000,
        ratioToFloor: Math.round((totalCalls / floor) * 1000) / 1000,
      }),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--one') return measure(Number(process.argv[3]));
  const sizes = process.argv.slice(2).map(Number);
  for (const devices of sizes.length > 0 ? sizes : [10_000, 100_000]) {
    // A fresh process per size, with a heap large enough that the old whole-fleet finish is measured, not killed.
    const child = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, ...process.execArgv, __filename, '--one', String(devices)], { stdio: 'inherit' });
    if (child.status !== 0) process.exitCode = child.status ?? 1;
  }
}

void main();
