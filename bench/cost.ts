/**
 * bench:cost — what one device registration costs the sync on AWS, from measurements on the emulator.
 *
 * A base fleet is built and synced first (types, groups, the shared policy exist in both regions). Then
 * BENCH_DEVICES new devices are registered the way a provisioning flow does it (thing, group membership,
 * per-device policy, certificate, policy attachment, thing attachment). Every change event they cause goes
 * through the local event bus (the real forwarder for registry events), which coalesces them as the deployed
 * pipe does (a batch opens with its first event and holds what arrives within the window, at most the batch
 * size), and the real sync state machine (statemachine/sync.asl.json with the real handlers) runs one
 * execution per batch, one at a time, so each Lambda invocation's time and IoT calls are its own.
 * The bus runs on a fake clock: devices register BENCH_DEVICE_INTERVAL_MS apart (default: the window plus
 * one second, so each device's events form batches of their own, the least coalescing; 0: a burst, all
 * devices in the same window). BENCH_WINDOW_MS and BENCH_BATCH_EVENTS override the deployed window and
 * batch size (BENCH_WINDOW_MS=-1: no coalescing, one execution per event, the path before batching).
 * Counted per device: events, executions, Standard state transitions, Lambda
 * invocations, IoT calls; then priced at us-east-1 list prices. Prints one JSON object.
 *
 * BENCH_PATH=fleet-provisioning registers the devices as fleet provisioning by claim does instead: the
 * device's CreateKeysAndCertificate and RegisterThing over MQTT (the emulator's admin paths), a template
 * that activates the certificate, attaches the fleet policy and creates the thing in its group. No CloudTrail
 * record is written for these steps (iot-using-cloudtrail.html): the thing's registry events alone must bring each device.
 *
 * Lambda duration is not measurable locally: the emulator answers in about a millisecond where AWS IoT
 * takes tens. The estimate is therefore `measured local time + IoT calls × BENCH_IOT_CALL_MS` (default
 * 50 ms per call, an assumption) per invocation, rounded up to the millisecond as Lambda bills, cold
 * starts not counted; the forwarder's duration is assumed (BENCH_FORWARDER_MS, default 50 ms).
 */
import '../lib/local/polyfills';
import type { SyncDependencies } from '../lambdas/runtime/dependencies';
import { createIotRegistry } from '../lib/aws/clients';
import type { IotRegistry } from '../lib/aws/iot-registry';
import { silentLogger } from '../lib/core/logger';
import { REGISTRY_EVENT_SOURCE } from '../lib/events/schemas';
import { FUNCTION_SIZING, type FunctionName } from '../lib/infra/function-sizing';
import { LocalCertificateAuthority } from '../lib/local/certificates';
import { startEmulator, type RunningEmulator } from '../lib/local/emulator';
import { LocalEventBus } from '../lib/local/event-bus';
import { buildFleet, devicePolicyDocument } from '../lib/local/fleet';
import { loadDefinition, LocalStateMachine, type TaskHandlers } from '../lib/local/state-machine';
import { LOCAL_SYNC_SUBSTITUTIONS, syncLambdaHandlers } from '../lib/local/sync-runner';
import { DEFAULT_COALESCING_WINDOW_SECONDS, MAX_BATCH_EVENTS } from '../lib/events/batch';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 50);
/** `api` (the operator's calls, one CloudTrail event each) or `fleet-provisioning` (by claim, over MQTT). */
const PATH = process.env.BENCH_PATH ?? 'api';
if (PATH !== 'api' && PATH !== 'fleet-provisioning') throw new Error(`BENCH_PATH must be api or fleet-provisioning (got ${PATH})`);
const BASE_DEVICES = Number(process.env.BENCH_BASE_DEVICES ?? 10);
const IOT_CALL_MS = Number(process.env.BENCH_IOT_CALL_MS ?? 50);
/** Assumed duration of one forwarder invocation (parse + one PutEvents); not measurable locally. */
const FORWARDER_MS = Number(process.env.BENCH_FORWARDER_MS ?? 50);
/** The pipe's batch window (ms; -1: no coalescing) and batch size. */
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? DEFAULT_COALESCING_WINDOW_SECONDS * 1000);
const BATCH_EVENTS = Number(process.env.BENCH_BATCH_EVENTS ?? MAX_BATCH_EVENTS);
/** Fake-clock time between two devices' registrations. */
const DEVICE_INTERVAL_MS = Number(process.env.BENCH_DEVICE_INTERVAL_MS ?? Math.max(WINDOW_MS, 0) + 1000);
const ACCOUNT = '123456789012';
const SOURCE = 'us-east-1';
const TARGET = 'us-west-2';

