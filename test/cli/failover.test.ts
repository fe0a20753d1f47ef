/**
 * `failover status` and `failover flip`: Route 53, CloudWatch and the recovery controller's cluster have no
 * local equivalent, so they are aws-sdk-client-mock fakes; Service Quotas is the emulator's.
 */
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { GetHealthCheckCommand, GetHealthCheckStatusCommand, ListHostedZonesByNameCommand, ListResourceRecordSetsCommand, Route53Client, TestDNSAnswerCommand } from '@aws-sdk/client-route-53';
import { ListRoutingControlsCommand, Route53RecoveryClusterClient, UpdateRoutingControlStatesCommand } from '@aws-sdk/client-route53-recovery-cluster';
import { mockClient } from 'aws-sdk-client-mock';
import { parseClusterEndpoints, runFailoverFlip, runFailoverStatus, type FailoverFlipCommandOptions } from '../../bin/commands/failover';
import type { ClusterEndpoint, FailoverClients } from '../../lib/aws/failover';
import { createServiceQuotasClient } from '../../lib/aws/service-quotas';
import type { FailoverStatus } from '../../lib/core/failover-status';
import type { RunningEmulator } from '../../lib/local/emulator';
import { CreateDomainConfigurationCommand, UpdateDomainConfigurationCommand, type IoTClient } from '@aws-sdk/client-iot';
import { iot, start } from '../support/emulator';

const SOURCE = 'us-east-1';
const TARGET = 'eu-west-1';
const DOMAIN = 'iot.example.com';
const ZONE = 'Z0123456789ABCDEFGHIJ';
const PRIMARY_ATS = 'a1b2c3d4e5f6a7-ats.iot.us-east-1.amazonaws.com';
const SECONDARY_ATS = 'a1b2c3d4e5f6a7-ats.iot.eu-west-1.amazonaws.com';
const NOW = new Date('2026-12-01T12:00:00Z');

const route53 = mockClient(Route53Client);
const cloudWatch = mockClient(CloudWatchClient);
const cluster = mockClient(Route53RecoveryClusterClient);

let emulator: RunningEmulator;
const usedEndpoints: ClusterEndpoint[] = [];
let clients: FailoverClients;
let iotClients: Record<string, IoTClient>;

beforeAll(async () => {
  emulator = await start();
  // IoT (the domain configurations) and Service Quotas are the emulator's.
  iotClients = { [SOURCE]: iot(emulator, SOURCE), [TARGET]: iot(emulator, TARGET) };
  for (const client of Object.values(iotClients)) {
    await client.send(new CreateDomainConfigurationCommand({ domainConfigurationName: 'IotRegistrySync-failover', domainName: DOMAIN }));
  }
  clients = {
    route53: new Route53Client({ region: 'us-east-1' }),
    iot: (region) => iotClients[region]!,
    cloudWatch: (region) => new CloudWatchClient({ region }),
    serviceQuotas: (region) => createServiceQuotasClient(region, emulator.url),
    cluster: (endpoint) => (usedEndpoints.push(endpoint), new Route53RecoveryClusterClient({ region: endpoint.region, endpoint: endpoint.url })),
  };
});
afterAll(async () => {
  route53.restore();
  cloudWatch.restore();
  cluster.restore();
  for (const client of Object.values(iotClients)) client.destroy();
  await emulator.close();
});

/** The latest metric value by metric name and region. */
let metrics: Record<string, number | undefined>;

