/**
 * `iot-registry-sync reconcile`: exit codes and the --json summary in process and through the local
 * state machine (against the emulator), and --via-step-functions with a mocked SFN client.
 */
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { createIotRegistry } from '../../lib/aws/clients';
import { createStepFunctionsClient } from '../../lib/aws/step-functions';
import { silentLogger } from '../../lib/core/logger';
import { emptyTotals, encodeCursor, initialCursor, parseSettings } from '../../lib/core/reconcile';
import { startEmulator, type RunningEmulator } from '../../lib/local/emulator';
import { runReconcileCommand, type ReconcileCommandIo, type ReconcileCommandOptions } from '../../bin/commands/reconcile';
import { ACCOUNT } from '../support/constants';

const SOURCE = 'us-east-1';
const TARGET = 'eu-west-1';
const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:reconcile';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ quotaScale: 0, accountId: ACCOUNT });
  const source = createIotRegistry({ region: SOURCE, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger });
  await source.createThingType({ name: 'sensor', searchableAttributes: [], deprecated: false });
  for (let i = 0; i < 5; i += 1) await source.createThing({ name: `t-${i}`, thingTypeName: 'sensor', attributes: { i: String(i) } });
  await source.createPolicy('p', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}');
});

afterAll(async () => {
  await emulator.close();
});

const base = (): ReconcileCommandOptions => ({
  sourceRegion: SOURCE,
  targetRegion: TARGET,
  endpoint: emulator.url,
  quotaScale: 0,
  dryRun: false,
  deleteMode: 'retain',
  allowMassDelete: false,
  json: true,
});

/** Runs the command and returns its exit code and what it printed. */
async function command(options: Partial<ReconcileCommandOptions>, io: Partial<ReconcileCommandIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runReconcileCommand({ ...base(), ...options }, { print: (l) => out.push(l), stderr: { isTTY: false, write: (t) => err.push(t) }, onInterrupt: () => () => undefined, ...io });
  return { code, out: out.join('\n'), err: err.join(''), json: () => JSON.parse(out.join('\n')) as Record<string, unknown> };
}

describe('reconcile command, in process', () => {
  beforeEach(() => emulator.reset(TARGET));

  it('streams into an empty target and reads through the lists first on the re-run', async () => {
    const first = await command({});
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ mode: 'in-process', readPath: 'stream', done: true });

    const rerun = await command({});
    expect(rerun.code).toBe(0);
    expect(rerun.json()).toMatchObject({ mode: 'in-process', readPath: 'lists-first', done: true, things: 5, totals: { created: 0, updated: 0, failed: 0 } });
  });

  it('exits 2 on a dry run with work to do, 0 once converged, 0 on a dry run with nothing left', async () => {
    const dry = await command({ dryRun: true });
    expect(dry.code).toBe(2);
    expect(dry.json()).toMatchObject({ mode: 'in-process', dryRun: true, done: true, things: 5, totals: { created: 0 } });
    expect((dry.json()['plan'] as unknown[]).length).toBeGreaterThan(5);

    const real = await command({});
    expect(real.code).toBe(0);
    expect(real.json()).toMatchObject({ done: true, things: 5, totals: { failed: 0 }, summary: { thing: { created: 5 }, thingType: { created: 1 }, policy: { created: 1 } }, resumeToken: null });

    expect((await command({ dryRun: true })).code).toBe(0);
  });

  it('exits 2 when the mass-delete guard refuses the deletes, and names the refusal', async () => {
    await command({});
    const target = createIotRegistry({ region: TARGET, endpoint: emulator.url, accountId: ACCOUNT, quotas: { scale: 0 }, logger: silentLogger });
    for (let i = 0; i < 3; i += 1) await target.createThing({ name: `stale-${i}`, attributes: {} });
    const refused = await command({ deleteMode: 'mirror' });
    expect(refused.code).toBe(2);
    expect(refused.json()['refused']).toMatchObject({ deletes: 3, limit: 1 });
    const allowed = await command({ deleteMode: 'mirror', allowMassDelete: true });
    expect(allowed.code).toBe(0);
    expect(allowed.json()).toMatchObject({ totals: { deleted: 3, failed: 0 } });
  });

  it('exits 1 with the error on a bad resume token', async () => {
    const bad = await command({ resume: 'nonsense' });
    expect(bad.code).toBe(1);
    expect(bad.json()).toEqual({ error: { name: 'InvalidInputError', message: expect.stringMatching(/resume token/) } });
  });

  it('prints the human summary with a table per kind, and draws progress only on a terminal', async () => {
    const plain = await command({ json: false, thingPrefix: 't-1' });
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/us-east-1 → eu-west-1 \(scope \{"namePrefix":"t-1"\}, in-process\): 1 things in 1 pages/);
    expect(plain.out).toMatch(/^thing\s+1\s+0\s+0\s+0\s+0$/m);
    expect(plain.err).toBe('');
    const tty = await command({ json: false }, { stderr: { isTTY: true, write: (t) => void ttyOut.push(t) } });
    expect(tty.code).toBe(0);
    expect(ttyOut.join('')).toMatch(/\[done\] things 5\/5 \(100 %\)/);
  });

  it('runs the reconcile state machine locally with the real handlers', async () => {
    const local = await command({ localStateMachine: true, pageSize: 2 });
    expect(local.code).toBe(0);
    expect(local.json()).toMatchObject({ mode: 'local-state-machine', done: true, things: 5, pages: 3, totals: { failed: 0 } });
  });
});
const ttyOut: string[] = [];