/** us-east-1 list prices (USD) used for the estimate. */
const PRICES = {
  standardTransition: 0.025 / 1000,
  lambdaGbSecondArm: 0.0000133334,
  lambdaRequest: 0.2 / 1_000_000,
  customEvent: 1 / 1_000_000,
};

/** Per Lambda: invocations, local milliseconds and IoT calls, summed. */
interface LambdaTally {
  invocations: number;
  localMs: number;
  iotCalls: number;
  billedMs: number;
}

async function main(): Promise<void> {
  const emulator = await startEmulator({ quotaScale: 0, registryEvents: 'all', accountId: ACCOUNT });
  try {
    const registry = (region: string) =>
      createIotRegistry({ region, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger });
    const source = registry(SOURCE);
    const target = registry(TARGET);
    let clock = 0;
    const bus = new LocalEventBus(SOURCE, ACCOUNT, () => clock);
    emulator.events.subscribe(bus.listener);
    const deps: SyncDependencies = { source, target, deleteMode: 'retain', logger: silentLogger };
    const tallies = new Map<FunctionName, LambdaTally>();
    const machine = new LocalStateMachine(loadDefinition('sync.asl.json', LOCAL_SYNC_SUBSTITUTIONS));
    const handlers = timedHandlers(deps, emulator, tallies);

    // 1. The base fleet, synced: what a registration finds already in place.
    const fleet = await buildFleet(source, { devices: BASE_DEVICES, region: SOURCE, accountId: ACCOUNT });
    await emulator.events.flush();
    for (const event of bus.take()) await machine.run(event, handlers, { retryIntervalMs: 0 });
    tallies.clear();

    const floors = fleet.groups.filter((g) => /-f\d+$/.test(g));
    if (PATH === 'fleet-provisioning') {
      // The fleet policy and the template exist (and are synced) before any device provisions itself.
      await source.createPolicy(FLEET_POLICY, devicePolicyDocument(SOURCE, ACCOUNT, '${iot:Connection.Thing.ThingName}'));
      await createFleetTemplate(emulator);
      await emulator.events.flush();
      for (const event of bus.take()) await machine.run(event, handlers, { retryIntervalMs: 0 });
      tallies.clear();
    }

    // 2. New registrations, measured.
    const ca = await LocalCertificateAuthority.create();
    for (let i = 0; i < DEVICES; i++) {
      const name = `new-device-${String(i).padStart(5, '0')}`;
      const floor = floors[i % floors.length]!;
      if (PATH === 'fleet-provisioning') await provisionByClaim(emulator, name, floor);
      else await registerDevice(source, ca, name, floor);
      await emulator.events.flush();
      clock += DEVICE_INTERVAL_MS;
    }
    await emulator.events.flush();
    // Without coalescing each event is its own execution, started with the event itself (not a batch of one).
    const inputs: unknown[] = WINDOW_MS < 0 ? bus.take() : bus.takeBatches({ windowMs: WINDOW_MS, maxEvents: BATCH_EVENTS });
    const events = inputs.flatMap((input) => (Array.isArray(input) ? (input as { source: string }[]) : [input as { source: string }]));
    const registryEvents = events.filter((e) => e.source === REGISTRY_EVENT_SOURCE).length;
    emulator.resetStats();

    let transitions = 0;
    let failed = 0;
    let ignored = 0;
    let executionMs = 0;
    for (const input of inputs) {
      const run = await machine.run(input, handlers, { retryIntervalMs: 0 });
      transitions += run.stateTransitions;
      executionMs += run.durationMs;
      if (run.status === 'FAILED') failed += 1;
      else if ((run.output as { resolved?: { status?: string } } | undefined)?.resolved?.status === 'ignored') ignored += 1;
    }
    const converged = await sameDevices(source, target, DEVICES);

    // The forwarder: one invocation per registry event (IoT invokes it once per message), duration assumed.
    tallies.set('ForwardRegistryEvent', { invocations: registryEvents, localMs: 0, iotCalls: 0, billedMs: registryEvents * FORWARDER_MS });

    const perDevice = (n: number, digits = 2) => Number((n / DEVICES).toFixed(digits));
    const lambdas = Object.fromEntries(
      [...tallies.entries()].map(([name, t]) => {
        const gbSeconds = (t.billedMs / 1000) * (FUNCTION_SIZING[name].memoryMb / 1024);
        return [
          name,
          {
            invocationsPerDevice: perDevice(t.invocations),
            memoryMb: FUNCTION_SIZING[name].memoryMb,
            localMsPerInvocation: t.invocations ? Number((t.localMs / t.invocations).toFixed(2)) : 0,
            iotCallsPerInvocation: t.invocations ? Number((t.iotCalls / t.invocations).toFixed(2)) : 0,
            estimatedBilledMsPerInvocation: t.invocations ? Math.round(t.billedMs / t.invocations) : 0,
            gbSecondsPerDevice: perDevice(gbSeconds, 5),
          },
        ];
      }),
    );
    const totals = [...tallies.entries()].reduce(
      (sum, [name, t]) => ({
        invocations: sum.invocations + t.invocations,
        gbSeconds: sum.gbSeconds + (t.billedMs / 1000) * (FUNCTION_SIZING[name].memoryMb / 1024),
      }),
      { invocations: 0, gbSeconds: 0 },
    );
    const iotCalls = Object.entries(emulator.stats().byRegion).reduce(
      (acc, [region, ops]) => ({ ...acc, [region]: Object.values(ops).reduce((n, c) => n + c.requests, 0) }),
      {} as Record<string, number>,
    );

    const iotCallsByOperation: Record<string, number> = {};
    for (const [region, ops] of Object.entries(emulator.stats().byRegion)) {
      for (const [op, counts] of Object.entries(ops)) if (counts.requests > 0) iotCallsByOperation[`${region} ${op}`] = Number((counts.requests / DEVICES).toFixed(2));
    }
    const million = 1_000_000;
    const perMillion = {
      stepFunctionsStandard: (transitions / DEVICES) * million * PRICES.standardTransition,
      lambdaRequests: (totals.invocations / DEVICES) * million * PRICES.lambdaRequest,
      lambdaDuration: (totals.gbSeconds / DEVICES) * million * PRICES.lambdaGbSecondArm,
      eventBridgeCustomEvents: (registryEvents / DEVICES) * million * PRICES.customEvent,
      cloudTrail: 0,
    };
    const total = Object.values(perMillion).reduce((a, b) => a + b, 0);

    console.log(
      JSON.stringify({
        benchmark: 'cost',
        inputs: {
          path: PATH,
          coalescing: WINDOW_MS < 0 ? 'off (one execution per event)' : { windowMs: WINDOW_MS, batchEvents: BATCH_EVENTS, deviceIntervalMs: DEVICE_INTERVAL_MS },
          devices: DEVICES, baseFleetDevices: BASE_DEVICES, assumedIotCallMs: IOT_CALL_MS, assumedForwarderMs: FORWARDER_MS, sourceRegion: SOURCE, targetRegion: TARGET },
        converged,
        // The pipe starts a batch's execution at most the window after the batch's first event.
        windowAddsAtMostMs: Math.max(WINDOW_MS, 0),
        perDevice: {
          events: perDevice(events.length),
          cloudTrailEvents: perDevice(events.length - registryEvents),
          registryEvents: perDevice(registryEvents),
          executions: perDevice(inputs.length),
          eventsPerExecution: Number((events.length / inputs.length).toFixed(2)),
          ignoredExecutions: perDevice(ignored),
          failedExecutions: perDevice(failed),
          standardStateTransitions: perDevice(transitions),
          lambdaInvocations: perDevice(totals.invocations),
          lambdaGbSeconds: perDevice(totals.gbSeconds, 5),
          iotCalls: Object.fromEntries(Object.entries(iotCalls).map(([region, n]) => [region, perDevice(n)])),
          localExecutionMs: perDevice(executionMs),
          iotCallsByOperation,
        },
        lambdas,
        usdPerMillionRegistrations: {
          ...Object.fromEntries(Object.entries(perMillion).map(([k, v]) => [k, Number(v.toFixed(2))])),
          total: Number(total.toFixed(2)),
        },
        prices: PRICES,
      }),
    );
  } finally {
    await emulator.close();
  }
}

