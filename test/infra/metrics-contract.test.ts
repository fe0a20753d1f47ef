/**
 * Metrics and alarms are one contract: every CloudWatch alarm of the synthesized stack must watch a metric
 * that something really emits, with the same namespace, name and *exactly* the same dimensions (CloudWatch
 * identifies a metric by all of them: an alarm on a subset sees no data and, with missing data breaching,
 * stays in ALARM forever; https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension).
 *
 * Our own metrics are read from the EMF lines the real publishing code prints, configured from the
 * environment the template gives its Lambda. Metrics that AWS services publish are checked against the
 * dimension each service documents.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addIotRegistrySyncStacks, loadAppConfig } from '../../lib/infra';
import { publishDriftMetrics } from '../../lambdas/drift-finish';
import { readDriftEnvironment } from '../../lambdas/runtime/drift-dependencies';
import { createRegionPairMetrics } from '../../lambdas/runtime/metrics';
import { sampleReport } from '../support/sample-drift-report';
import createKeys from '../fixtures/events/cloudtrail-create-keys-and-certificate.json';
import * as resolveChange from '../../lambdas/resolve-change';
import { readSyncEnvironment } from '../../lambdas/runtime/config';
import { silentLogger } from '../../lib/core/logger';
import { InMemoryRegistry } from '../support/in-memory-registry';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { addFailoverStacks } from '../../lib/infra/failover/stacks';
import { canaryMetrics, runCanary } from '../../lambdas/failover-canary';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Json = Record<string, unknown>;

/** One metric as CloudWatch identifies it. */
interface MetricIdentity {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

const key = (m: MetricIdentity) =>
  `${m.namespace} ${m.name} {${Object.entries(m.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}}`;

/** A template value as a string: literals as they are, references as `<LogicalId>`. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Json;
  if (node.Ref !== undefined) return `<${String(node.Ref)}>`;
  if (Array.isArray(node['Fn::GetAtt'])) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
  if (Array.isArray(node['Fn::Join'])) {
    const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(delimiter);
  }
  return JSON.stringify(value);
}

/** Every metric the alarms of a template watch, directly or inside a metric math expression. */
function alarmMetrics(template: Json): { alarm: string; metric: MetricIdentity }[] {
  const out: { alarm: string; metric: MetricIdentity }[] = [];
  const dims = (list: unknown) => Object.fromEntries(((list as { Name: string; Value: unknown }[] | undefined) ?? []).map((d) => [d.Name, flatten(d.Value)]));
  for (const [id, resource] of Object.entries(template.Resources as Record<string, Json>)) {
    if (resource.Type !== 'AWS::CloudWatch::Alarm') continue;
    const p = resource.Properties as Json;
    if (typeof p.MetricName === 'string') {
      out.push({ alarm: id, metric: { namespace: String(p.Namespace), name: p.MetricName, dimensions: dims(p.Dimensions) } });
    }
    for (const query of (p.Metrics as Json[] | undefined) ?? []) {
      const stat = (query.MetricStat as Json | undefined)?.Metric as Json | undefined;
      if (stat) out.push({ alarm: id, metric: { namespace: String(stat.Namespace), name: String(stat.MetricName), dimensions: dims(stat.Dimensions) } });
    }
  }
  return out;
}

/** The metric identities in EMF lines (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html). */
function emfMetrics(lines: string[]): MetricIdentity[] {
  const out: MetricIdentity[] = [];
  for (const line of lines) {
    let record: Json;
    try {
      record = JSON.parse(line) as Json;
    } catch {
      continue;
    }
    const directives = ((record._aws as Json | undefined)?.CloudWatchMetrics as Json[] | undefined) ?? [];
    for (const d of directives) {
      for (const set of d.Dimensions as string[][]) {
        const dimensions = Object.fromEntries(set.map((name) => [name, String(record[name])]));
        for (const m of d.Metrics as { Name: string }[]) out.push({ namespace: String(d.Namespace), name: m.Name, dimensions });
      }
    }
  }
  return out;
}

/** What an async function publishes, captured from standard output until it settles. */
async function captureStdout(publish: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  try {
    await publish();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

/** A Lambda's environment as the template sets it (references flattened; only literal IRS_* values matter here). */
function functionEnvironment(template: Json, logicalIdPrefix: string): Record<string, string> {
  const entry = Object.entries(template.Resources as Record<string, Json>).find(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.includes(logicalIdPrefix),
  );
  if (!entry) throw new Error(`no Lambda function ${logicalIdPrefix} in the template`);
  const vars = (((entry[1].Properties as Json).Environment as Json | undefined)?.Variables ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, flatten(v)]));
}

/**
 * The dimension each AWS service puts on the metrics the alarms use.
 * Step Functions: https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html (StateMachineArn);
 * SQS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html (QueueName);
 * Lambda: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (FunctionName).
 */
const AWS_SERVICE_DIMENSIONS: Record<string, string[]> = {
  'AWS/States': ['StateMachineArn'],
  'AWS/SQS': ['QueueName'],
  'AWS/Lambda': ['FunctionName'],
};

/** The app as `cdk synth` builds it with a failover section: the main stack and the failover stacks. */
const configDir = mkdtempSync(join(tmpdir(), 'irs-metrics-'));
writeFileSync(
  join(configDir, 'failover.json'),
  JSON.stringify({
    failover: {
      domainName: 'iot.example.com',
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      serverCertificateArns: {
        primary: 'arn:aws:acm:us-east-1:111122223333:certificate/11111111-2222-3333-4444-555555555555',
        secondary: 'arn:aws:acm:us-west-2:111122223333:certificate/66666666-7777-8888-9999-000000000000',
      },
    },
  }),
);
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const config = loadAppConfig({ context: (k) => (k === 'config' ? join(configDir, 'failover.json') : undefined), env: {}, cwd: configDir });
const syncStacks = addIotRegistrySyncStacks(app, config);
const stacks = [...syncStacks, ...addFailoverStacks(app, config, syncStacks[0]!)];
const templates = stacks.map((stack) => ({ stack, template: Template.fromStack(stack).toJSON() as Json }));
const watched = templates.flatMap((t) => alarmMetrics(t.template));

/** A CloudTrail event whose record lacks the certificate ID it created: ResolveChange counts it as unresolved. */
const unresolvedEvent = { ...createKeys, detail: { ...createKeys.detail, responseElements: null } };

/** What the project's own code emits, configured as the template configures each emitting Lambda. */
async function emittedMetrics(): Promise<MetricIdentity[]> {
  const lines: string[] = [];
  // The drift job and the sync of each sync stack (the main one and the failback one, reversed).
  for (const { template: t } of templates.slice(0, syncStacks.length)) {
    const drift = readDriftEnvironment({ ...functionEnvironment(t, 'DriftFinish'), IRS_REPORT_BUCKET: 'report-bucket' });
    lines.push(...(await captureStdout(async () => publishDriftMetrics(createRegionPairMetrics('drift', drift.IRS_SOURCE_REGION, drift.IRS_TARGET_REGION), sampleReport()))));

    const sync = readSyncEnvironment(functionEnvironment(t, 'ResolveChange'));
    const resolve = resolveChange.createHandler({
      source: new InMemoryRegistry({ region: sync.IRS_SOURCE_REGION }),
      target: new InMemoryRegistry({ region: sync.IRS_TARGET_REGION }),
      deleteMode: sync.IRS_DELETE_MODE,
      logger: silentLogger,
      metrics: createRegionPairMetrics('sync', sync.IRS_SOURCE_REGION, sync.IRS_TARGET_REGION),
    });
    let resolved: unknown;
    lines.push(
      ...(await captureStdout(async () => {
        resolved = await resolve({ ...unresolvedEvent, region: sync.IRS_SOURCE_REGION, detail: { ...unresolvedEvent.detail, awsRegion: sync.IRS_SOURCE_REGION } });
      })),
    );
    expect(resolved).toMatchObject({ status: 'unresolved' });
  }

  // Each region's canary, configured from its stack's Lambda; an unreadable secret is a failed probe (no network).
  const canaryLines: string[] = [];
  for (const { stack, template: t } of templates) {
    const canary = Object.keys(t.Resources as Json).find((id) => id.includes('Canary') && (t.Resources as Record<string, Json>)[id]!.Type === 'AWS::Lambda::Function' && functionEnvironment(t, id).IRS_FAILOVER_DOMAIN);
    if (canary === undefined) continue;
    const domainName = functionEnvironment(t, canary).IRS_FAILOVER_DOMAIN!;
    canaryLines.push(
      ...(await captureStdout(async () => {
        await runCanary({
          region: stack.region,
          domainName,
          readSecret: async () => Promise.reject(new Error('no secret in a test')),
          connector: () => Promise.reject(new Error('unused')) as never,
          metrics: canaryMetrics(stack.region, domainName),
          log: () => undefined,
        });
      })),
    );
  }
  expect(canaryLines.length).toBeGreaterThan(0);
  return emfMetrics([...lines, ...canaryLines]);
}

describe('the alarms of the synthesized stacks (failover included) and the metrics that are emitted', () => {
  let emitted: MetricIdentity[];
  beforeAll(async () => {
    emitted = await emittedMetrics();
  });

  it('finds alarms on the project’s own metrics and on AWS service metrics', () => {
    expect(watched.some((w) => !w.metric.namespace.startsWith('AWS/'))).toBe(true);
    expect(watched.some((w) => w.metric.namespace.startsWith('AWS/'))).toBe(true);
    expect(emitted.length).toBeGreaterThan(0);
  });

  it('has every alarm on one of the project’s metrics watch exactly a metric the code emits', () => {
    const emittedKeys = new Set(emitted.map(key));
    const unmatched = watched.filter((w) => !w.metric.namespace.startsWith('AWS/')).filter((w) => !emittedKeys.has(key(w.metric)));
    expect(unmatched.map((w) => `${w.alarm}: ${key(w.metric)}`)).toEqual([]);
  });

  it('has every alarm on an AWS service metric use exactly the dimension that service publishes', () => {
    const wrong = watched
      .filter((w) => w.metric.namespace.startsWith('AWS/'))
      .filter((w) => JSON.stringify(Object.keys(w.metric.dimensions).sort()) !== JSON.stringify(AWS_SERVICE_DIMENSIONS[w.metric.namespace]));
    expect(wrong.map((w) => `${w.alarm}: ${key(w.metric)}`)).toEqual([]);
  });

  it('sees the sync’s UnresolvedChanges metric emitted with the dimensions its alarm watches', () => {
    expect(watched.some((w) => w.metric.name === 'UnresolvedChanges')).toBe(true);
    expect(emitted.some((m) => m.name === 'UnresolvedChanges')).toBe(true);
  });

  it('would catch an alarm that watches a subset of the emitted dimensions', () => {
    const readiness = emitted.find((m) => m.name === 'ReadinessPercent')!;
    const { service: _service, ...withoutService } = readiness.dimensions;
    const emittedKeys = new Set(emitted.map(key));
    expect(emittedKeys.has(key({ ...readiness, dimensions: withoutService }))).toBe(false);
    expect(emittedKeys.has(key(readiness))).toBe(true);
  });
});
