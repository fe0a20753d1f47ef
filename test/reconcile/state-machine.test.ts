/**
 * The streaming reconcile and statemachine/reconcile.asl.json against the emulator, through the real
 * adapter over HTTP: scopes, dry run, mirror with the guard, resume; the state machine run locally
 * with the real handlers, continuing as new executions after a few steps, stopped and resumed. The
 * emulator enforces the synthesized template's IAM; the state machine's Lambdas sign with their own role.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIotRegistry } from '../../lib/aws/clients';
import type { IotRegistry } from '../../lib/aws/iot-registry';
import { silentLogger } from '../../lib/core/logger';
import { diff } from '../../lib/core/diff';
import { readAll } from '../../lib/core/scope';
import { decodeCursor, runReconcile } from '../../lib/core/reconcile';
import { startEmulator, type RunningEmulator } from '../../lib/local/emulator';
import { buildFleet, deviceName } from '../../lib/local/fleet';
import { LocalReconcileRunner } from '../../lib/local/reconcile-runner';
import { STATE_MACHINE_DIR } from '../../lib/local/state-machine';
import { RECONCILE_PAGE_CONCURRENCY, type ReconcileDependencies } from '../../lambdas/runtime/reconcile-dependencies';
import { perRoleDependencies, taskRolesFor } from '../../lib/local/iam';
import { synthesizedTemplate } from '../support/synthesized-template';
import { ACCOUNT } from '../support/constants';

const SOURCE = 'us-east-1';
const TARGET = 'eu-west-1';
const DEVICES = 14;

let emulator: RunningEmulator;
let source: IotRegistry;
let target: IotRegistry;
/** The main stack's template, deployed in the source region. */
const template = synthesizedTemplate({ accountId: ACCOUNT, sourceRegion: SOURCE, targetRegion: TARGET });