/** The real handlers, each wrapped to count its invocations, local time and IoT calls. */
function timedHandlers(deps: SyncDependencies, emulator: RunningEmulator, tallies: Map<FunctionName, LambdaTally>): TaskHandlers {
  const lambdas = syncLambdaHandlers(deps);
  const requests = () => Object.values(emulator.stats().byRegion).reduce((n, ops) => n + Object.values(ops).reduce((m, c) => m + c.requests, 0), 0);
  const timed = Object.fromEntries(
    Object.entries(lambdas).map(([name, handler]) => [
      name,
      async (input: never) => {
        const calls = requests();
        const started = process.hrtime.bigint();
        try {
          return await handler(input);
        } finally {
          const localMs = Number(process.hrtime.bigint() - started) / 1e6;
          const iotCalls = requests() - calls;
          const tally = tallies.get(name as FunctionName) ?? { invocations: 0, localMs: 0, iotCalls: 0, billedMs: 0 };
          tally.invocations += 1;
          tally.localMs += localMs;
          tally.iotCalls += iotCalls;
          tally.billedMs += Math.ceil(localMs + iotCalls * IOT_CALL_MS);
          tallies.set(name as FunctionName, tally);
        }
      },
    ]),
  );
  return {
    ...timed,
    // The failure path's service integrations (not Lambdas): they only run when a sync fails.
    SendToDeadLetterQueue: async () => ({ MessageId: 'bench' }),
    PutSyncFailedEvent: async () => ({ FailedEntryCount: 0, Entries: [] }),
  };
}

