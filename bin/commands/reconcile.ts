/**
 * `iot-registry-sync reconcile`: converge the target to the source — in process, page by page (the
 * default: operators and small fleets), through statemachine/reconcile.asl.json run locally with the real
 * handlers (`--local-state-machine`), or by starting the deployed state machine and following it and
 * its continuations (`--via-step-functions ARN`). Resumable with `--resume TOKEN`.
 *
 * Exit codes: 0 the target converged (with --dry-run: nothing to do), 2 items failed, were refused by
 * the mass-delete guard or remain to apply, 1 an error (or a run stopped before its end: resume it).
 */
import { randomUUID } from 'node:crypto';
import { errorMessage, errorName } from '../../lib/core/errors';
import { jsonLinesLogger, silentLogger, type Logger } from '../../lib/core/logger';
import {
  decodeCursor,
  emptyTotals,
  isWholeFleet,
  listScoped,
  parseSettings,
  runReconcile,
  type ReconcileDetails,
  type ReconcileSettings,
  type ReconcileTotals,
} from '../../lib/core/reconcile';
import { createStepFunctionsClient, type ExecutionFollower, type ExecutionStarter } from '../../lib/aws/step-functions';
import type { IotRegistry } from '../../lib/aws/iot-registry';
import { LocalReconcileRunner } from '../../lib/local/reconcile-runner';
import { driftRegistriesFor, roleRegistriesFor, type RegionOptions } from './registries';

/** Options of the reconcile command. */
export interface ReconcileCommandOptions extends RegionOptions {
  dryRun: boolean;
  deleteMode: 'retain' | 'mirror';
  allowMassDelete: boolean;
  json: boolean;
  /** `--thing-prefix`: the settings' `scope.namePrefix`. */
  thingPrefix?: string;
  thingType?: string;
  thingGroup?: string;
  /** A token printed by an earlier run (or an execution's output). */
  resume?: string;
  pageSize?: number;
  /** Start this deployed state machine and follow it. */
  viaStepFunctions?: string;
  /** Run statemachine/reconcile.asl.json locally with the real handlers. */
  localStateMachine?: boolean;
  /** Seconds between DescribeExecution polls (default 10). */
  pollSeconds?: number;
}

/** Where the command writes and what it talks to; every field has a default. */
export interface ReconcileCommandIo {
  /** The summary (stdout). */
  print: (line: string) => void;
  /** Progress and logs (stderr); progress only when it is a TTY. */
  stderr: { isTTY?: boolean; write: (text: string) => unknown };
  /** Step Functions, for --via-step-functions. */
  stepFunctions?: () => ExecutionStarter & ExecutionFollower;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Called with a function that stops the in-process run cleanly (wired to SIGINT by default). */
  onInterrupt?: (stop: () => void) => () => void;
}

