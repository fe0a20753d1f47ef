import { App, Validations } from 'aws-cdk-lib';
import { metricDimensions } from '../../lib/core/metrics';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { canaryMetricDimensions } from '../../lib/core/failover';
import { addIotRegistrySyncStacks, type AppConfig } from '../../lib/infra';
import { FailoverConfigSchema } from '../../lib/infra/failover/config';
import { addFailoverStacks, FailoverDnsStack, FailoverRegionStack } from '../../lib/infra/failover/stacks';

const ACCOUNT = '111122223333';
const PRIMARY_CERT = 'arn:aws:acm:us-east-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';
const SECONDARY_CERT = 'arn:aws:acm:us-west-2:111122223333:certificate/66666666-7777-8888-9999-000000000000';

/** The app config with a failover section, as loadAppConfig returns it. */
function configWith(failover: Record<string, unknown>): AppConfig {
  return {
    stackName: 'IotRegistrySync',
    account: ACCOUNT,
    accountIsPlaceholder: false,
    sourceRegion: 'us-east-1',
    targetRegion: 'us-west-2',
    deleteMode: 'retain',
    quotaScale: 1,
    workflowType: 'STANDARD',
    driftSchedule: 'rate(6 hours)',
    createTrail: true,
    enableRegistryEvents: true,
    failback: { deploy: false, enabled: false },
    failover: FailoverConfigSchema.parse({
      domainName: 'iot.example.com',
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      serverCertificateArns: { primary: PRIMARY_CERT, secondary: SECONDARY_CERT },
      ...failover,
    }),
  };
}

/** The failover stacks of an app (bundling skipped: no esbuild in unit tests). */
function synth(failover: Record<string, unknown> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const config = configWith(failover);
  const [main] = addIotRegistrySyncStacks(app, config);
  const [secondary, primary, dns] = addFailoverStacks(app, config, main!) as [FailoverRegionStack, FailoverRegionStack, FailoverDnsStack];
  return { main: main!, secondary, primary, dns };
}

const plain = synth({ healthCheck: { failureThreshold: 2 }, ttl: 30, readinessThreshold: 95 });
const t = { primary: Template.fromStack(plain.primary), secondary: Template.fromStack(plain.secondary), dns: Template.fromStack(plain.dns) };

type Json = Record<string, unknown>;
const only = (template: Template, type: string, props: Json = {}): Json => {
  const found = Object.values(template.findResources(type, props.Properties ? props : undefined));
  expect(found).toHaveLength(1);
  return (found[0] as { Properties: Json }).Properties;
};