/** One device registration as a provisioning flow makes it: the ~6 calls behind its ~9 change events. */
async function registerDevice(source: IotRegistry, ca: LocalCertificateAuthority, name: string, floor: string): Promise<void> {
  await source.createThing({ name, thingTypeName: 'sensor', attributes: { model: 'm-1', firmware: '1.0.0', battery: 'ok' } });
  await source.addThingToGroup(name, { name: floor });
  await source.createPolicy(`device-${name}`, devicePolicyDocument(SOURCE, ACCOUNT, name));
  const cert = await ca.issue(name);
  await source.registerCertificate({ certificatePem: cert.certificatePem, status: 'ACTIVE' });
  await source.attachPolicy(`device-${name}`, { kind: 'certificate', certificateId: cert.certificateId });
  await source.attachThingPrincipal(name, cert.certificateId, 'EXCLUSIVE_THING');
}

const FLEET_POLICY = 'fleet-provisioned';
const FLEET_TEMPLATE = 'bench-claim';

/** A fleet-provisioning template like AWS's examples: the certificate by its ID, the fleet policy, a typed thing in a group. */
async function createFleetTemplate(emulator: RunningEmulator): Promise<void> {
  const { CreateProvisioningTemplateCommand, IoTClient } = await import('@aws-sdk/client-iot');
  const client = new IoTClient({ endpoint: emulator.url, region: SOURCE, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const templateBody = JSON.stringify({
    Parameters: { SerialNumber: { Type: 'String' }, Floor: { Type: 'String' }, 'AWS::IoT::Certificate::Id': { Type: 'String' } },
    Resources: {
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: FLEET_POLICY } },
      thing: {
        Type: 'AWS::IoT::Thing',
        Properties: { ThingName: { Ref: 'SerialNumber' }, ThingTypeName: 'sensor', AttributePayload: { model: 'm-1', firmware: '1.0.0', battery: 'ok' }, ThingGroups: [{ Ref: 'Floor' }] },
      },
    },
  });
  await client.send(new CreateProvisioningTemplateCommand({ templateName: FLEET_TEMPLATE, templateBody, provisioningRoleArn: `arn:aws:iam::${ACCOUNT}:role/provisioning`, enabled: true }));
  client.destroy();
}

/** One device provisioning itself by claim: CreateKeysAndCertificate then RegisterThing over MQTT (admin paths). */
async function provisionByClaim(emulator: RunningEmulator, name: string, floor: string): Promise<void> {
  const call = async (path: string, body: unknown) => {
    const res = await fetch(`${emulator.url}/_emulator/provisioning/${path}?region=${SOURCE}`, { method: 'POST', body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`${path}: ${String(json.message)}`);
    return json;
  };
  const keys = await call('create-keys-and-certificate', {});
  await call(`templates/${FLEET_TEMPLATE}/provision`, { certificateOwnershipToken: keys.certificateOwnershipToken, parameters: { SerialNumber: name, Floor: floor } });
}

/** Whether every new device reached the target whole: its thing, and each certificate with the same policies attached. */
async function sameDevices(source: IotRegistry, target: IotRegistry, devices: number): Promise<boolean> {
  for (let i = 0; i < devices; i++) {
    const name = `new-device-${String(i).padStart(5, '0')}`;
    const [a, b] = await Promise.all([source.getThing(name), target.getThing(name)]);
    if (!a || !b || JSON.stringify(a.attributes) !== JSON.stringify(b.attributes)) return false;
    const [pa, pb] = await Promise.all([source.listThingPrincipals(name), target.listThingPrincipals(name)]);
    if (JSON.stringify(pa) !== JSON.stringify(pb) || pa.length === 0) return false;
    for (const p of pa) {
      const cert = { kind: 'certificate' as const, certificateId: p.certificateId };
      const [x, y] = await Promise.all([source.listAttachedPolicies(cert), target.listAttachedPolicies(cert)]);
      if (JSON.stringify([...x].sort()) !== JSON.stringify([...y].sort())) return false;
    }
  }
  return true;
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