beforeEach(async () => {
  route53.reset();
  cloudWatch.reset();
  cluster.reset();
  usedEndpoints.length = 0;
  await fetch(`${emulator.url}/_emulator/service-quotas`, { method: 'DELETE' });
  metrics = { [`CanarySuccess ${SOURCE}`]: 1, [`CanarySuccess ${TARGET}`]: 1, [`CanaryLatency ${SOURCE}`]: 180, [`CanaryLatency ${TARGET}`]: 210, [`ReadinessPercent ${SOURCE}`]: 100, 'HealthCheckStatus hc-secondary': 1 };

  route53.on(ListHostedZonesByNameCommand, { DNSName: 'example.com' }).resolves({ HostedZones: [{ Id: `/hostedzone/${ZONE}`, Name: 'example.com.', CallerReference: 'x' }], IsTruncated: false, MaxItems: 1 });
  route53.on(ListHostedZonesByNameCommand, { DNSName: DOMAIN }).resolves({ HostedZones: [{ Id: '/hostedzone/ZOTHER', Name: 'other.com.', CallerReference: 'y' }], IsTruncated: false, MaxItems: 1 });
  route53.on(ListResourceRecordSetsCommand).resolves({
    ResourceRecordSets: [
      { Name: `${DOMAIN}.`, Type: 'CNAME', SetIdentifier: 'p', Failover: 'PRIMARY', TTL: 60, ResourceRecords: [{ Value: PRIMARY_ATS }], HealthCheckId: 'hc-primary' },
      { Name: `${DOMAIN}.`, Type: 'CNAME', SetIdentifier: 's', Failover: 'SECONDARY', TTL: 60, ResourceRecords: [{ Value: SECONDARY_ATS }], HealthCheckId: 'hc-secondary' },
      { Name: `other.${DOMAIN}.`, Type: 'CNAME', ResourceRecords: [{ Value: 'elsewhere' }] },
    ],
    IsTruncated: false,
    MaxItems: 100,
  });
  route53.on(TestDNSAnswerCommand).resolves({ Nameserver: 'ns', RecordName: DOMAIN, RecordType: 'CNAME', RecordData: [PRIMARY_ATS], ResponseCode: 'NOERROR', Protocol: 'UDP' });
  const check = (id: string, type: string, children?: string[]) =>
    route53.on(GetHealthCheckCommand, { HealthCheckId: id }).resolves({ HealthCheck: { Id: id, CallerReference: id, HealthCheckVersion: 1, HealthCheckConfig: { Type: type as 'CALCULATED', ...(children ? { ChildHealthChecks: children } : {}) } } });
  check('hc-primary', 'CLOUDWATCH_METRIC');
  check('hc-secondary', 'CALCULATED', ['hc-canary', 'hc-readiness']);
  check('hc-canary', 'CLOUDWATCH_METRIC');
  check('hc-readiness', 'CLOUDWATCH_METRIC');
  // GetHealthCheckStatus does not answer for CALCULATED checks: hc-secondary's state is its CloudWatch metric.
  healthy('hc-primary', 'hc-canary', 'hc-readiness');
  route53.on(GetHealthCheckStatusCommand, { HealthCheckId: 'hc-secondary' }).rejects(Object.assign(new Error('calculated'), { name: 'InvalidInput' }));

  cloudWatch.on(DescribeAlarmsCommand).callsFake(async (input: { AlarmNames: string[] }) => ({
    MetricAlarms: input.AlarmNames.map((name) => ({ AlarmName: name, StateValue: 'OK', Threshold: name.endsWith('-readiness') ? 95 : 1, Period: 60, EvaluationPeriods: 3 })),
  }));
  // Canary metrics carry their Region; the readiness carries the SourceRegion whose drift job measured it.
  cloudWatch.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
    const metric = input.MetricDataQueries![0]!.MetricStat!.Metric!;
    const region = metric.Dimensions!.find((d) => d.Name === 'Region' || d.Name === 'SourceRegion' || d.Name === 'HealthCheckId')?.Value;
    const value = metrics[`${metric.MetricName} ${region}`];
    return { MetricDataResults: [{ Id: 'm', Values: value === undefined ? [] : [value], Timestamps: value === undefined ? [] : [new Date(NOW.getTime() - 60_000)] }] };
  });
});