const defaultIo = (): ReconcileCommandIo => ({
  print: (line) => console.log(line),
  stderr: process.stderr,
  stepFunctions: () => createStepFunctionsClient(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  onInterrupt: (stop) => {
    process.once('SIGINT', stop);
    return () => process.off('SIGINT', stop);
  },
});

/** The end of a run, whatever way it ran: what the summary and the exit code are made of. */
export interface ReconcileOutcome {
  mode: 'in-process' | 'local-state-machine' | 'step-functions';
  settings: ReconcileSettings;
  done: boolean;
  stage: string;
  /** Resume from here (when not done) — or the final cursor. */
  token: string;
  totals: ReconcileTotals;
  seconds: number;
  error?: { name: string; message: string };
  details?: ReconcileDetails;
  calls?: { source: unknown; target: unknown };
  throttles?: number;
  executions?: string[];
  /** In process: how the fleet was read (page by page, or through the lists first on a re-run). */
  readPath?: 'stream' | 'lists-first';
}

/** Runs the reconcile and prints its summary; returns the exit code. */
export async function runReconcileCommand(options: ReconcileCommandOptions, ioOrPrint: Partial<ReconcileCommandIo> | ((line: string) => void) = {}): Promise<number> {
  const io: ReconcileCommandIo = { ...defaultIo(), ...(typeof ioOrPrint === 'function' ? { print: ioOrPrint } : ioOrPrint) };
  let outcome: ReconcileOutcome;
  try {
    const settings = parseSettings({
      scope: {
        ...(options.thingPrefix === undefined ? {} : { namePrefix: options.thingPrefix }),
        ...(options.thingType === undefined ? {} : { thingType: options.thingType }),
        ...(options.thingGroup === undefined ? {} : { thingGroup: options.thingGroup }),
      },
      deleteMode: options.deleteMode,
      allowMassDelete: options.allowMassDelete,
      dryRun: options.dryRun,
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    });
    if (options.resume !== undefined) decodeCursor(options.resume); // fail early on a bad token
    if (options.viaStepFunctions !== undefined) outcome = await viaStepFunctions(options.viaStepFunctions, settings, options, io);
    else outcome = await inThisProcess(settings, options, io);
  } catch (error) {
    const name = errorName(error);
    io.print(options.json ? JSON.stringify({ error: { name, message: errorMessage(error) } }, null, 2) : `error: ${name === 'Error' ? '' : `${name}: `}${errorMessage(error)}`);
    return 1;
  }
  const code = reconcileExitCode(outcome);
  if (options.json) io.print(JSON.stringify(reconcileSummary(outcome), null, 2));
  else for (const line of formatReconcile(outcome, options)) io.print(line);
  return code;
}

/** 0 when the target converged (or a dry run found nothing to do), 2 when items failed or remain, 1 on error or an unfinished run. */
export function reconcileExitCode(outcome: Pick<ReconcileOutcome, 'done' | 'error' | 'totals' | 'settings'>): number {
  if (outcome.error || !outcome.done) return 1;
  const t = outcome.totals;
  if (outcome.settings.dryRun) return t.operations === 0 && t.invalid === 0 && !t.refused ? 0 : 2;
  return t.failed > 0 || t.invalid > 0 || t.refused ? 2 : 0;
}

const KIND_FIELDS = ['created', 'updated', 'deleted', 'skipped', 'failed'] as const;

/** The machine-readable summary (`--json`). */
export function reconcileSummary(o: ReconcileOutcome) {
  const t = o.totals;
  return {
    mode: o.mode,
    ...(o.readPath === undefined ? {} : { readPath: o.readPath }),
    dryRun: o.settings.dryRun,
    done: o.done,
    stage: o.stage,
    scope: o.settings.scope,
    deleteMode: o.settings.deleteMode,
    things: t.things,
    pages: t.pages,
    differences: t.differences,
    operations: t.operations,
    summary: Object.fromEntries(Object.entries(t.byKind).map(([kind, counts]) => [kind, Object.fromEntries(KIND_FIELDS.map((f, i) => [f, counts[i] ?? 0]))])),
    totals: { created: t.created, updated: t.updated, deleted: t.deleted, skipped: t.skipped, failed: t.failed, invalid: t.invalid },
    refused: t.refused ?? null,
    failures: t.failures,
    plan: o.details && o.settings.dryRun ? o.details.operations.map(({ id, kind, key, action, phase }) => ({ id, kind, key, action, phase })) : undefined,
    skipped: o.details?.skipped,
    invalid: o.details?.invalid,
    error: o.error ?? null,
    resumeToken: o.done ? null : o.token,
    token: o.token,
    wallSeconds: Number(o.seconds.toFixed(2)),
    throttles: o.throttles,
    calls: o.calls,
    executions: o.executions,
  };
}

/** The human-readable summary: the plan on a dry run, a table per kind otherwise. */
export function formatReconcile(o: ReconcileOutcome, options: Pick<ReconcileCommandOptions, 'sourceRegion' | 'targetRegion'>): string[] {
  const t = o.totals;
  const scope = isWholeFleet(o.settings.scope) ? 'whole fleet' : `scope ${JSON.stringify(o.settings.scope)}`;
  const lines = [`${options.sourceRegion} → ${options.targetRegion} (${scope}, ${o.mode}): ${t.things} things in ${t.pages} pages, ${t.differences} differences, ${t.operations} operations planned`];
  if (t.refused) lines.push(`REFUSED by the mass-delete guard: ${t.refused.reason} (use --allow-mass-delete to override)`);
  for (const item of o.details?.invalid ?? []) lines.push(`invalid: ${JSON.stringify(item)}`);
  if (o.settings.dryRun) {
    for (const op of o.details?.operations ?? []) lines.push(`  ${op.action.padEnd(6)} ${op.kind} ${op.key} (${op.type})`);
    for (const s of o.details?.skipped ?? []) lines.push(`  skip   ${s.kind} ${s.key}: ${s.reason}`);
    lines.push('dry run: nothing was written');
  } else {
    lines.push(`${'kind'.padEnd(26)}created updated deleted skipped  failed`);
    for (const [kind, counts] of Object.entries(t.byKind)) lines.push(`${kind.padEnd(26)}${counts.map((n) => String(n).padStart(7)).join(' ')}`);
  }
  for (const f of t.failures) lines.push(`  failed ${f.kind} ${f.key}: ${f.errorName}: ${f.message}`);
  if (t.failed > t.failures.length) lines.push(`  … and ${t.failed - t.failures.length} more failures`);
  if (o.error) lines.push(`stopped by an error: ${o.error.name}: ${o.error.message}`);
  if (!o.done) lines.push(`not finished (stage ${o.stage}); resume with: --resume ${o.token}`);
  if (!o.settings.dryRun) lines.push(`done in ${o.seconds.toFixed(1)} s: ${t.created} created, ${t.updated} updated, ${t.deleted} deleted, ${t.skipped} skipped, ${t.failed} failed`);
  return lines;
}

// ------------------------------------------------------------------------------------------ in process

/** Only warnings and errors, and on their own line when a progress line is shown. */
function commandLogger(options: ReconcileCommandOptions, io: ReconcileCommandIo, progress: boolean): Logger {
  if (options.json && !progress) return silentLogger;
  const lines = jsonLinesLogger({ write: (line) => io.stderr.write(`${progress ? '\r\x1b[K' : ''}${line}\n`) });
  return { info() {}, warn: lines.warn, error: lines.error, child: () => commandLogger(options, io, progress) };
}

const throttlesOf = (...registries: IotRegistry[]) =>
  registries.reduce((n, r) => n + Object.values(r.stats().quota.throttles).reduce((a, b) => a + b, 0), 0);

/** A one-line progress display on stderr: items done, rate, ETA, throttles. */
class ProgressLine {
  private total: number | undefined;
  private readonly started: number;
  private lastDraw = 0;
  constructor(private readonly io: ReconcileCommandIo) {
    this.started = io.now();
  }
  setTotal(total: number): void {
    this.total = total;
  }
  draw(stage: string, totals: ReconcileTotals, throttles: number, force = false): void {
    const now = this.io.now();
    if (!force && now - this.lastDraw < 250) return;
    this.lastDraw = now;
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    const rate = totals.things / seconds;
    const of = this.total === undefined ? '' : `/${this.total} (${Math.min(100, Math.floor((100 * totals.things) / Math.max(1, this.total)))} %)`;
    const eta = this.total !== undefined && rate > 0 && stage === 'things' ? ` ETA ${clock(Math.max(0, this.total - totals.things) / rate)}` : '';
    this.io.stderr.write(`\r\x1b[K[${stage}] things ${totals.things}${of}  ${rate.toFixed(1)}/s${eta}  writes ${totals.created + totals.updated + totals.deleted}  throttles ${throttles}  failed ${totals.failed}`);
  }
  end(): void {
    this.io.stderr.write('\n');
  }
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

async function countInScope(reader: IotRegistry, settings: ReconcileSettings): Promise<number> {
  let n = 0;
  let token: string | undefined;
  do {
    const page = await listScoped(reader, settings.scope, token);
    n += page.items.length;
    token = page.nextToken;
  } while (token !== undefined);
  return n;
}

async function inThisProcess(settings: ReconcileSettings, options: ReconcileCommandOptions, io: ReconcileCommandIo): Promise<ReconcileOutcome> {
  const progress = io.stderr.isTTY === true ? new ProgressLine(io) : undefined;
  const logger = commandLogger(options, io, progress !== undefined);
  if (options.iamTemplate !== undefined && !options.localStateMachine) {
    throw new Error('--iam-template runs the Lambdas under their roles: it needs --local-state-machine');
  }
  const pair = driftRegistriesFor(options, logger);
  const [source, target] = [pair.source.registry, pair.target.registry];
  const started = io.now();
  if (progress) void countInScope(source, settings).then((n) => progress.setTotal(n), () => undefined);

  if (options.localStateMachine) {
    const iamTemplate = options.iamTemplate;
    const byRole = iamTemplate === undefined ? undefined : roleRegistriesFor({ ...options, iamTemplate }, logger, 'reconcile.asl.json');
    const runner = new LocalReconcileRunner(byRole ? { forTask: (state) => ({ ...byRole.forTask(state), logger }) } : { source, target, logger });
    const run = await runner.run({ config: settings, ...(options.resume === undefined ? {} : { cursor: options.resume }) });
    const last = run.executions.at(-1);
    const output = run.output;
    const token = output?.token ?? options.resume ?? '';
    const cursor = token ? decodeCursor(token) : undefined;
    progress?.end();
    return {
      mode: 'local-state-machine',
      settings,
      done: last?.status === 'SUCCEEDED' && output?.status === 'DONE',
      stage: cursor?.stage ?? 'globals',
      token,
      totals: cursor?.totals ?? emptyTotals(),
      seconds: (io.now() - started) / 1000,
      ...(last?.status === 'FAILED' ? { error: { name: last.error ?? 'ExecutionFailed', message: last.cause ?? '' } } : {}),
      calls: { source: source.stats(), target: target.stats() },
      throttles: throttlesOf(source, target),
      executions: run.executions.map((e) => e.executionId),
    };
  }

  let stopping = false;
  const release = io.onInterrupt?.(() => (stopping = true));
  try {
    const result = await runReconcile(source, { reader: target, writer: target }, settings, {
      ...(options.resume === undefined ? {} : { cursor: decodeCursor(options.resume) }),
      collectDetails: settings.dryRun,
      logger,
      // A re-run into a populated target reads through the drift read's lists first.
      listings: { source: pair.source.listings, target: pair.target.listings },
      shouldStop: () => stopping,
      ...(progress ? { onProgress: (p) => progress.draw(p.stage, p.totals, throttlesOf(source, target)) } : {}),
    });
    progress?.draw(result.cursor.stage, result.totals, throttlesOf(source, target), true);
    progress?.end();
    return {
      mode: 'in-process',
      readPath: result.readPath,
      settings,
      done: result.done,
      stage: result.cursor.stage,
      token: result.token,
      totals: result.totals,
      seconds: (io.now() - started) / 1000,
      ...(result.error ? { error: result.error } : {}),
      ...(result.details ? { details: result.details } : {}),
      calls: { source: source.stats(), target: target.stats() },
      throttles: throttlesOf(source, target),
    };
  } finally {
    release?.();
  }
}

// ------------------------------------------------------------------------------------------ Step Functions

/** The output the reconcile state machine ends with (see statemachine/reconcile.asl.json). */
interface ExecutionOutput {
  status: 'DONE' | 'CONTINUED';
  token: string;
  stage?: string;
  continuedAs?: string;
  totals?: ReconcileTotals;
}

async function viaStepFunctions(stateMachineArn: string, settings: ReconcileSettings, options: ReconcileCommandOptions, io: ReconcileCommandIo): Promise<ReconcileOutcome> {
  const sfn = (io.stepFunctions ?? defaultIo().stepFunctions!)();
  const progress = io.stderr.isTTY === true ? new ProgressLine(io) : undefined;
  const started = io.now();
  const name = `reconcile-${new Date(io.now()).toISOString().replace(/[^0-9]/g, '').slice(0, 14)}-${randomUUID().slice(0, 8)}`;
  const { executionArn: first } = await sfn.startExecution({
    stateMachineArn,
    name,
    input: { config: settings, ...(options.resume === undefined ? {} : { cursor: options.resume }) },
  });
  const executions = [first];
  let arn = first;
  let lastToken = options.resume ?? '';
  const pollMs = (options.pollSeconds ?? 10) * 1000;
  const outcome = (fields: Partial<ReconcileOutcome> & { done: boolean; token: string }): ReconcileOutcome => {
    const cursor = fields.token ? decodeCursor(fields.token) : undefined;
    progress?.end();
    return {
      mode: 'step-functions',
      settings,
      stage: cursor?.stage ?? 'globals',
      totals: cursor?.totals ?? emptyTotals(),
      seconds: (io.now() - started) / 1000,
      executions,
      ...fields,
    };
  };
  for (;;) {
    const d = await sfn.describeExecution(arn);
    if (d.status === 'RUNNING' || d.status === 'PENDING_REDRIVE') {
      await io.sleep(pollMs);
      continue;
    }
    if (d.status !== 'SUCCEEDED') {
      // Stopped, failed or timed out: the last step's `resume` token is where to go on from.
      const step = await sfn.lastTaskOutputWith(arn, 'resume');
      const token = typeof step?.['resume'] === 'string' ? step['resume'] : lastToken;
      return outcome({ done: false, token, error: { name: d.error ?? d.status, message: d.cause ?? `execution ${arn} ended ${d.status}` } });
    }
    const output = d.output as ExecutionOutput;
    lastToken = output.token;
    if (progress && output.totals) progress.draw(output.stage ?? '', output.totals, 0, true);
    if (output.status === 'CONTINUED' && output.continuedAs) {
      arn = output.continuedAs;
      executions.push(arn);
      continue;
    }
    return outcome({ done: output.status === 'DONE', token: output.token });
  }
}