describe('failover stacks', () => {
  it('adds no stack without a failover section', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const config = { ...configWith({}), failover: undefined };
    const [main] = addIotRegistrySyncStacks(app, config);
    expect(addFailoverStacks(app, config, main!)).toEqual([]);
  });

  it('puts each region’s pieces in that region and orders the deployments secondary → primary → DNS', () => {
    expect([plain.secondary.region, plain.primary.region, plain.dns.region]).toEqual(['us-west-2', 'us-east-1', 'us-east-1']);
    expect(plain.primary.dependencies).toEqual(expect.arrayContaining([plain.secondary, plain.main]));
    expect(plain.dns.dependencies).toEqual(expect.arrayContaining([plain.primary, plain.secondary]));
  });

  it('creates a DATA domain configuration for the domain in each region with that region’s certificate', () => {
    for (const [template, cert] of [[t.primary, PRIMARY_CERT], [t.secondary, SECONDARY_CERT]] as const) {
      expect(only(template, 'AWS::IoT::DomainConfiguration')).toMatchObject({
        DomainName: 'iot.example.com',
        ServiceType: 'DATA',
        ServerCertificateArns: [cert],
        DomainConfigurationStatus: 'ENABLED',
      });
    }
  });

  it('runs a canary every minute in each region against its own endpoint with SNI = the domain', () => {
    for (const template of [t.primary, t.secondary]) {
      template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)', Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0 } })] });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ IRS_FAILOVER_DOMAIN: 'iot.example.com', IRS_CANARY_SECRET_ID: 'IotRegistrySync/failover/canary', IRS_CANARY_HOST: Match.anyValue() }) },
      });
      template.hasResourceProperties('Custom::AWS', { Create: Match.stringLikeRegexp('"action":"DescribeEndpoint".*"endpointType":"iot:Data-ATS"') });
    }
  });

  it('alarms on exactly the canary’s metric identity, failing after failureThreshold minutes', () => {
    for (const [template, region] of [[t.primary, 'us-east-1'], [t.secondary, 'us-west-2']] as const) {
      const alarm = only(template, 'AWS::CloudWatch::Alarm', { Properties: { MetricName: 'CanarySuccess' } });
      expect(alarm).toMatchObject({
        AlarmName: `IotRegistrySync-failover-canary-${region}`,
        Namespace: 'IotRegistrySync',
        MetricName: 'CanarySuccess',
        Statistic: 'Minimum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 2,
        TreatMissingData: region === 'us-west-2' ? 'breaching' : 'ignore',
      });
      const dimensions = Object.fromEntries((alarm.Dimensions as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]));
      expect(dimensions).toEqual(canaryMetricDimensions(region, 'iot.example.com'));
    }
  });

  it('keeps the canary key in a KMS-encrypted secret that only the canary and the provisioner may read', () => {
    for (const template of [t.primary, t.secondary]) {
      expect(only(template, 'AWS::SecretsManager::Secret')).toMatchObject({ Name: 'IotRegistrySync/failover/canary', KmsKeyId: { 'Fn::GetAtt': [expect.stringContaining('CanarySecretKey'), 'Arn'] } });
      const policy = only(template, 'AWS::SecretsManager::ResourcePolicy');
      const deny = (policy.ResourcePolicy as { Statement: Json[] }).Statement.find((s) => s.Effect === 'Deny')!;
      expect(deny).toMatchObject({ Action: 'secretsmanager:GetSecretValue', Principal: { AWS: '*' } });
      const allowed = (deny.Condition as { ArnNotEquals: { 'aws:PrincipalArn': unknown[] } }).ArnNotEquals['aws:PrincipalArn'];
      expect(allowed).toHaveLength(2);
      expect(JSON.stringify(allowed)).toContain('role/IotRegistrySync-failover-provisioner');
      expect(JSON.stringify(allowed)).toContain('CanaryRole');
    }
  });

  it('gives the canary role no IoT permission and no wildcard action', () => {
    const policies = Object.entries(t.secondary.findResources('AWS::IAM::Policy')).filter(([id]) => id.includes('CanaryRole'));
    const actions = policies.flatMap(([, p]) => ((p.Properties as Json).PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => [s.Action].flat()));
    expect(actions).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue']));
    expect(actions.filter((a) => a.startsWith('iot:') || a.endsWith('*'))).toEqual([]);
    // Decrypting the secret's key is granted in the key policy, to the canary role, through Secrets Manager only.
    const keyPolicy = only(t.secondary, 'AWS::KMS::Key').KeyPolicy as { Statement: Json[] };
    const decrypt = keyPolicy.Statement.filter((s) => [s.Action].flat().includes('kms:Decrypt') && JSON.stringify(s.Principal).includes('CanaryRole'));
    expect(decrypt).toEqual([expect.objectContaining({ Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-west-2.amazonaws.com' } } })]);
  });

  it('provisions the canary identity in the primary only, writing both regions’ secrets, scoped to its thing and policy', () => {
    expect(t.secondary.findResources('Custom::FailoverCanaryIdentity')).toEqual({});
    expect(only(t.primary, 'Custom::FailoverCanaryIdentity')).toMatchObject({
      Region: 'us-east-1',
      ThingName: 'IotRegistrySync-failover-canary',
      PolicyName: 'IotRegistrySync-failover-canary',
      SecretIds: { 'us-east-1': 'IotRegistrySync/failover/canary', 'us-west-2': 'IotRegistrySync/failover/canary' },
    });
    t.primary.hasResourceProperties('AWS::IAM::Role', { RoleName: 'IotRegistrySync-failover-provisioner' });
    const statements = Object.entries(t.primary.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.includes('ProvisionerRole'))
      .flatMap(([, p]) => ((p.Properties as Json).PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    const iotOnStar = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('iot:')) && JSON.stringify(s.Resource) === '"*"');
    expect(iotOnStar.flatMap((s) => [s.Action].flat())).toEqual(['iot:CreateKeysAndCertificate']);
    expect(JSON.stringify(statements)).toContain('thing/IotRegistrySync-failover-canary');
  });

  it('alarms on the drift job’s readiness with its exact dimensions and the failover threshold; missing data is not ready', () => {
    const alarm = only(t.primary, 'AWS::CloudWatch::Alarm', { Properties: { MetricName: 'ReadinessPercent' } });
    expect(alarm).toMatchObject({ AlarmName: 'IotRegistrySync-failover-readiness', Threshold: 95, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching', Statistic: 'Minimum' });
    const dimensions = Object.fromEntries((alarm.Dimensions as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]));
    expect(dimensions).toEqual(metricDimensions('drift', 'us-east-1', 'us-west-2'));
  });

  it('fixes the drift job’s own readiness alarm to the full dimension set of its EMF record (service included)', () => {
    const alarm = only(Template.fromStack(plain.main), 'AWS::CloudWatch::Alarm', { Properties: { MetricName: 'ReadinessPercent' } });
    const dimensions = Object.fromEntries((alarm.Dimensions as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]));
    expect(dimensions).toEqual(metricDimensions('drift', 'us-east-1', 'us-west-2'));
  });

  it('lets the drift job read the IoT Core quotas of both regions, and nothing else of Service Quotas', () => {
    const main = Template.fromStack(plain.main);
    const quotaStatements = Object.entries(main.findResources('AWS::IAM::Policy'))
      .flatMap(([id, p]) => ((p.Properties as Json).PolicyDocument as { Statement: { Action: string | string[]; Condition?: Json }[] }).Statement.map((s) => ({ id, ...s })))
      .filter((s) => [s.Action].flat().some((a) => a.startsWith('servicequotas:')));
    expect(quotaStatements).toEqual([
      expect.objectContaining({
        id: expect.stringContaining('DriftFinishRole'),
        Action: ['servicequotas:ListServiceQuotas', 'servicequotas:GetServiceQuota'],
        Condition: { StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-west-2'] } },
      }),
    ]);
  });

  it('makes PRIMARY follow the primary canary alarm and SECONDARY the secondary canary AND readiness', () => {
    const checks = t.dns.findResources('AWS::Route53::HealthCheck');
    const byId = (prefix: string) => Object.entries(checks).find(([id]) => id.startsWith(`FailoverDns${prefix}`))!;
    const config = (prefix: string) => (byId(prefix)[1].Properties as { HealthCheckConfig: Json }).HealthCheckConfig;
    expect(config('PrimaryCanaryCheck')).toEqual({ Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Name: 'IotRegistrySync-failover-canary-us-east-1', Region: 'us-east-1' }, InsufficientDataHealthStatus: 'LastKnownStatus' });
    expect(config('SecondaryCanaryCheck')).toEqual({ Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Name: 'IotRegistrySync-failover-canary-us-west-2', Region: 'us-west-2' }, InsufficientDataHealthStatus: 'Unhealthy' });
    expect(config('ReadinessCheck')).toEqual({ Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Name: 'IotRegistrySync-failover-readiness', Region: 'us-east-1' }, InsufficientDataHealthStatus: 'Unhealthy' });
    expect(config('SecondaryCheck')).toEqual({
      Type: 'CALCULATED',
      HealthThreshold: 2,
      ChildHealthChecks: [{ 'Fn::GetAtt': [byId('SecondaryCanaryCheck')[0], 'HealthCheckId'] }, { 'Fn::GetAtt': [byId('ReadinessCheck')[0], 'HealthCheckId'] }],
    });

    const records = Object.values(t.dns.findResources('AWS::Route53::RecordSet')).map((r) => r.Properties as Json);
    expect(records).toHaveLength(2);
    const record = (failover: string) => records.find((r) => r.Failover === failover)!;
    expect(record('PRIMARY')).toMatchObject({ Name: 'iot.example.com', Type: 'CNAME', TTL: '30', HostedZoneId: 'Z0123456789ABCDEFGHIJ', HealthCheckId: { 'Fn::GetAtt': [byId('PrimaryCanaryCheck')[0], 'HealthCheckId'] } });
    expect(record('SECONDARY')).toMatchObject({ Name: 'iot.example.com', Type: 'CNAME', TTL: '30', HealthCheckId: { 'Fn::GetAtt': [byId('SecondaryCheck')[0], 'HealthCheckId'] } });
    // Each record's value is its own region's Data-ATS endpoint (a DescribeEndpoint call in that region).
    const lookups = t.dns.findResources('Custom::AWS');
    for (const [failover, region] of [['PRIMARY', 'us-east-1'], ['SECONDARY', 'us-west-2']] as const) {
      const [lookupId] = (record(failover).ResourceRecords as { 'Fn::GetAtt': [string, string] }[])[0]!['Fn::GetAtt'];
      expect(JSON.stringify((lookups[lookupId] as { Properties: Json }).Properties.Create)).toContain(`\\"region\\":\\"${region}\\"`);
    }
  });

  describe('with routing control', () => {
    const routed = synth({ routingControl: true });
    const dns = Template.fromStack(routed.dns);

    it('puts the DNS stack in us-west-2, where the recovery controller configuration lives', () => {
      expect(routed.dns.region).toBe('us-west-2');
    });

    it('creates a cluster, a control panel, a routing control per region and an "at least one on" assertion rule', () => {
      dns.resourceCountIs('AWS::Route53RecoveryControl::Cluster', 1);
      dns.resourceCountIs('AWS::Route53RecoveryControl::ControlPanel', 1);
      dns.resourceCountIs('AWS::Route53RecoveryControl::RoutingControl', 2);
      const rule = only(dns, 'AWS::Route53RecoveryControl::SafetyRule');
      expect(rule).toMatchObject({ RuleConfig: { Type: 'ATLEAST', Threshold: 1, Inverted: false } });
      expect((rule.AssertionRule as { AssertedControls: unknown[] }).AssertedControls).toHaveLength(2);
    });

    it('makes each record follow its region’s routing-control health check', () => {
      const checks = dns.findResources('AWS::Route53::HealthCheck', { Properties: { HealthCheckConfig: { Type: 'RECOVERY_CONTROL' } } });
      expect(Object.keys(checks)).toHaveLength(2);
      const records = Object.values(dns.findResources('AWS::Route53::RecordSet')).map((r) => r.Properties as Json);
      for (const failover of ['PRIMARY', 'SECONDARY']) {
        const record = records.find((r) => r.Failover === failover)!;
        const [checkId] = (record.HealthCheckId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
        expect(checkId).toContain(failover === 'PRIMARY' ? 'PrimaryRoutingControlCheck' : 'SecondaryRoutingControlCheck');
        const control = (checks[checkId] as { Properties: { HealthCheckConfig: { RoutingControlArn: { 'Fn::GetAtt': [string, string] } } } }).Properties.HealthCheckConfig.RoutingControlArn['Fn::GetAtt'][0];
        expect(control).toContain(failover === 'PRIMARY' ? 'PrimaryRoutingControl' : 'SecondaryRoutingControl');
      }
    });

    it('passes the cdk-nag AwsSolutions checks in every failover stack, each acknowledgement with a reason', () => {
      const checks = new AwsSolutionsChecks();
      for (const stack of [routed.secondary, routed.primary, routed.dns]) {
        const report = checks.validateScope(stack);
        expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
        for (const { reason } of collectAcknowledgements(stack).filter(({ id }) => id.includes('AwsSolutions-'))) expect(reason.length).toBeGreaterThan(60);
      }
    });
  });
});

/** The acknowledgements recorded on a construct tree (Validations.of(...).acknowledge metadata). */
function collectAcknowledgements(root: IConstruct): { id: string; reason: string }[] {
  return root.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .flatMap((m) => Object.entries(m.data as Record<string, string | { reason: string }>))
    .map(([id, value]) => ({ id, reason: typeof value === 'string' ? value : value.reason }));
}