/** Every Route 53 observer reports these checks healthy (the rest of the checks: as set before). */
function healthy(...ids: string[]) {
  for (const id of ids) route53.on(GetHealthCheckStatusCommand, { HealthCheckId: id }).resolves({ HealthCheckObservations: [1, 2, 3].map((i) => ({ Region: 'us-east-1', IPAddress: `1.2.3.${i}`, StatusReport: { Status: 'Success: HTTP Status Code 200. Resolved IP: …' } })) });
}
function unhealthy(id: string) {
  route53.on(GetHealthCheckStatusCommand, { HealthCheckId: id }).resolves({ HealthCheckObservations: [1, 2, 3].map((i) => ({ Region: 'us-east-1', IPAddress: `1.2.3.${i}`, StatusReport: { Status: 'Failure: The alarm is in the ALARM state.' } })) });
}

async function status(json = true) {
  const printed: string[] = [];
  const messages: string[] = [];
  const code = await runFailoverStatus(
    { domain: DOMAIN, sourceRegion: SOURCE, targetRegion: TARGET, stackName: 'IotRegistrySync', json },
    clients,
    { print: (t) => printed.push(t), message: (l) => messages.push(l) },
  );
  return { code, text: printed.join(''), messages };
}

describe('failover status', () => {
  it('exits 0 and reports where the domain resolves, every health check, both canaries, readiness and quotas when all is well', async () => {
    const { code, text, messages } = await status();
    expect(messages).toEqual([]);
    expect(code).toBe(0);
    const s = JSON.parse(text) as FailoverStatus;
    expect(s).toMatchObject({
      hostedZoneId: ZONE,
      resolvesTo: { value: PRIMARY_ATS, record: 'PRIMARY' },
      records: [
        { failover: 'PRIMARY', value: PRIMARY_ATS, healthCheckId: 'hc-primary' },
        { failover: 'SECONDARY', value: SECONDARY_ATS, healthCheckId: 'hc-secondary' },
      ],
      canaries: [
        { region: SOURCE, alarm: 'OK', lastSuccess: 1, lastLatencyMs: 180 },
        { region: TARGET, alarm: 'OK', lastSuccess: 1, lastLatencyMs: 210 },
      ],
      readiness: { percent: 100, threshold: 95 },
      domainConfigurations: [
        { region: SOURCE, name: 'IotRegistrySync-failover', status: 'ENABLED', domainName: DOMAIN },
        { region: TARGET, name: 'IotRegistrySync-failover', status: 'ENABLED', domainName: DOMAIN },
      ],
      // 60 s × 3 failed periods + the 60 s TTL.
      expectedFailoverSeconds: 240,
      quotas: { lower: [] },
      problems: [],
    });
    expect(s.healthChecks.map((h) => [h.role, h.id, h.healthy])).toEqual([
      ['PRIMARY record', 'hc-primary', true],
      ['SECONDARY record', 'hc-secondary', true],
      ['SECONDARY record, child', 'hc-canary', true],
      ['SECONDARY record, child', 'hc-readiness', true],
    ]);
    // The metrics were asked for with the canary's full dimension set.
    const asked = cloudWatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries![0]!.MetricStat!.Metric!);
    const canary = asked.find((m) => m.MetricName === 'CanarySuccess')!;
    expect(canary.Dimensions!.map((d) => d.Name).sort()).toEqual(['DomainName', 'Region', 'service']);
    // The CALCULATED check's state comes from Route 53's metric, not from GetHealthCheckStatus.
    expect(asked.find((m) => m.MetricName === 'HealthCheckStatus')).toMatchObject({ Namespace: 'AWS/Route53', Dimensions: [{ Name: 'HealthCheckId', Value: 'hc-secondary' }] });
  });

  it('exits 2 and names each problem: a failed secondary canary, readiness below the threshold, an unhealthy check, a lower quota', async () => {
    metrics[`CanarySuccess ${TARGET}`] = 0;
    metrics[`ReadinessPercent ${SOURCE}`] = 90;
    metrics['HealthCheckStatus hc-secondary'] = 0;
    unhealthy('hc-readiness');
    await fetch(`${emulator.url}/_emulator/service-quotas?region=${TARGET}`, { method: 'POST', body: JSON.stringify({ 'L-0EF0F5EE': 100 }) });
    route53.on(TestDNSAnswerCommand).resolves({ RecordData: [SECONDARY_ATS] });

    const { code, text } = await status(false);
    expect(code).toBe(2);
    expect(text).toContain(`resolves to ${SECONDARY_ATS} (SECONDARY)`);
    expect(text).toContain(`the last canary run in ${TARGET} failed`);
    expect(text).toContain(`readiness of ${TARGET} is 90 %, below the threshold 95 %`);
    expect(text).toContain('health check SECONDARY record (hc-secondary) is unhealthy: HealthCheckStatus 0 at 2026-12-01T11:59:00.000Z');
    expect(text).toContain('health check SECONDARY record, child (hc-readiness) is unhealthy: Failure: The alarm is in the ALARM state.');
    expect(text).toContain(`quota DescribeThing API TPS (L-0EF0F5EE) is 100 in ${TARGET}, lower than 350 in ${SOURCE}`);
  });

  it('exits 2 when a region’s domain configuration is disabled', async () => {
    await iotClients[TARGET]!.send(new UpdateDomainConfigurationCommand({ domainConfigurationName: 'IotRegistrySync-failover', domainConfigurationStatus: 'DISABLED' }));
    try {
      const { code, text } = await status();
      expect(code).toBe(2);
      expect((JSON.parse(text) as FailoverStatus).problems).toEqual([`the domain configuration IotRegistrySync-failover in ${TARGET} is DISABLED`]);
    } finally {
      await iotClients[TARGET]!.send(new UpdateDomainConfigurationCommand({ domainConfigurationName: 'IotRegistrySync-failover', domainConfigurationStatus: 'ENABLED' }));
    }
  });

  it('treats a readiness nobody measured as not ready', async () => {
    metrics[`ReadinessPercent ${SOURCE}`] = undefined;
    const { code, text } = await status();
    expect(code).toBe(2);
    expect((JSON.parse(text) as FailoverStatus).problems).toEqual([`no readiness measured for ${TARGET} in the last 2 days`]);
  });

  it('exits 1 with the error when Route 53 cannot be read', async () => {
    route53.on(ListResourceRecordSetsCommand).rejects(Object.assign(new Error('User is not authorized to perform route53:ListResourceRecordSets'), { name: 'AccessDenied' }));
    const { code, messages } = await status();
    expect(code).toBe(1);
    expect(messages).toEqual(['error: AccessDenied: User is not authorized to perform route53:ListResourceRecordSets']);
  });
});

