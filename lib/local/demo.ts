/**
 * `npm start`: the whole pipeline on the embedded emulator, as a new user first sees it. A fleet is
 * built in the primary; every change event goes through the real sync state machine; then the fleet
 * changes (a certificate revoked, a policy version published, things deleted and moved, a type
 * deprecated) and the secondary follows; a drift check ends it.
 */
import { createIotRegistry, type StaticCredentials } from '../aws/clients';
import type { IotRegistry } from '../aws/iot-registry';
import { silentLogger } from '../core/logger';
import { diff } from '../core/diff';
import { readAll } from '../core/scope';
import { startEmulator } from './emulator';
import { LocalEventBus, type BusEvent } from './event-bus';
import { mapWithConcurrency } from '../core/concurrency';
import { buildFleet, deviceName, sharedPolicyDocument, type Fleet } from './fleet';
import { LocalSyncRunner } from './sync-runner';
import { runDemoFailover, type DemoFailoverResult } from './demo-failover';
import type { LocalExecution } from './state-machine';
import { perRoleDependencies, stackRegionOf, targetRegionOf, taskRolesFor, type CloudFormationTemplate } from './iam';

/** Options of the demo. */
export interface DemoOptions {
  devices: number;
  quotaScale: number;
  sourceRegion?: string;
  targetRegion?: string;
  /** Parallel executions. */
  concurrency?: number;
  /**
   * A synthesized template (account 123456789012): the emulator enforces its IAM and each Lambda signs
   * with its own role. The regions default to the template's source and target.
   */
  iamTemplate?: CloudFormationTemplate;
  /** Devices that really connect in the failover drill at the end (default 50; 0 skips it). */
  connectingDevices?: number;
  print?: (line: string) => void;
}

/** What the demo measured; `differences` is 0 when the secondary converged. */
export interface DemoResult {
  events: number;
  executions: { succeeded: number; failed: number; ignored: number };
  differences: number;
  latencyMs: { p50: number; p99: number };
  seconds: number;
  /** The failover drill's outcome, when it ran. */
  failover?: DemoFailoverResult;
}

const ACCOUNT_ID = '123456789012';

