/**
 * The one reconcile driver (`runReconcile`): its time budget, its hand-off of the things stage's pages
 * (the state machine's step), and the step Lambda's budget from the Lambda context.
 */
import { diff } from '../../lib/core/diff';
import { silentLogger } from '../../lib/core/logger';
import { readAll } from '../../lib/core/scope';
import {
  createRunContext,
  decodeCursor,
  parseSettings,
  reconcileThingPage,
  runReconcile,
  UNLIMITED_BUDGET,
  type ReconcileCursor,
} from '../../lib/core/reconcile';
import { createHandler, STEP_TIME_MARGIN_MS, type StepOutput } from '../../lambdas/reconcile-step';
import { InMemoryRegistry } from '../support/in-memory-registry';
import { buildReferenceFleet as buildFleet, SOURCE_REGION, TARGET_REGION } from '../support/reference-fleet';

const regions = { sourceRegion: SOURCE_REGION, targetRegion: TARGET_REGION };
const side = (r: InMemoryRegistry) => ({ reader: r, writer: r });
const spent = { remainingMs: () => 0 };

async function fleet(n: number) {
  const source = new InMemoryRegistry({ region: SOURCE_REGION, pageSize: 7, billingGroups: ['standard'] });
  const target = new InMemoryRegistry({ region: TARGET_REGION, pageSize: 7, billingGroups: ['standard'] });
  await buildFleet(source);
  source.seed({ things: Array.from({ length: n }, (_, i) => ({ name: `bulk-${String(i).padStart(3, '0')}`, attributes: { n: String(i) }, groupNames: [] })) });
  return { source, target };
}

async function differences(source: InMemoryRegistry, target: InMemoryRegistry) {
  return diff(await readAll(source), await readAll(target), regions);
}

describe('the reconcile driver', () => {
  it('with its budget spent, does one unit per call and returns a cursor; the calls together converge the fleet', async () => {
    const { source, target } = await fleet(20);
    const settings = { pageSize: 4 };
    let cursor: ReconcileCursor | undefined;
    const stages: string[] = [];
    let calls = 0;
    for (; calls < 50; calls++) {
      const run = await runReconcile(source, side(target), settings, { ...(cursor ? { cursor } : {}), budget: spent, ...regions });
      stages.push(run.cursor.stage);
      cursor = decodeCursor(run.token);
      if (run.done) break;
    }
    expect(cursor?.stage).toBe('done');
    // One unit per call: the stages come one call at a time (globals, things, …), not all in the first call.
    expect(stages[0]).not.toBe('done');
    expect(calls).toBeGreaterThan(2);
    expect(cursor?.totals.failed).toBe(0);
    expect(cursor?.totals.things).toBe(25);
    expect(await differences(source, target)).toEqual([]);
  });

  it('hands off the things stage: lists pages for the caller, moves past them, and says where to resume', async () => {
    const { source, target } = await fleet(20);
    const settings = parseSettings({ pageSize: 4 });
    const ctx = createRunContext(source, side(target), settings, regions);
    let cursor: ReconcileCursor | undefined;
    const handed: string[][] = [];
    for (let i = 0; i < 50; i++) {
      const run = await runReconcile(source, side(target), settings, { ...(cursor ? { cursor } : {}), budget: UNLIMITED_BUDGET, handOffPages: 2, ...regions });
      if (run.handedOff) {
        expect(run.handedOff.pages.length).toBeGreaterThan(0);
        expect(run.handedOff.pages.length).toBeLessThanOrEqual(2);
        expect(run.handedOff.resume.stage).toBe('things');
        // Nothing of these pages was written by the driver: the caller converges them.
        for (const page of run.handedOff.pages) {
          handed.push(page);
          await reconcileThingPage(ctx, page);
        }
      }
      cursor = run.cursor;
      if (run.done) break;
    }
    expect(cursor?.stage).toBe('done');
    expect(handed.flat()).toHaveLength(25);
    expect(new Set(handed.flat()).size).toBe(25);
    expect(handed.every((page) => page.length <= 4)).toBe(true);
    expect(await differences(source, target)).toEqual([]);
  });

  it('lets an error propagate with throwErrors (the state machine retries), and returns it with the cursor otherwise', async () => {
    const { source, target } = await fleet(3);
    source.listThingNames = async () => {
      throw Object.assign(new Error('listing kept failing'), { name: 'TransientServiceError' });
    };
    const returned = await runReconcile(source, side(target), { scope: { thingType: 'sensor' } }, { ...regions, handOffPages: 2 });
    expect(returned.error).toEqual({ name: 'TransientServiceError', message: 'listing kept failing' });
    expect(returned.done).toBe(false);
    await expect(runReconcile(source, side(target), { scope: { thingType: 'sensor' } }, { ...regions, handOffPages: 2, throwErrors: true })).rejects.toMatchObject({
      name: 'TransientServiceError',
    });
  });
});

describe('the scope names one filter once', () => {
  it('takes the name prefix as `namePrefix` (the port\'s name) and refuses the old `thingPrefix`, naming it', async () => {
    expect(parseSettings({ scope: { namePrefix: 'bulk-01' } }).scope).toEqual({ namePrefix: 'bulk-01' });
    expect(() => parseSettings({ scope: { thingPrefix: 'bulk-01' } })).toThrow(/thingPrefix/);
    const { source, target } = await fleet(20);
    const run = await runReconcile(source, side(target), { scope: { namePrefix: 'bulk-01' } }, regions);
    expect(run.totals.things).toBe(10);
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await target.listThingNames({}, token);
      names.push(...page.items);
      token = page.nextToken;
    } while (token !== undefined);
    expect(names.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `bulk-01${i}`));
  });
});

describe('the step Lambda on the driver', () => {
  const deps = (source: InMemoryRegistry, target: InMemoryRegistry) => ({ source, target, logger: silentLogger });

  it('stops when the Lambda has less time left than the margin, even with stepSeconds to spare', async () => {
    const { source, target } = await fleet(3);
    const step = createHandler(deps(source, target));
    const limits = { stepSeconds: 600, pagesPerStep: 2, stepsPerExecution: 400 };
    const short = (await step({ state: { config: { deleteMode: 'mirror' }, limits }, execution: 'run-1' }, { getRemainingTimeInMillis: () => STEP_TIME_MARGIN_MS - 1 })) as StepOutput;
    // Mirror mode starts with `count`; out of Lambda time, the step stops after that one unit.
    expect(short.stage).toBe('globals');
    expect(short.done).toBe(false);
    const long = (await step({ state: { config: { deleteMode: 'mirror' }, limits }, execution: 'run-2' }, { getRemainingTimeInMillis: () => STEP_TIME_MARGIN_MS + 600_000 })) as StepOutput;
    // With time left, it runs on to the things stage and hands off its first pages.
    expect(long.hasWork).toBe(true);
    expect(decodeCursor(long.resume).stage).toBe('things');
  });
});