const ENDPOINTS = 'us-east-1=https://host-a.example.com/v1,us-west-2=https://host-b.example.com/v1,eu-west-1=https://host-c.example.com/v1,ap-northeast-1=https://host-d.example.com/v1,ap-southeast-2=https://host-e.example.com/v1';

describe('failover flip', () => {
  beforeEach(() => {
    cluster.on(ListRoutingControlsCommand).resolves({
      RoutingControls: [
        { RoutingControlName: 'IotRegistrySync-primary', RoutingControlArn: 'arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/primary', RoutingControlState: 'On' },
        { RoutingControlName: 'IotRegistrySync-secondary', RoutingControlArn: 'arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/secondary', RoutingControlState: 'Off' },
      ],
    });
    cluster.on(UpdateRoutingControlStatesCommand).resolves({});
  });

  async function flip(options: Partial<FailoverFlipCommandOptions> = {}, random = 0.5) {
    const printed: string[] = [];
    const messages: string[] = [];
    const code = await runFailoverFlip(
      { to: 'secondary', sourceRegion: SOURCE, targetRegion: TARGET, stackName: 'IotRegistrySync', clusterEndpoints: ENDPOINTS, force: false, json: false, ...options },
      clients,
      { print: (t) => printed.push(t), message: (l) => messages.push(l) },
      () => random,
    );
    return { code, text: printed.join(''), messages };
  }

  it('turns the secondary on and the primary off in one call through a random endpoint, and prints what changed', async () => {
    const { code, text } = await flip({}, 0.5);
    expect(code).toBe(0);
    expect(usedEndpoints.map((e) => e.region)).toEqual(['eu-west-1']);
    expect(cluster.commandCalls(UpdateRoutingControlStatesCommand).map((c) => c.args[0].input.UpdateRoutingControlStateEntries)).toEqual([
      [
        { RoutingControlArn: expect.stringContaining('/secondary'), RoutingControlState: 'On' },
        { RoutingControlArn: expect.stringContaining('/primary'), RoutingControlState: 'Off' },
      ],
    ]);
    expect(text).toContain('flipped to the secondary through eu-west-1');
    expect(text).toContain('IotRegistrySync-secondary: Off → On');
    expect(text).toContain('IotRegistrySync-primary: On → Off');
  });

  it('retries on the next endpoint when one fails', async () => {
    cluster.on(ListRoutingControlsCommand).rejectsOnce(Object.assign(new Error('endpoint unavailable'), { name: 'EndpointTemporarilyUnavailableException' })).resolves({
      RoutingControls: [
        { RoutingControlName: 'IotRegistrySync-primary', RoutingControlArn: 'arn:p', RoutingControlState: 'On' },
        { RoutingControlName: 'IotRegistrySync-secondary', RoutingControlArn: 'arn:s', RoutingControlState: 'Off' },
      ],
    });
    const { code, text } = await flip({}, 0.9);
    expect(code).toBe(0);
    expect(usedEndpoints.map((e) => e.region)).toEqual(['ap-southeast-2', 'us-east-1']);
    expect(text).toContain('after 1 failed endpoint(s): ap-southeast-2');
  });

  it('refuses (exit 2) a flip to a region whose last readiness is below the threshold, and changes nothing', async () => {
    metrics[`ReadinessPercent ${SOURCE}`] = 80;
    const { code, messages } = await flip();
    expect(code).toBe(2);
    expect(messages[0]).toContain(`its last readiness is 80 %, below the threshold 95 %`);
    expect(cluster.commandCalls(UpdateRoutingControlStatesCommand)).toHaveLength(0);
  });

  it('flips anyway with --force and says the gate was overridden', async () => {
    metrics[`ReadinessPercent ${SOURCE}`] = 80;
    const { code, text } = await flip({ force: true });
    expect(code).toBe(0);
    expect(text).toContain('readiness gate overridden with --force (readiness 80 %, threshold 95 %)');
  });

  it('gates a flip back to the primary on the failback readiness, measured in the secondary', async () => {
    metrics[`ReadinessPercent ${TARGET}`] = 99;
    const { code } = await flip({ to: 'primary' });
    expect(code).toBe(0);
    expect(cluster.commandCalls(UpdateRoutingControlStatesCommand)[0]!.args[0].input.UpdateRoutingControlStateEntries![0]).toMatchObject({ RoutingControlState: 'On', RoutingControlArn: expect.stringContaining('/primary') });
    metrics[`ReadinessPercent ${TARGET}`] = undefined;
    expect((await flip({ to: 'primary' })).messages[0]).toContain('its readiness was not measured in the last 2 days');
  });

  it('exits 1 when every endpoint fails, naming each', async () => {
    cluster.on(ListRoutingControlsCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServerException' }));
    const { code, messages } = await flip();
    expect(code).toBe(1);
    expect(usedEndpoints).toHaveLength(5);
    expect(messages[0]).toMatch(/^error: every cluster endpoint failed: eu-west-1 \(InternalServerException: down\); ap-northeast-1/);
  });

  it('rejects a malformed endpoint list, naming the entry', () => {
    expect(() => parseClusterEndpoints('us-east-1=http://plain')).toThrow('--cluster-endpoints: "us-east-1=http://plain" is not region=https://endpoint');
  });
});
