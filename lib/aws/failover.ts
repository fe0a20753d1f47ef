/**
 * The failover seen from AWS, for `failover status` and `failover flip`: Route 53 (the hosted zone, the
 * failover records, what the zone answers now, each health check's observations), CloudWatch (the canary
 * alarms and metrics, the drift job's readiness and its threshold, the sync executions), Service Quotas,
 * and the recovery controller's cluster for flips (data-plane calls only, through one of its five
 * regional endpoints at random, retrying on the next).
 * https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.update.api.html (UNCONFIRMED page name)
 */
import { METRICS_NAMESPACE, metricDimensions } from '../core/metrics';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  TestDNSAnswerCommand,
} from '@aws-sdk/client-route-53';
import { ListRoutingControlsCommand, Route53RecoveryClusterClient, UpdateRoutingControlStatesCommand, type RoutingControl } from '@aws-sdk/client-route53-recovery-cluster';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { DescribeDomainConfigurationCommand, ResourceNotFoundException, type IoTClient } from '@aws-sdk/client-iot';
import { CANARY_LATENCY_METRIC, CANARY_SUCCESS_METRIC, canaryMetricDimensions, expectedFailoverSeconds, READINESS_METRIC } from '../core/failover';
import { failoverProblems, observedHealth, type CanaryState, type FailoverStatus, type HealthCheckState } from '../core/failover-status';
import { compareRegionQuotas, createServiceQuotasClient } from './service-quotas';
import { createIotClient } from './clients';

/** The clients the failover commands use (real ones, or aws-sdk-client-mock fakes in tests). */
export interface FailoverClients {
  route53: Route53Client;
  iot: (region: string) => IoTClient;
  cloudWatch: (region: string) => CloudWatchClient;
  serviceQuotas: (region: string) => ServiceQuotasClient;
  /** A cluster client for one regional endpoint of the recovery-controller cluster. */
  cluster: (endpoint: ClusterEndpoint) => Route53RecoveryClusterClient;
}

/** One of the cluster's regional endpoints. */
export interface ClusterEndpoint {
  region: string;
  url: string;
}

/** What `failover status` needs to know. */
export interface FailoverStatusOptions {
  domainName: string;
  sourceRegion: string;
  targetRegion: string;
  /** The main stack's name: the alarm names derive from it (lib/infra/failover/names.ts). */
  stackName: string;
  /** Default: found with ListHostedZonesByName (the longest zone the domain is in). */
  hostedZoneId?: string;
  /** The sync state machine, for the sync lag. */
  syncStateMachineArn?: string;
  /** Readiness threshold when the readiness alarm cannot be read (default 99). */
  defaultReadinessThreshold?: number;
  now?: () => Date;
}

const trimDot = (name: string) => name.replace(/\.$/, '');

/** The hosted zone holding `domainName`: the longest matching zone name. */
export async function findHostedZone(route53: Route53Client, domainName: string): Promise<string> {
  const labels = domainName.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const suffix = labels.slice(i).join('.');
    const page = await route53.send(new ListHostedZonesByNameCommand({ DNSName: suffix, MaxItems: 1 }));
    const zone = page.HostedZones?.[0];
    if (zone && trimDot(zone.Name ?? '') === suffix && zone.Id) return zone.Id.replace(/^\/hostedzone\//, '');
  }
  throw new Error(`no Route 53 hosted zone holds ${domainName} (give --hosted-zone-id)`);
}

