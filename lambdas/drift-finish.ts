/**
 * Last state of the drift job: compares both regions from the chunk results one keyed partition at a
 * time and builds the report (every difference, readiness per device), writes it as JSON and HTML to
 * the report bucket, puts a "Registry Drift Report" event on EventBridge, starts a reconcile when
 * configured and the regions differ, and publishes CloudWatch metrics (EMF through Powertools): ReadinessPercent, DifferencesTotal,
 * DevicesNotReady, and Differences per Kind. Every step is idempotent, so a retried invocation is safe.
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { DriftRunIdSchema, DriftSideSchema, DriftStreamSchema } from '../lib/core/drift-read';
import { buildPartitionedDriftReport } from '../lib/core/drift-partition';
import { summariseDriftReport, type DriftReport, type DriftSummary } from '../lib/core/drift';
import { DIFFERENCE_KINDS } from '../lib/core/keys';
import { TransientServiceError } from '../lib/core/errors';
import { accountRewrite } from '../lib/core/policy-document';
import { parseOrThrow } from '../lib/core/validation';
import { formatHtml, formatJson } from '../lib/report';
import { environmentDriftDependencies, type DriftDependencySource } from './runtime/drift-dependencies';
import { resolveDependencies } from './runtime/dependency-source';

/** The EventBridge source and detail type of the report event. */
export const DRIFT_EVENT_SOURCE = 'iot-registry-sync';
export const DRIFT_EVENT_DETAIL_TYPE = 'Registry Drift Report';

/** The input of a reconcile started on drift: the reconcile's settings, all defaults (whole fleet, retain). */
export const RECONCILE_ON_DRIFT_INPUT = { config: {} } as const;

const FinishDriftInputSchema = z.strictObject({
  runId: DriftRunIdSchema,
  /** The last result of each stream (what the read Map returns). */
  streams: z.array(z.looseObject({ side: DriftSideSchema, stream: DriftStreamSchema, chunk: z.number().int().min(0), done: z.literal(true) })),
});

/** What the job returns: where the report is, its summary, and the reconcile it started. */
export interface DriftOutcome {
  runId: string;
  report: { json: string; html: string };
  summary: DriftSummary;
  reconcileExecutionArn?: string;
}

/** The store keys of a run's report, and of the latest report. */
export function driftReportKeys(runId: string) {
  return {
    json: `drift/reports/${runId}/report.json`,
    html: `drift/reports/${runId}/report.html`,
    latestJson: 'drift/latest/report.json',
    latestHtml: 'drift/latest/report.html',
  };
}

/** Publishes the report's metrics: the totals in one EMF record, then one record per kind with a Kind dimension. */
export function publishDriftMetrics(metrics: Metrics, report: DriftReport): void {
  metrics.addMetric('ReadinessPercent', MetricUnit.Percent, report.readiness.readinessPercent);
  metrics.addMetric('DifferencesTotal', MetricUnit.Count, report.totals.differences);
  metrics.addMetric('DevicesNotReady', MetricUnit.Count, report.readiness.notReady);
  metrics.publishStoredMetrics();
  // Zeros too: an alarm on a kind needs a data point every run.
  for (const kind of DIFFERENCE_KINDS) {
    const c = report.byKind[kind];
    const single = metrics.singleMetric();
    single.addDimension('Kind', kind);
    single.addMetric('Differences', MetricUnit.Count, c.missing + c.different + c.extra + c.invalid);
  }
}

/** A Step Functions execution name for the reconcile a run starts (1–80 characters of [A-Za-z0-9_-]). */
function reconcileExecutionName(runId: string): string {
  return `drift-${runId.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 80);
}

/** Builds the handler over the given dependencies. */
export function createHandler(deps: DriftDependencySource) {
  return async (input: unknown): Promise<DriftOutcome> => {
    const d = resolveDependencies(deps);
    const { runId, streams } = parseOrThrow(FinishDriftInputSchema, input, '');
    // One keyed partition at a time: memory bounded by a partition, not the fleet (lib/core/drift-partition).
    const report = await buildPartitionedDriftReport({
      store: d.store,
      runId,
      sourceRegion: d.regions.source.reader.region,
      targetRegion: d.regions.target.reader.region,
      accounts: accountRewrite(d.regions.source.reader.accountId, d.regions.target.reader.accountId),
      generatedAt: (d.now?.() ?? new Date()).toISOString(),
      notes: [`Read in ${streams.reduce((n, s) => n + s.chunk, 0)} chunks.`],
    });
    // Readiness includes quotas; quotas that cannot be read are a note, never a failed report.
    if (d.quotas) {
      try {
        report.quotas = await d.quotas();
      } catch (error) {
        report.notes.push(`IoT Core quotas not compared: ${(error as Error).name}: ${(error as Error).message}`);
      }
    }
    const keys = driftReportKeys(runId);
    const json = formatJson(report);
    const html = formatHtml(report);
    await Promise.all([
      d.store.put(keys.json, json, 'application/json'),
      d.store.put(keys.html, html, 'text/html; charset=utf-8'),
      d.store.put(keys.latestJson, json, 'application/json'),
      d.store.put(keys.latestHtml, html, 'text/html; charset=utf-8'),
    ]);
    const summary = summariseDriftReport(report);
    const outcome: DriftOutcome = { runId, report: { json: d.locate(keys.json), html: d.locate(keys.html) }, summary };

    const { failedEntryCount } = await d.publisher.putEvents([
      { Source: DRIFT_EVENT_SOURCE, DetailType: DRIFT_EVENT_DETAIL_TYPE, EventBusName: d.eventBusName, Detail: JSON.stringify({ runId, ...summary, report: outcome.report }) },
    ]);
    if (failedEntryCount > 0) throw new TransientServiceError(`PutEvents refused the drift report event of run ${runId}`);

    if (!report.inSync && d.reconcile !== undefined) {
      const started = await d.reconcile.starter.startExecution({
        stateMachineArn: d.reconcile.stateMachineArn,
        name: reconcileExecutionName(runId),
        input: RECONCILE_ON_DRIFT_INPUT,
      });
      outcome.reconcileExecutionArn = started.executionArn;
    }

    publishDriftMetrics(d.metrics, report);
    d.logger.info('drift report written', { runId, differences: summary.differences, readinessPercent: summary.readiness.readinessPercent, reconcile: outcome.reconcileExecutionArn ?? null });
    return outcome;
  };
}

export const handler = createHandler(environmentDriftDependencies);
