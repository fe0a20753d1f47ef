/**
 * `iot-registry-sync reconcile`: the whole fleet, in-process (read both regions, diff, plan, apply).
 * Exit codes: 0 converged (or, with --dry-run, nothing to do), 2 items failed or differences remain to
 * apply, 1 error.
 */
import { jsonLinesLogger, silentLogger } from '../../lib/core/logger';
import { reconcile, type ReconcileResult } from '../../lib/core/sync';
import { registriesFor, type RegionOptions } from './registries';

/** Options of the reconcile command. */
export interface ReconcileCommandOptions extends RegionOptions {
  dryRun: boolean;
  deleteMode: 'retain' | 'mirror';
  allowMassDelete: boolean;
  json: boolean;
}

/** Runs the reconcile and prints its summary; returns the exit code. */
export async function runReconcileCommand(options: ReconcileCommandOptions, print: (line: string) => void = console.log): Promise<number> {
  const logger = options.json ? silentLogger : jsonLinesLogger({ write: (line) => process.stderr.write(`${line}\n`) });
  const { source, target } = registriesFor(options, logger);
  const started = Date.now();
  const result = await reconcile(source, { reader: target, writer: target }, {
    deleteMode: options.deleteMode,
    allowMassDelete: options.allowMassDelete,
    dryRun: options.dryRun,
    logger,
  });
  const seconds = (Date.now() - started) / 1000;
  const exitCode = reconcileExitCode(result);
  if (options.json) {
    print(JSON.stringify(reconcileSummary(result, seconds, source.stats(), target.stats()), null, 2));
  } else {
    for (const line of formatReconcile(result, seconds, options)) print(line);
  }
  return exitCode;
}

/** 0 when the target converged (or a dry run found nothing), 2 otherwise. */
export function reconcileExitCode(result: ReconcileResult): number {
  if (result.dryRun) return result.plan.operations.length === 0 && result.plan.invalid.length === 0 ? 0 : 2;
  return result.totals.failed > 0 || result.plan.refused || result.plan.invalid.length > 0 ? 2 : 0;
}

/** The machine-readable summary (`--json`). */
export function reconcileSummary(result: ReconcileResult, seconds: number, sourceStats?: unknown, targetStats?: unknown) {
  return {
    dryRun: result.dryRun,
    differences: result.differences.length,
    operations: result.plan.operations.length,
    summary: result.summary,
    totals: result.totals,
    skipped: result.plan.skipped,
    invalid: result.plan.invalid,
    refused: result.plan.refused ?? null,
    failures: result.outcomes.filter((o) => o.status === 'failed'),
    plan: result.dryRun ? result.plan.operations.map(({ id, kind, key, action, phase }) => ({ id, kind, key, action, phase })) : undefined,
    wallSeconds: Number(seconds.toFixed(2)),
    calls: { source: sourceStats, target: targetStats },
  };
}

/** The human-readable summary: the plan on a dry run, a table per kind otherwise. */
export function formatReconcile(result: ReconcileResult, seconds: number, options: Pick<ReconcileCommandOptions, 'sourceRegion' | 'targetRegion'>): string[] {
  const lines = [`${options.sourceRegion} → ${options.targetRegion}: ${result.differences.length} differences, ${result.plan.operations.length} operations planned`];
  if (result.plan.refused) lines.push(`REFUSED by the mass-delete guard: ${result.plan.refused.reason} (use --allow-mass-delete to override)`);
  for (const item of result.plan.invalid) lines.push(`invalid: ${JSON.stringify(item)}`);
  if (result.dryRun) {
    for (const op of result.plan.operations) lines.push(`  ${op.action.padEnd(6)} ${op.kind} ${op.key} (${op.type})`);
    for (const s of result.plan.skipped) lines.push(`  skip   ${s.kind} ${s.key}: ${s.reason}`);
    lines.push('dry run: nothing was written');
    return lines;
  }
  lines.push(`${'kind'.padEnd(26)}created updated deleted skipped  failed`);
  for (const [kind, s] of Object.entries(result.summary)) {
    if (!s) continue;
    lines.push(`${kind.padEnd(26)}${[s.created, s.updated, s.deleted, s.skipped, s.failed].map((n) => String(n).padStart(7)).join(' ')}`);
  }
  for (const o of result.outcomes.filter((x) => x.status === 'failed')) lines.push(`  failed ${o.kind} ${o.key}: ${o.errorName}: ${o.message}`);
  const t = result.totals;
  lines.push(`done in ${seconds.toFixed(1)} s: ${t.created} created, ${t.updated} updated, ${t.deleted} deleted, ${t.skipped} skipped, ${t.failed} failed`);
  return lines;
}