/** Reads everything `failover status` reports. */
export async function readFailoverStatus(clients: FailoverClients, options: FailoverStatusOptions): Promise<FailoverStatus> {
  const now = options.now?.() ?? new Date();
  const hostedZoneId = options.hostedZoneId ?? (await findHostedZone(clients.route53, options.domainName));
  const listed = await clients.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, StartRecordName: options.domainName, StartRecordType: 'CNAME' }));
  const records = (listed.ResourceRecordSets ?? [])
    .filter((r) => trimDot(r.Name ?? '') === options.domainName && r.Type === 'CNAME' && (r.Failover === 'PRIMARY' || r.Failover === 'SECONDARY'))
    .map((r) => ({
      ttl: r.TTL,
      failover: r.Failover as 'PRIMARY' | 'SECONDARY',
      value: trimDot(r.ResourceRecords?.[0]?.Value ?? ''),
      ...(r.HealthCheckId ? { healthCheckId: r.HealthCheckId } : {}),
    }));

  // The zone's own answer (not a cached resolver's): where devices go once their caches expire. That it
  // applies the failover records' health as a real query does is UNCONFIRMED (the API page says it returns
  // what Route 53 would answer). https://docs.aws.amazon.com/Route53/latest/APIReference/API_TestDNSAnswer.html
  const answer = await clients.route53.send(new TestDNSAnswerCommand({ HostedZoneId: hostedZoneId, RecordName: options.domainName, RecordType: 'CNAME' }));
  const value = trimDot(answer.RecordData?.[0] ?? '');
  const record = records.find((r) => r.value === value)?.failover;
  const resolvesTo = value === '' ? undefined : { value, ...(record ? { record } : {}) };

  const healthChecks: HealthCheckState[] = [];
  for (const r of records) {
    if (!r.healthCheckId) continue;
    healthChecks.push(await healthCheckState(clients, r.healthCheckId, `${r.failover} record`, now));
    const described = await clients.route53.send(new GetHealthCheckCommand({ HealthCheckId: r.healthCheckId }));
    for (const child of described.HealthCheck?.HealthCheckConfig?.ChildHealthChecks ?? []) {
      healthChecks.push(await healthCheckState(clients, child, `${r.failover} record, child`, now));
    }
  }

  const domainConfigurations: FailoverStatus['domainConfigurations'] = [];
  const name = `${options.stackName}-failover`;
  for (const region of [options.sourceRegion, options.targetRegion]) {
    try {
      const d = await clients.iot(region).send(new DescribeDomainConfigurationCommand({ domainConfigurationName: name }));
      domainConfigurations.push({ region, name, status: d.domainConfigurationStatus === 'ENABLED' ? 'ENABLED' : 'DISABLED', ...(d.domainName ? { domainName: d.domainName } : {}) });
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      domainConfigurations.push({ region, name, status: 'missing' });
    }
  }

  const canaries: CanaryState[] = [];
  let primaryAlarm: { periodSeconds: number; evaluationPeriods: number } | undefined;
  for (const region of [options.sourceRegion, options.targetRegion]) {
    const { state, alarm } = await canaryState(clients.cloudWatch(region), region, options, now);
    canaries.push(state);
    if (region === options.sourceRegion) primaryAlarm = alarm;
  }
  const primaryTtl = records.find((r) => r.failover === 'PRIMARY')?.ttl;
  const expected =
    primaryAlarm && primaryTtl !== undefined
      ? expectedFailoverSeconds({ canaryPeriodSeconds: primaryAlarm.periodSeconds, failureThreshold: primaryAlarm.evaluationPeriods, ttlSeconds: primaryTtl })
      : undefined;

  const source = clients.cloudWatch(options.sourceRegion);
  const readinessAlarm = await source.send(new DescribeAlarmsCommand({ AlarmNames: [`${options.stackName}-failover-readiness`] }));
  const threshold = readinessAlarm.MetricAlarms?.[0]?.Threshold ?? options.defaultReadinessThreshold ?? 99;
  const readinessPoint = await lastValue(source, READINESS_METRIC, metricDimensions('drift', options.sourceRegion, options.targetRegion), 'Minimum', 3600, now, 2 * 86400);

  let syncLagSeconds: number | undefined;
  if (options.syncStateMachineArn) {
    const lag = await lastValue(source, 'ExecutionTime', { StateMachineArn: options.syncStateMachineArn }, 'Maximum', 3600, now, 3600, 'AWS/States');
    if (lag) syncLagSeconds = Math.round(lag.value) / 1000;
  }

  const quotas = await compareRegionQuotas(clients.serviceQuotas(options.sourceRegion), clients.serviceQuotas(options.targetRegion));
  const status = {
    domainName: options.domainName,
    hostedZoneId,
    sourceRegion: options.sourceRegion,
    targetRegion: options.targetRegion,
    ...(resolvesTo ? { resolvesTo } : {}),
    records: records.map(({ ttl: _ttl, ...r }) => r),
    healthChecks,
    domainConfigurations,
    canaries,
    ...(expected === undefined ? {} : { expectedFailoverSeconds: expected }),
    readiness: { ...(readinessPoint ? { percent: readinessPoint.value, at: readinessPoint.at } : {}), threshold },
    ...(syncLagSeconds === undefined ? {} : { syncLagSeconds }),
    quotas,
  };
  return { ...status, problems: failoverProblems(status) };
}

/**
 * One health check's state. GetHealthCheckStatus does not answer for CALCULATED checks, so their state is
 * Route 53's own HealthCheckStatus metric (1 healthy, 0 unhealthy) in CloudWatch; Route 53 publishes its
 * health-check metrics in us-east-1 (UNCONFIRMED as a documented rule; it is where the console reads them).
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHealthCheckStatus.html
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html
 */