/** Runs the demo end to end and reports what it measured. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const template = options.iamTemplate;
  const sourceRegion = options.sourceRegion ?? (template && stackRegionOf(template)) ?? 'us-east-1';
  const targetRegion = options.targetRegion ?? (template && targetRegionOf(template)) ?? 'eu-west-1';
  const started = Date.now();
  const emulator = await startEmulator({
    quotaScale: options.quotaScale,
    registryEvents: 'all',
    accountId: ACCOUNT_ID,
    thingTypeDeletionDelayMs: 0,
    mqtt: { port: 0 },
    ...(template ? { iam: { template, stackRegion: sourceRegion } } : {}),
  });
  try {
    print(`Local AWS IoT emulator on ${emulator.url} (two regions, AWS default quotas ×${options.quotaScale}).`);
    const registry = (region: string, credentials?: StaticCredentials) =>
      createIotRegistry({ region, endpoint: emulator.url, accountId: ACCOUNT_ID, quotas: { scale: options.quotaScale }, logger: silentLogger, ...(credentials ? { credentials } : {}) });
    const source = registry(sourceRegion);
    const target = registry(targetRegion);
    const bus = new LocalEventBus(sourceRegion, ACCOUNT_ID);
    emulator.events.subscribe(bus.listener);
    const runner = new LocalSyncRunner(
      template
        ? perRoleDependencies(taskRolesFor(template, 'sync.asl.json'), (credentials) => ({
            source: registry(sourceRegion, credentials),
            target: registry(targetRegion, credentials),
            deleteMode: 'mirror' as const,
            logger: silentLogger,
          }))
        : { source, target, deleteMode: 'mirror', logger: silentLogger },
      { retryIntervalMs: 50 },
    );
    if (template) print(`Under the IAM of the given template: each Lambda signs with its own role (${sourceRegion} → ${targetRegion}).`);
    const totals = { events: 0, succeeded: 0, failed: 0, ignored: 0, latencies: [] as number[] };

    const syncPending = async (title: string) => {
      await emulator.events.flush();
      // Coalesced as the deployed pipe does (lib/infra/event-coalescing.ts): one execution per batch.
      const batches = bus.takeBatches();
      const events = batches.flat();
      const t0 = Date.now();
      const runs = await runExecutions(runner, batches, options.concurrency ?? 8);
      const ignored = runs.filter((r) => isIgnored(r)).length;
      const failed = runs.filter((r) => r.status === 'FAILED').length;
      totals.events += events.length;
      totals.ignored += ignored;
      totals.failed += failed;
      totals.succeeded += runs.length - failed - ignored;
      totals.latencies.push(...runs.map((r) => r.durationMs));
      print(`  ${title}: ${events.length} events in ${runs.length} execution${runs.length === 1 ? "" : "s"} → ${runs.length - failed - ignored} synced, ${ignored} ignored, ${failed} failed (${seconds(Date.now() - t0)} s)`);
      for (const dead of runner.deadLetters.splice(0)) print(`    dead letter: ${JSON.stringify(dead).slice(0, 300)}`);
    };

    print(`\n1. Building a fleet of ${options.devices} devices in ${sourceRegion} …`);
    let t0 = Date.now();
    const fleet = await buildFleet(source, { devices: options.devices, region: sourceRegion, accountId: ACCOUNT_ID });
    const certificates = [...fleet.certificates.values()].flat().length;
    print(`   ${fleet.thingNames.length} things, ${certificates} certificates, ${fleet.thingNames.length + 1} policies, ${fleet.groups.length + 1} groups, 3 thing types (${seconds(Date.now() - t0)} s)`);

    print(`\n2. Every change event through the sync state machine (statemachine/sync.asl.json) into ${targetRegion}:`);
    await syncPending('initial fleet');
    await printDrift('after the initial sync', source, target, print);

    print(`\n3. The fleet changes in ${sourceRegion}:`);
    t0 = Date.now();
    await changeFleet(source, fleet, sourceRegion, print);
    await syncPending('changes');
    print(`   (changes applied and synced in ${seconds(Date.now() - t0)} s)`);
    let differences = await printDrift('final', source, target, print);
    const connecting = options.connectingDevices ?? 50;
    const failover = connecting > 0 ? await runDemoFailover({ emulator, accountId: ACCOUNT_ID, source, target, syncPending, print, devices: connecting }) : undefined;
    if (failover) differences = await printDrift('after the connecting devices', source, target, print);
    if (template) print(`   calls denied by the template's IAM: ${emulator.stats().total.denied ?? 0}`);

    const sorted = [...totals.latencies].sort((a, b) => a - b);
    const result: DemoResult = {
      events: totals.events,
      executions: { succeeded: totals.succeeded, failed: totals.failed, ignored: totals.ignored },
      differences,
      latencyMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) },
      seconds: Number(seconds(Date.now() - started)),
      ...(failover ? { failover } : {}),
    };
    print(
      `\n${differences === 0 ? 'The secondary is in sync' : `The secondary still differs in ${differences} places`}: ` +
        `${result.events} events, ${result.executions.succeeded} executions synced, ${result.executions.failed} failed, ` +
        `event-to-converged p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms` +
        (failover ? `; failover: ${failover.drill.reconnectedToSecondary}/${failover.devices} devices reconnected to ${targetRegion} (p99 ${failover.drill.reconnectMs.p99} ms)` : '') +
        `; ${result.seconds} s in all.`,
    );
    return result;
  } finally {
    await emulator.close();
  }
}

/** The changes an operator makes in the primary during the demo. */
async function changeFleet(source: IotRegistry, fleet: Fleet, region: string, print: (line: string) => void): Promise<void> {
  const revoked = fleet.certificates.get(deviceName(4))?.[0];
  if (revoked) {
    await source.updateCertificateStatus(revoked.certificateId, 'REVOKED');
    print(`   - revoked the certificate of ${deviceName(4)} (${revoked.certificateId.slice(0, 12)}…)`);
  }
  await source.createPolicyVersion(fleet.sharedPolicyName, sharedPolicyDocument(region, ACCOUNT_ID, 2));
  print(`   - published version 2 of the policy ${fleet.sharedPolicyName}`);

  const deleted = deviceName(6);
  for (const cert of fleet.certificates.get(deleted) ?? []) await source.detachThingPrincipal(deleted, cert.certificateId);
  await source.deleteThing(deleted);
  print(`   - deleted the thing ${deleted} (after detaching its certificate)`);

  const moved = [deviceName(8), deviceName(9)];
  for (const name of moved) {
    const thing = await source.getThing(name);
    for (const group of thing?.groupNames ?? []) await source.removeThingFromGroup(name, group);
    await source.addThingToGroup(name, { name: 'site-south-b2-f2' });
  }
  print(`   - moved ${moved.join(' and ')} to the group site-south-b2-f2`);

  await source.setThingTypeDeprecated(fleet.deprecatableType, true);
  print(`   - deprecated the thing type ${fleet.deprecatableType}`);
}

async function printDrift(title: string, source: IotRegistry, target: IotRegistry, print: (line: string) => void): Promise<number> {
  const [a, b] = await Promise.all([readAll(source), readAll(target)]);
  const differences = diff(a, b, { sourceRegion: source.region, targetRegion: target.region });
  print(`   drift ${title}: ${differences.length} differences` + (differences.length ? ':' : ''));
  for (const d of differences.slice(0, 10)) print(`     ${d.change} ${d.kind} ${d.key}${d.fields ? ` (${d.fields.map((f) => f.field).join(', ')})` : ''}`);
  return differences.length;
}

async function runExecutions(runner: LocalSyncRunner, batches: BusEvent[][], concurrency: number): Promise<LocalExecution[]> {
  return mapWithConcurrency(batches, concurrency, (batch) => runner.run(batch));
}

function isIgnored(run: LocalExecution): boolean {
  const output = run.output as { resolved?: { status?: string } } | undefined;
  return run.status === 'SUCCEEDED' && output?.resolved?.status === 'ignored';
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
