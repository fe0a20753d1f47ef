/**
 * statemachine/drift.asl.json run unchanged through the local interpreter with the real drift handlers
 * against the emulator: the read loops over bounded chunks, the report lands in an in-memory store, the
 * event on an in-memory publisher, the metrics as captured EMF, and a reconcile starts on drift. The
 * emulator enforces the synthesized template's IAM; each Lambda signs with its own role.
 */
import { AccessDeniedError } from '../../lib/core/errors';
import { silentLogger } from '../../lib/core/logger';
import { DIFFERENCE_KINDS } from '../../lib/core/keys';
import { memoryDriftStore, type DriftListings } from '../../lib/core/drift-read';
import type { DriftReport } from '../../lib/core/drift';
import { createDriftRegistry } from '../../lib/aws/drift-listings';
import type { EventEntry } from '../../lib/aws/event-bridge';
import type { StartExecutionInput } from '../../lib/aws/step-functions';
import { deviceName } from '../../lib/local/fleet';
import { loadDefinition, LocalStateMachine, type LocalExecution } from '../../lib/local/state-machine';
import * as readChunk from '../../lambdas/drift-read-chunk';
import * as finishDrift from '../../lambdas/drift-finish';
import type { DriftDependencies } from '../../lambdas/runtime/drift-dependencies';
import { createRegionPairMetrics } from '../../lambdas/runtime/metrics';
import { SOURCE, TARGET, startSyncedFleet, type SyncedFleet } from '../support/synced-fleet';
import type { StaticCredentials } from '../../lib/aws/clients';
import { perRoleDependencies, taskRolesFor } from '../../lib/local/iam';
import { synthesizedTemplate } from '../support/synthesized-template';
import { compareRegionQuotas, createServiceQuotasClient } from '../../lib/aws/service-quotas';
import { ACCOUNT } from '../support/constants';

const DEVICES = 12;
const SUBSTITUTIONS = {
  DriftReadChunkFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:DriftReadChunk',
  DriftFinishFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:DriftFinish',
  EventBusName: 'drift-bus',
};
const RECONCILE_ARN = `arn:aws:states:${TARGET}:${ACCOUNT}:stateMachine:reconcile`;

let f: SyncedFleet;
const machine = new LocalStateMachine(loadDefinition('drift.asl.json', SUBSTITUTIONS));
/** The main stack's template, deployed in the source region. */
const template = synthesizedTemplate({ accountId: ACCOUNT, sourceRegion: SOURCE, targetRegion: TARGET });

beforeAll(async () => {
  f = await startSyncedFleet(DEVICES, { template, stackRegion: SOURCE });
});

afterEach(() => expect(f.emulator.stats().total.denied).toBeUndefined());

afterAll(async () => {
  await f?.emulator.close();
});

/** One local drift job: its dependencies, with everything it emits kept in memory. */
function job(options: { listings?: (l: DriftListings) => DriftListings; quotas?: DriftDependencies['quotas'] } = {}) {
  const region = (name: string, credentials: StaticCredentials) => {
    const r = createDriftRegistry({ region: name, endpoint: f.emulator.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger, credentials });
    return { reader: r.registry, listings: options.listings ? options.listings(r.listings) : r.listings };
  };
  const events: EventEntry[] = [];
  const failures: unknown[] = [];
  const started: StartExecutionInput[] = [];
  const store = memoryDriftStore();
  // Each Lambda under its own role of the template; everything else is shared.
  const depsWith = (credentials: StaticCredentials): DriftDependencies => ({
    regions: { source: region(SOURCE, credentials), target: region(TARGET, credentials) },
    store,
    locate: (key) => `memory://${key}`,
    publisher: { putEvents: async (entries) => (events.push(...entries), { failedEntryCount: 0 }) },
    eventBusName: 'drift-bus',
    metrics: createRegionPairMetrics('drift', SOURCE, TARGET),
    reconcile: {
      stateMachineArn: RECONCILE_ARN,
      starter: { startExecution: async (input) => (started.push(input), { executionArn: `${RECONCILE_ARN}:${input.name}`, alreadyStarted: false }) },
    },
    logger: silentLogger,
    // Small chunks, so every stream loops.
    limits: { things: 5, certificates: 5, policies: 5, memberships: 5 },
    now: () => new Date('2026-11-23T06:00:00.000Z'),
    ...(options.quotas ? { quotas: options.quotas } : {}),
  });
  const deps = perRoleDependencies(taskRolesFor(template, 'drift.asl.json'), depsWith);
  const handlers = {
    ReadChunk: readChunk.createHandler(deps.forTask('ReadChunk')),
    FinishDrift: finishDrift.createHandler(deps.forTask('FinishDrift')),
    PutDriftFailedEvent: async (input: { Entries: { Detail: unknown }[] }) => {
      for (const e of input.Entries) failures.push(e.Detail);
      return { FailedEntryCount: 0, Entries: [] };
    },
  };
  return {
    store,
    events,
    failures,
    started,
    /** Runs one execution and returns it with the EMF records the metrics printed. */
    async run(): Promise<{ execution: LocalExecution; emf: Record<string, unknown>[] }> {
      const written: string[] = [];
      const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
      try {
        const execution = await machine.run({ source: 'aws.scheduler' }, handlers, { retryIntervalMs: 0 });
        return { execution, emf: written.flatMap((w) => w.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>) };
      } finally {
        spy.mockRestore();
      }
    },
  };
}