describe('reconcile command, --via-step-functions', () => {
  const sfn = mockClient(SFNClient);
  const io = (): Partial<ReconcileCommandIo> => ({
    stepFunctions: () => createStepFunctionsClient(new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } })),
    sleep: async () => undefined,
  });
  const settings = parseSettings({});
  const token = (stage: 'things' | 'done', things: number, failed = 0) =>
    encodeCursor({ ...initialCursor(settings), stage, totals: { ...emptyTotals(), things, pages: things, failed } });

  beforeEach(() => sfn.reset());

  it('starts the execution, follows its continuation to the end and exits 0', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:e1`, startDate: new Date() });
    sfn.on(DescribeExecutionCommand, { executionArn: `${ARN}:e1` })
      .resolvesOnce({ status: 'RUNNING' })
      .resolves({ status: 'SUCCEEDED', output: JSON.stringify({ status: 'CONTINUED', continuedAs: `${ARN}:e1-c1`, token: token('things', 3) }) });
    sfn.on(DescribeExecutionCommand, { executionArn: `${ARN}:e1-c1` }).resolves({ status: 'SUCCEEDED', output: JSON.stringify({ status: 'DONE', token: token('done', 7) }) });

    const result = await command({ viaStepFunctions: ARN, thingType: 'sensor' }, io());
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ mode: 'step-functions', done: true, things: 7, executions: [`${ARN}:e1`, `${ARN}:e1-c1`] });
    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start.stateMachineArn).toBe(ARN);
    expect(JSON.parse(start.input!)).toEqual({ config: expect.objectContaining({ scope: { thingType: 'sensor' }, deleteMode: 'retain' }) });
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(3);
  });

  it('passes --resume as the cursor and exits 2 when items failed', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:e2`, startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify({ status: 'DONE', token: token('done', 4, 1) }) });
    const resume = token('things', 2);
    const result = await command({ viaStepFunctions: ARN, resume }, io());
    expect(result.code).toBe(2);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).toMatchObject({ cursor: resume });
  });

  it('exits 1 when the execution fails, printing the last step\'s resume token', async () => {
    const resume = token('things', 250);
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:e3`, startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 9, timestamp: new Date(), type: 'MapStateStarted' },
        { id: 8, timestamp: new Date(), type: 'LambdaFunctionSucceeded', lambdaFunctionSucceededEventDetails: { output: JSON.stringify({ resume, cursor: 'later' }) } },
      ],
    });
    const result = await command({ viaStepFunctions: ARN }, io());
    expect(result.code).toBe(1);
    expect(result.json()).toMatchObject({ done: false, resumeToken: resume, things: 250, error: { name: 'ABORTED' } });
  });
});