async function healthCheckState(clients: FailoverClients, id: string, role: string, now: Date): Promise<HealthCheckState> {
  const described = await clients.route53.send(new GetHealthCheckCommand({ HealthCheckId: id }));
  const type = described.HealthCheck?.HealthCheckConfig?.Type;
  if (type === 'CALCULATED') {
    const point = await lastValue(clients.cloudWatch(ROUTE53_METRICS_REGION), 'HealthCheckStatus', { HealthCheckId: id }, 'Minimum', 60, now, 600, 'AWS/Route53');
    return { role, id, type, ...(point ? { healthy: point.value >= 1, detail: `HealthCheckStatus ${point.value} at ${point.at}` } : {}) };
  }
  const status = await clients.route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }));
  const reports = (status.HealthCheckObservations ?? []).map((o) => o.StatusReport?.Status ?? '').filter((s) => s !== '');
  const healthy = observedHealth(reports);
  return { role, id, ...(type ? { type } : {}), ...(healthy === undefined ? {} : { healthy }), ...(reports[0] ? { detail: reports[0] } : {}) };
}

/** Where Route 53's health-check metrics are. */
const ROUTE53_METRICS_REGION = 'us-east-1';

async function canaryState(
  cloudWatch: CloudWatchClient,
  region: string,
  options: FailoverStatusOptions,
  now: Date,
): Promise<{ state: CanaryState; alarm?: { periodSeconds: number; evaluationPeriods: number } }> {
  const alarms = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [`${options.stackName}-failover-canary-${region}`] }));
  const dimensions = canaryMetricDimensions(region, options.domainName);
  const success = await lastValue(cloudWatch, CANARY_SUCCESS_METRIC, dimensions, 'Minimum', 60, now, 600);
  const latency = await lastValue(cloudWatch, CANARY_LATENCY_METRIC, dimensions, 'Maximum', 60, now, 600);
  const found = alarms.MetricAlarms?.[0];
  const alarm = found?.StateValue;
  const state: CanaryState = {
    region,
    ...(alarm ? { alarm } : {}),
    ...(success ? { lastSuccess: success.value, lastAt: success.at } : {}),
    ...(latency ? { lastLatencyMs: latency.value } : {}),
  };
  return found?.Period && found.EvaluationPeriods ? { state, alarm: { periodSeconds: found.Period, evaluationPeriods: found.EvaluationPeriods } } : { state };
}

/** The newest datapoint of a metric (exactly these dimensions) within `lookbackSeconds`. */
async function lastValue(
  cloudWatch: CloudWatchClient,
  metricName: string,
  dimensions: Record<string, string>,
  stat: string,
  period: number,
  now: Date,
  lookbackSeconds: number,
  namespace = METRICS_NAMESPACE,
): Promise<{ value: number; at: string } | undefined> {
  const query: MetricDataQuery = {
    Id: 'm',
    MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) }, Period: period, Stat: stat },
  };
  const result = await cloudWatch.send(
    new GetMetricDataCommand({ MetricDataQueries: [query], StartTime: new Date(now.getTime() - lookbackSeconds * 1000), EndTime: now, ScanBy: 'TimestampDescending' }),
  );
  const series = result.MetricDataResults?.[0];
  const value = series?.Values?.[0];
  const at = series?.Timestamps?.[0];
  return value === undefined || at === undefined ? undefined : { value, at: at.toISOString() };
}

/** Options of {@link flipRoutingControls}. */
export interface FlipOptions {
  to: 'primary' | 'secondary';
  stackName: string;
  sourceRegion: string;
  targetRegion: string;
  endpoints: readonly ClusterEndpoint[];
  /** Flip even when the destination's last readiness is below the threshold (or unknown). */
  force: boolean;
  /** Readiness threshold when the readiness alarm cannot be read (default 99). */
  defaultReadinessThreshold?: number;
  random?: () => number;
  now?: () => Date;
}

/** What a flip did. */
export interface FlipResult {
  to: 'primary' | 'secondary';
  endpoint: ClusterEndpoint;
  /** Endpoints tried before the one that answered, with their errors. */
  failedEndpoints: { endpoint: ClusterEndpoint; error: string }[];
  changes: { name: string; arn: string; from: string; to: 'On' | 'Off' }[];
  readiness: { percent?: number; threshold: number; forced: boolean };
}

/** A flip refused by the readiness gate. */
export class FlipRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlipRefusedError';
  }
}