describe('the drift state machine, locally against the emulator', () => {
  it('reads both regions in bounded chunks and reports a synced target as in sync and ready, without starting a reconcile', async () => {
    const j = job();
    f.emulator.resetStats();
    const { execution, emf } = await j.run();

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({ summary: { inSync: true, differences: 0, readiness: { devices: DEVICES, notReady: 0, readinessPercent: 100 } } });
    // 12 things in chunks of 5: three chunks per region for things alone.
    expect(execution.taskInvocations['ReadChunk']).toBeGreaterThanOrEqual(2 * 3 + 6);
    expect(j.started).toEqual([]);

    // Cheap: principals are the only per-thing call; nothing is described per thing or certificate.
    for (const region of [SOURCE, TARGET]) {
      const calls = f.emulator.stats().byRegion[region] ?? {};
      expect(calls['ListThingPrincipalsV2']?.requests).toBe(DEVICES);
      expect(calls).not.toHaveProperty('DescribeThing');
      expect(calls).not.toHaveProperty('ListThingGroupsForThing');
      expect(calls).not.toHaveProperty('DescribeCertificate');
    }

    const [event] = j.events;
    expect(event).toMatchObject({ Source: 'iot-registry-sync', DetailType: 'Registry Drift Report', EventBusName: 'drift-bus' });
    expect(JSON.parse(event!.Detail)).toMatchObject({ inSync: true, differences: 0, readiness: { readinessPercent: 100 } });

    const totals = emf.find((r) => 'ReadinessPercent' in r);
    expect(totals).toMatchObject({ ReadinessPercent: 100, DifferencesTotal: 0, DevicesNotReady: 0, SourceRegion: SOURCE, TargetRegion: TARGET });
    expect(totals?.['_aws']).toMatchObject({ CloudWatchMetrics: [{ Namespace: 'IotRegistrySync' }] });
    expect(emf.filter((r) => 'Kind' in r).map((r) => r['Kind'])).toEqual([...DIFFERENCE_KINDS]);
  });

  it('writes the report as JSON and HTML, puts the counts on the event, publishes metrics per kind and starts a reconcile on drift', async () => {
    const cert = f.fleet.certificates.get(deviceName(7))![0]!;
    await f.target.updateCertificateStatus(cert.certificateId, 'INACTIVE');
    await f.target.detachPolicy(`device-${deviceName(8)}`, { kind: 'certificate', certificateId: f.fleet.certificates.get(deviceName(8))![0]!.certificateId });
    try {
      const j = job();
      const { execution, emf } = await j.run();

      expect(execution.status).toBe('SUCCEEDED');
      const output = execution.output as finishDrift.DriftOutcome;
      expect(output.summary).toMatchObject({ inSync: false, differences: 2, differencesByKind: { certificate: 1, policyAttachment: 1 } });
      expect(output.summary.readiness).toMatchObject({ notReady: 2, ready: DEVICES - 3 });

      const report = JSON.parse((await j.store.get(`drift/reports/${output.runId}/report.json`)) as string) as DriftReport;
      expect(report.devices.filter((d) => d.status === 'not-ready').map((d) => d.thingName)).toEqual([deviceName(7), deviceName(8)]);
      expect(await j.store.get('drift/latest/report.html')).toContain('Devices not ready (2)');
      expect(output.report.html).toBe(`memory://drift/reports/${output.runId}/report.html`);

      expect(JSON.parse(j.events[0]!.Detail)).toMatchObject({ runId: output.runId, differences: 2, differencesByKind: { certificate: 1, policyAttachment: 1 } });
      expect(emf.find((r) => r['Kind'] === 'certificate')).toMatchObject({ Differences: 1 });
      expect(emf.find((r) => r['Kind'] === 'thing')).toMatchObject({ Differences: 0 });
      expect(emf.find((r) => 'ReadinessPercent' in r)).toMatchObject({ DifferencesTotal: 2, DevicesNotReady: 2 });

      expect(j.started).toEqual([{ stateMachineArn: RECONCILE_ARN, name: `drift-${output.runId}`, input: { config: {} } }]);
      expect(output.reconcileExecutionArn).toBe(`${RECONCILE_ARN}:drift-${output.runId}`);
    } finally {
      await f.target.updateCertificateStatus(cert.certificateId, 'ACTIVE');
      await f.target.attachPolicy(`device-${deviceName(8)}`, { kind: 'certificate', certificateId: f.fleet.certificates.get(deviceName(8))![0]!.certificateId });
    }
  });

  it('puts a "Registry Drift Failed" event and fails with the error name when a region cannot be read', async () => {
    const j = job({
      listings: (l) => ({
        ...l,
        listThings: async () => {
          throw new AccessDeniedError('ListThings things: AccessDeniedException: not authorised');
        },
        listCertificates: (t) => l.listCertificates(t),
        listPolicyNames: (t) => l.listPolicyNames(t),
        listBillingGroupNames: () => l.listBillingGroupNames(),
        listThingNamesInBillingGroup: (n, t) => l.listThingNamesInBillingGroup(n, t),
      }),
    });
    const { execution } = await j.run();
    expect(execution).toMatchObject({ status: 'FAILED', error: 'AccessDeniedError' });
    expect(j.failures).toEqual([expect.objectContaining({ error: expect.objectContaining({ Error: 'AccessDeniedError' }) })]);
    expect(j.events).toEqual([]);
  });
  it('puts both regions’ IoT Core quotas in the report, a lower one listed, and an unreadable one as a note', async () => {
    await fetch(`${f.emulator.url}/_emulator/service-quotas?region=${TARGET}`, { method: 'POST', body: JSON.stringify({ 'L-CA7D4E3E': 5 }) });
    try {
      const quotas = () => compareRegionQuotas(createServiceQuotasClient(SOURCE, f.emulator.url), createServiceQuotasClient(TARGET, f.emulator.url));
      const j = job({ quotas });
      const { execution } = await j.run();
      const output = execution.output as finishDrift.DriftOutcome;
      const report = JSON.parse((await j.store.get(`drift/reports/${output.runId}/report.json`)) as string) as DriftReport;
      expect(report.quotas?.lower).toEqual([expect.objectContaining({ code: 'L-CA7D4E3E', source: 15, target: 5 })]);
      expect(await j.store.get('drift/latest/report.html')).toContain('<section id="quotas">');

      const failing = job({ quotas: async () => Promise.reject(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' })) });
      const again = (await failing.run()).execution;
      expect(again.status).toBe('SUCCEEDED');
      const noted = JSON.parse((await failing.store.get(`drift/reports/${(again.output as finishDrift.DriftOutcome).runId}/report.json`)) as string) as DriftReport;
      expect(noted.notes).toContain('IoT Core quotas not compared: AccessDeniedException: not authorized');
    } finally {
      await fetch(`${f.emulator.url}/_emulator/service-quotas`, { method: 'DELETE' });
    }
  });
});