beforeAll(async () => {
  emulator = await startEmulator({ quotaScale: 0, accountId: ACCOUNT, thingTypeDeletionDelayMs: 0, iam: { template, stackRegion: SOURCE } });
  const registry = (region: string) => createIotRegistry({ region, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger });
  source = registry(SOURCE);
  target = registry(TARGET);
  await buildFleet(source, { devices: DEVICES, region: SOURCE, accountId: ACCOUNT });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => emulator.reset(TARGET));

const differences = async () => diff(await readAll(source), await readAll(target), { sourceRegion: SOURCE, targetRegion: TARGET });
const targetWrites = () =>
  Object.entries(emulator.stats().byRegion[TARGET] ?? {})
    .filter(([op]) => !/^(Describe|List|Get)/.test(op))
    .reduce((n, [, c]) => n + c.requests, 0);

describe('the streaming reconcile against the emulator', () => {
  it('converges an empty target, then makes no write call on a second run', async () => {
    const first = await runReconcile(source, { reader: target, writer: target }, { pageSize: 4 });
    expect(first.totals.failed).toBe(0);
    expect(await differences()).toEqual([]);
    emulator.resetStats();
    const second = await runReconcile(source, { reader: target, writer: target }, { pageSize: 4 });
    expect(second.totals.operations).toBe(0);
    expect(targetWrites()).toBe(0);
  });

  it('converges a thing-group scope (the group listing) and writes nothing on a dry run', async () => {
    const dry = await runReconcile(source, { reader: target, writer: target }, { scope: { thingGroup: 'site-north-b1-f1' }, dryRun: true });
    expect(dry.totals.operations).toBeGreaterThan(0);
    expect(targetWrites()).toBe(0);
    const members = (await source.listThingNamesInGroup('site-north-b1-f1')).items;
    const result = await runReconcile(source, { reader: target, writer: target }, { scope: { thingGroup: 'site-north-b1-f1' } });
    expect(result.totals.failed).toBe(0);
    expect((await readAll(target)).things.map((t) => t.name).sort()).toEqual([...members].sort());
  });

  it('refuses a mirror run whose deletes exceed the guard, and deletes with the override', async () => {
    await runReconcile(source, { reader: target, writer: target });
    for (let i = 0; i < 3; i += 1) await target.createThing({ name: `stale-${i}`, attributes: {} });
    // 17 target things: limit ceil(1.7) = 2 < 3.
    const refused = await runReconcile(source, { reader: target, writer: target }, { deleteMode: 'mirror', pageSize: 2 });
    expect(refused.totals.refused).toMatchObject({ deletes: 3, limit: 2 });
    expect(await target.getThing('stale-0')).toBeDefined();
    const allowed = await runReconcile(source, { reader: target, writer: target }, { deleteMode: 'mirror', allowMassDelete: true });
    expect(allowed.totals.failed).toBe(0);
    expect(await differences()).toEqual([]);
  });

  it('resumes a stopped run from its token without duplicates', async () => {
    let pages = 0;
    const stopped = await runReconcile(source, { reader: target, writer: target }, { pageSize: 3 }, { pagesInFlight: 1, onProgress: (p) => (pages = p.totals.pages), shouldStop: () => pages >= 2 });
    expect(stopped.done).toBe(false);
    const resumed = await runReconcile(source, { reader: target, writer: target }, { pageSize: 3 }, { cursor: decodeCursor(stopped.token) });
    expect(resumed.done).toBe(true);
    expect(resumed.totals.failed).toBe(0);
    expect(await differences()).toEqual([]);
    const policies = (await readAll(target)).policies;
    for (const p of policies.slice(0, 5)) expect(await target.listPolicyVersions(p.name)).toHaveLength(1);
  });
});

describe('statemachine/reconcile.asl.json, locally', () => {
  /** Each Task's Lambda signs with its own role of the template. */
  const deps = () =>
    perRoleDependencies<ReconcileDependencies>(taskRolesFor(template, 'reconcile.asl.json'), (credentials) => ({
      source: createIotRegistry({ region: SOURCE, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger, credentials }),
      target: createIotRegistry({ region: TARGET, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger, credentials }),
      logger: silentLogger,
    }));
  beforeEach(() => emulator.resetStats());
  afterEach(() => expect(emulator.stats().total.denied).toBeUndefined());
  const limits = { stepsPerExecution: 3, stepSeconds: 0, pagesPerStep: 2 };

  it('converges the fleet in several executions, each continuing the previous one with its cursor', async () => {
    const runner = new LocalReconcileRunner(deps(), { retryIntervalMs: 0 });
    const run = await runner.run({ config: { pageSize: 3 }, limits }, 'run-1');
    expect(run.executions.map((e) => e.status)).toEqual(run.executions.map(() => 'SUCCEEDED'));
    // Globals, ⌈14 / 3⌉ = 5 pages two per step, the unattached stages and final: more than 3 steps.
    expect(run.executions.length).toBeGreaterThan(1);
    expect(run.executions.map((e) => e.name)).toEqual(run.executions.map((_, i) => (i === 0 ? 'run-1' : `run-1-c${i}`)));
    expect(run.output).toMatchObject({ status: 'DONE', stage: 'done', totals: { things: DEVICES, pages: 5, failed: 0 } });
    expect(run.executions[0]?.taskInvocations).toEqual({ Step: 3, ConvergePage: expect.any(Number), ContinueAsNew: 1 });
    expect(await differences()).toEqual([]);
  });

  it('is stopped between executions and resumed from the last output token, converging without duplicates', async () => {
    const stopped = await new LocalReconcileRunner(deps(), { retryIntervalMs: 0, maxExecutions: 1 }).run({ config: { pageSize: 3 }, limits }, 'run-2');
    expect(stopped.output).toMatchObject({ status: 'CONTINUED' });
    expect(stopped.pending?.name).toBe('run-2-c1');
    expect(await differences()).not.toEqual([]);

    const token = stopped.output?.token as string;
    expect(decodeCursor(token).stage).toBe('things');
    const resumed = await new LocalReconcileRunner(deps(), { retryIntervalMs: 0 }).run({ config: { pageSize: 3 }, cursor: token, limits: { ...limits, stepsPerExecution: 100 } }, 'run-2-resumed');
    expect(resumed.output).toMatchObject({ status: 'DONE', totals: { failed: 0 } });
    expect(resumed.executions).toHaveLength(1);
    expect(await differences()).toEqual([]);
    const attachments = await target.listThingPrincipals(deviceName(0));
    expect(attachments).toHaveLength(2);
  });

  it('starts from the input a drift report sends ({ config: {} })', async () => {
    const run = await new LocalReconcileRunner(deps(), { retryIntervalMs: 0 }).run({ config: {} });
    expect(run.output).toMatchObject({ status: 'DONE', totals: { failed: 0 } });
    expect(await differences()).toEqual([]);
  });

  it('runs as many pages at once as the page Lambdas share the quota by', () => {
    const asl = JSON.parse(readFileSync(join(STATE_MACHINE_DIR, 'reconcile.asl.json'), 'utf8')) as { States: Record<string, { MaxConcurrency?: number }> };
    expect(asl.States['ConvergePages']?.MaxConcurrency).toBe(RECONCILE_PAGE_CONCURRENCY);
  });
});