/**
 * Sets the routing controls so that only the destination is On, in one UpdateRoutingControlStates call (the
 * "at least one on" assertion rule holds throughout), after the readiness gate: the destination's last
 * ReadinessPercent, measured by the drift job whose target it is (the failback stack's for the primary),
 * must be at or above the threshold, unless forced.
 */
export async function flipRoutingControls(clients: FailoverClients, options: FlipOptions): Promise<FlipResult> {
  if (options.endpoints.length === 0) throw new Error('no cluster endpoint given');
  const now = options.now?.() ?? new Date();
  const [destination, other] = options.to === 'secondary' ? [options.targetRegion, options.sourceRegion] : [options.sourceRegion, options.targetRegion];
  // The readiness of `destination` is measured where its drift job runs: in the other region.
  const cloudWatch = clients.cloudWatch(other);
  // One threshold for both directions: the failover's readiness alarm (in the primary) holds it.
  const alarm = await clients.cloudWatch(options.sourceRegion).send(new DescribeAlarmsCommand({ AlarmNames: [`${options.stackName}-failover-readiness`] }));
  const threshold = alarm.MetricAlarms?.[0]?.Threshold ?? options.defaultReadinessThreshold ?? 99;
  const point = await lastValue(cloudWatch, READINESS_METRIC, metricDimensions('drift', other, destination), 'Minimum', 3600, now, 2 * 86400);
  const ready = point !== undefined && point.value >= threshold;
  if (!ready && !options.force) {
    throw new FlipRefusedError(
      point === undefined
        ? `refusing to flip to the ${options.to} (${destination}): its readiness was not measured in the last 2 days (--force to flip anyway)`
        : `refusing to flip to the ${options.to} (${destination}): its last readiness is ${point.value} %, below the threshold ${threshold} % (--force to flip anyway)`,
    );
  }

  // One of the five regional endpoints at random, then the next ones in turn.
  const random = options.random ?? Math.random;
  const start = Math.floor(random() * options.endpoints.length) % options.endpoints.length;
  const order = options.endpoints.map((_, i) => options.endpoints[(start + i) % options.endpoints.length]!);
  const failedEndpoints: FlipResult['failedEndpoints'] = [];
  const names = { primary: `${options.stackName}-primary`, secondary: `${options.stackName}-secondary` };
  for (const endpoint of order) {
    const client = clients.cluster(endpoint);
    try {
      const controls: RoutingControl[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListRoutingControlsCommand({ ...(token ? { NextToken: token } : {}) }));
        controls.push(...(page.RoutingControls ?? []));
        token = page.NextToken;
      } while (token);
      const find = (name: string) => {
        const found = controls.find((c) => c.RoutingControlName === name);
        if (!found?.RoutingControlArn) throw new Error(`routing control ${name} not found in the cluster`);
        return found;
      };
      const wanted = [
        { control: find(names[options.to]), to: 'On' as const },
        { control: find(names[options.to === 'secondary' ? 'primary' : 'secondary']), to: 'Off' as const },
      ];
      await client.send(
        new UpdateRoutingControlStatesCommand({
          UpdateRoutingControlStateEntries: wanted.map((w) => ({ RoutingControlArn: w.control.RoutingControlArn!, RoutingControlState: w.to })),
        }),
      );
      return {
        to: options.to,
        endpoint,
        failedEndpoints,
        changes: wanted.map((w) => ({ name: w.control.RoutingControlName!, arn: w.control.RoutingControlArn!, from: w.control.RoutingControlState ?? 'unknown', to: w.to })),
        readiness: { ...(point ? { percent: point.value } : {}), threshold, forced: !ready },
      };
    } catch (error) {
      if (error instanceof Error && /not found in the cluster/.test(error.message)) throw error;
      failedEndpoints.push({ endpoint, error: `${(error as Error).name}: ${(error as Error).message}` });
    }
  }
  throw new Error(`every cluster endpoint failed: ${failedEndpoints.map((f) => `${f.endpoint.region} (${f.error})`).join('; ')}`);
}

/** The real AWS clients (Route 53 is global: its API lives in us-east-1). */
export function awsFailoverClients(endpoint?: string): FailoverClients {
  return {
    route53: new Route53Client({ region: 'us-east-1' }),
    iot: (region) => createIotClient({ region, ...(endpoint === undefined ? {} : { endpoint }) }),
    cloudWatch: (region) => new CloudWatchClient({ region }),
    serviceQuotas: (region) => createServiceQuotasClient(region, endpoint),
    cluster: (e) => new Route53RecoveryClusterClient({ region: e.region, endpoint: e.url, maxAttempts: 1 }),
  };
}
