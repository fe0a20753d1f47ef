import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { CLOUDTRAIL_RULE_PATTERN, REGISTRY_RULE_PATTERN, REGISTRY_TOPIC_FILTERS } from '../../lib/events/rule-pattern';
import {
  addIotRegistrySyncStacks,
  IotRegistrySync,
  IotRegistrySyncPropsSchema,
  loadAppConfig,
  PLACEHOLDER_ACCOUNT,
  REGISTRY_EVENT_CONFIGURATIONS,
  SYNC_DEFINITION_FILE,
  UNSCOPED_READ_ACTIONS,
  DRIFT_UNSCOPED_READ_ACTIONS,
  UNSCOPED_WRITE_ACTIONS,
  SCOPED_WRITE_ACTIONS,
  ALL_SYNC_IOT_ACTIONS,
  type IotRegistrySyncProps,
} from '../../lib/infra';

/** An app as `cdk synth` builds it, with bundling skipped (no esbuild in unit tests). */
function testApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

const emptyDir = mkdtempSync(join(tmpdir(), 'irs-config-'));
afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

/** The default app: nothing configured, as a fresh clone synthesizes it. */
const config = loadAppConfig({ context: () => undefined, env: {}, cwd: emptyDir });
const app = testApp();
const [primaryStack, failbackStack] = addIotRegistrySyncStacks(app, config);
const primary = Template.fromStack(primaryStack!);
const failback = Template.fromStack(failbackStack!);

type Json = Record<string, unknown>;

/** A CloudFormation value flattened like cdk-nag does (`<Ref>`, `<Name.Attr>`), for reading ARNs. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Json;
  if (Array.isArray(node['Fn::Join'])) {
    const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(delimiter);
  }
  if (node.Ref !== undefined) return `<${String(node.Ref)}>`;
  if (Array.isArray(node['Fn::GetAtt'])) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
  return JSON.stringify(value);
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

interface Statement {
  policy: string;
  actions: string[];
  resources: string[];
  condition?: Json;
}

/** Every Allow statement of every IAM policy of a template, with its resources flattened. */
function statements(template: Template): Statement[] {
  return Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([policy, resource]) =>
    list((resource.Properties as Json & { PolicyDocument: { Statement: Json[] } }).PolicyDocument.Statement)
      .filter((s) => s.Effect === 'Allow')
      .map((s) => ({
        policy,
        actions: list(s.Action as string | string[]),
        resources: list(s.Resource as unknown).map(flatten),
        ...(s.Condition === undefined ? {} : { condition: s.Condition as Json }),
      })),
  );
}

/** The logical id of the only resource of a type whose id starts with the given construct id. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

const WRITE_ACTIONS = new Set([...SCOPED_WRITE_ACTIONS.flatMap((s) => s.actions), ...UNSCOPED_WRITE_ACTIONS]);
const IOT_ARN = /^arn:<AWS::Partition>:iot:([a-z0-9-]+):\d{12}:(thing|thingtype|thinggroup|billinggroup|cert|cacert|policy|provisioningtemplate|rolealias)\/\*$/;

describe('IotRegistrySync in the default app', () => {
  it('matches IoT calls delivered by CloudTrail and forwarded registry events with the exported patterns', () => {
    primary.hasResourceProperties('AWS::Events::Rule', { EventPattern: CLOUDTRAIL_RULE_PATTERN, State: 'ENABLED' });
    primary.hasResourceProperties('AWS::Events::Rule', { EventPattern: REGISTRY_RULE_PATTERN, State: 'ENABLED' });
  });

  it('starts the sync state machine through the coalescing queue, with a retry policy and an encrypted, TLS-only dead-letter queue', () => {
    const machine = logicalId(primary, 'AWS::StepFunctions::StateMachine', 'IotRegistrySyncSyncStateMachine');
    const dlq = logicalId(primary, 'AWS::SQS::Queue', 'IotRegistrySyncEventDeadLetterQueue');
    const rules = primary.findResources('AWS::Events::Rule', { Properties: { EventPattern: Match.objectLike({ 'detail-type': Match.anyValue() }) } });
    expect(Object.keys(rules)).toHaveLength(2);
    // Through the coalescing queue and pipe (lib/infra/event-coalescing.ts): one execution per batch.
    const queue = logicalId(primary, 'AWS::SQS::Queue', 'IotRegistrySyncEventCoalescingQueue');
    primary.hasResourceProperties('AWS::Pipes::Pipe', { Source: { 'Fn::GetAtt': [queue, 'Arn'] }, Target: { Ref: machine } });
    for (const rule of Object.values(rules)) {
      expect((rule.Properties as Json).Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [queue, 'Arn'] },
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        }),
      ]);
    }
    primary.hasResource('AWS::SQS::Queue', { Properties: { SqsManagedSseEnabled: true } });
    primary.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlq }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('forwards the six registry topic families through one topic rule each, never $aws/events/#, and keeps what fails in an error queue', () => {
    const forwarder = logicalId(primary, 'AWS::Lambda::Function', 'IotRegistrySyncForwardRegistryEvent');
    const errors = logicalId(primary, 'AWS::SQS::Queue', 'IotRegistrySyncTopicRuleErrorQueue');
    const rules = Object.entries(primary.findResources('AWS::IoT::TopicRule')).map(([id, r]) => ({ id, payload: (r.Properties as Json).TopicRulePayload as Json }));

    expect(rules.map((r) => r.payload.Sql).sort()).toEqual(Object.values(REGISTRY_TOPIC_FILTERS).map((f) => `SELECT *, topic() AS topic FROM '${f}'`).sort());
    expect(rules.some((r) => String(r.payload.Sql).includes("'$aws/events/#'"))).toBe(false);
    for (const { id, payload } of rules) {
      expect(payload).toMatchObject({
        AwsIotSqlVersion: '2016-03-23',
        RuleDisabled: false,
        Actions: [{ Lambda: { FunctionArn: { 'Fn::GetAtt': [forwarder, 'Arn'] } } }],
        ErrorAction: { Sqs: { QueueUrl: { Ref: errors }, UseBase64: false } },
      });
      primary.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'iot.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [id, 'Arn'] },
        SourceAccount: PLACEHOLDER_ACCOUNT,
      });
    }
    primary.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [errors, 'Arn'] } } },
    });
  });

  it('loads the reviewed ASL file unchanged, with a substitution for every ${Name} it uses', () => {
    const asl = readFileSync(SYNC_DEFINITION_FILE, 'utf8');
    const names = [...new Set([...asl.matchAll(/\$\{([A-Za-z]+)\}/g)].map((m) => m[1]!))].sort();
    const machine = Object.values(primary.findResources('AWS::StepFunctions::StateMachine'))[0]!.Properties as Json;

    expect(machine.DefinitionString).toBe(asl);
    expect(names.length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(machine.DefinitionSubstitutions as Json).sort()).toEqual(names);
    expect(machine.DefinitionSubstitutions).toMatchObject({
      ResolveChangeFunctionArn: { 'Fn::GetAtt': [logicalId(primary, 'AWS::Lambda::Function', 'IotRegistrySyncResolveChange'), 'Arn'] },
      DeadLetterQueueUrl: { Ref: logicalId(primary, 'AWS::SQS::Queue', 'IotRegistrySyncFailureQueue') },
      EventBusName: 'default',
    });
  });

  it('runs a Standard workflow that logs every execution with its data and traces it', () => {
    primary.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [Match.anyValue()] },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('grants the state machine invoke on its eight functions, SendMessage on the failure queue and PutEvents on the default bus', () => {
    const role = logicalId(primary, 'AWS::IAM::Role', 'IotRegistrySyncSyncStateMachineRole');
    const own = statements(primary).filter((s) => s.policy.startsWith('IotRegistrySyncSyncStateMachineRoleDefaultPolicy'));
    const invoke = own.find((s) => s.actions.includes('lambda:InvokeFunction'));
    const functionIds = Object.keys(primary.findResources('AWS::Lambda::Function')).filter((id) =>
      /^IotRegistrySync(ResolveChange|SyncThingType|SyncThingGroup|SyncPolicy|SyncCertificate|SyncThing|SyncAttachments|FinishSync)[0-9A-F]{8}$/.test(id),
    );

    expect(role).toBeDefined();
    expect(functionIds).toHaveLength(8);
    expect(invoke?.actions).toEqual(['lambda:InvokeFunction']);
    expect(invoke?.resources.sort()).toEqual(functionIds.map((id) => `<${id}.Arn>`).sort());
    expect(own.find((s) => s.actions.includes('sqs:SendMessage'))).toMatchObject({
      actions: ['sqs:SendMessage'],
      resources: [`<${logicalId(primary, 'AWS::SQS::Queue', 'IotRegistrySyncFailureQueue')}.Arn>`],
    });
    expect(own.find((s) => s.actions.includes('events:PutEvents'))).toMatchObject({
      actions: ['events:PutEvents'],
      resources: [`arn:<AWS::Partition>:events:us-east-1:${PLACEHOLDER_ACCOUNT}:event-bus/default`],
    });
  });

  it('bundles each handler as an arm64 Node.js 24 function with tracing, its own log group and the sync settings', () => {
    const handlers = Object.entries(primary.findResources('AWS::Lambda::Function')).filter(([id]) => !id.startsWith('AWS'));
    expect(handlers).toHaveLength(13);
    for (const [id, resource] of handlers) {
      const props = resource.Properties as Json & { Timeout: number; Environment: { Variables: Json }; LoggingConfig: { LogGroup: Json } };
      expect(props).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      expect(props.LoggingConfig.LogGroup).toEqual({ Ref: expect.stringMatching(/Logs/) });
      if (id.startsWith('IotRegistrySyncForwardRegistryEvent')) {
        expect(props.Environment.Variables).toMatchObject({ IRS_EVENT_BUS_NAME: 'default' });
      } else {
        expect(props.Timeout).toBeGreaterThanOrEqual(60);
        expect(props.Environment.Variables).toMatchObject({
          IRS_SOURCE_REGION: 'us-east-1',
          IRS_TARGET_REGION: 'us-west-2',
          IRS_DELETE_MODE: 'retain',
          IRS_QUOTA_SCALE: '1',
        });
        expect(props.Environment.Variables).not.toHaveProperty('IRS_TARGET_ROLE_ARN');
        if (id.startsWith('IotRegistrySyncDrift')) {
          expect(props.Environment.Variables).toMatchObject({ IRS_REPORT_BUCKET: { Ref: expect.stringMatching(/ReportBucket/) }, IRS_EVENT_BUS_NAME: 'default' });
        }
      }
    }
    primary.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('names every action and writes the IoT registry only in the target region', () => {
    const all = statements(primary);
    for (const statement of all) {
      for (const action of statement.actions) expect(action).not.toMatch(/(^\*$|:\*$)/);
    }
    const iot = all.filter((s) => s.actions.some((a) => a.startsWith('iot:')));
    for (const statement of iot) {
      const writes = statement.actions.filter((a) => WRITE_ACTIONS.has(a));
      if (statement.actions.includes('iot:UpdateEventConfigurations')) {
        // The deploy-time switch of this region's registry events: an account setting, no resource type.
        expect(statement).toMatchObject({ actions: ['iot:UpdateEventConfigurations'], resources: ['*'] });
        expect(statement.condition).toEqual({ StringEquals: { 'aws:RequestedRegion': 'us-east-1' } });
        continue;
      }
      expect(writes.length === 0 || writes.length === statement.actions.length).toBe(true);
      const region = writes.length > 0 ? 'us-west-2' : undefined;
      for (const resource of statement.resources) {
        if (resource === '*') {
          const unscoped = writes.length > 0 ? UNSCOPED_WRITE_ACTIONS : [...UNSCOPED_READ_ACTIONS, ...DRIFT_UNSCOPED_READ_ACTIONS];
          expect(statement.actions.every((a) => unscoped.includes(a))).toBe(true);
          const pinned = (statement.condition?.StringEquals as Json | undefined)?.['aws:RequestedRegion'];
          if (region) expect(pinned).toBe(region);
          else expect(['us-east-1', 'us-west-2']).toContain(pinned);
        } else {
          const arn = IOT_ARN.exec(resource);
          expect(arn).not.toBeNull();
          if (region) expect(arn![1]).toBe(region);
          else expect(['us-east-1', 'us-west-2']).toContain(arn![1]);
        }
      }
    }
    expect(iot.filter((s) => s.actions.some((a) => WRITE_ACTIONS.has(a))).length).toBeGreaterThan(0);
  });

  it('grants every IoT call the adapter makes, and nothing it does not make', () => {
    const folder = join(__dirname, '..', '..', 'lib', 'aws', 'iot-registry');
    const adapter = readdirSync(folder).map((file) => readFileSync(join(folder, file), 'utf8')).join('\n');
    const called = new Set([...adapter.matchAll(/\b(?:new ([A-Z]\w+)Command|paginate([A-Z]\w+))\(/g)].map((m) => `iot:${m[1] ?? m[2]}`));
    expect(called.size).toBeGreaterThan(30);
    expect([...ALL_SYNC_IOT_ACTIONS].sort()).toEqual([...called].sort());
  });

  it('lets ResolveChange read both regions and write neither, and the forwarder only put events on the default bus', () => {
    const resolve = statements(primary).filter((s) => s.policy.startsWith('IotRegistrySyncResolveChangeRole'));
    const resolveIot = resolve.filter((s) => s.actions.some((a) => a.startsWith('iot:')));
    const regionsRead = new Set<string>();
    for (const statement of resolveIot) {
      expect(statement.actions.some((a) => WRITE_ACTIONS.has(a))).toBe(false);
      for (const resource of statement.resources) {
        const region = resource === '*' ? (statement.condition as { StringEquals: Record<string, string> }).StringEquals['aws:RequestedRegion'] : IOT_ARN.exec(resource)?.[1];
        regionsRead.add(String(region));
      }
    }
    // It lists what the target still lacks (pendingStages(target, …)), so it reads the target as well.
    expect([...regionsRead].sort()).toEqual(['us-east-1', 'us-west-2']);
    const describeThing = (region: string) => resolveIot.some((s) => s.actions.includes('iot:DescribeThing') && s.resources.some((r) => IOT_ARN.exec(r)?.[1] === region));
    expect(describeThing('us-west-2')).toBe(true);
    const forwarder = statements(primary).filter((s) => s.policy.startsWith('IotRegistrySyncForwarderRole'));
    const actions = forwarder.flatMap((s) => s.actions).sort();
    expect(actions).toEqual(
      ['events:PutEvents', 'logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].sort(),
    );
    expect(forwarder.find((s) => s.actions.includes('events:PutEvents'))?.resources).toEqual([
      `arn:<AWS::Partition>:events:us-east-1:${PLACEHOLDER_ACCOUNT}:event-bus/default`,
    ]);
  });

  it('alarms on failed and throttled executions, queue depths, Lambda throttles, forwarder errors, the drift job, unresolved changes and readiness', () => {
    primary.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    primary.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ReadinessPercent',
      Namespace: 'IotRegistrySync',
      Dimensions: Match.arrayWith([{ Name: 'SourceRegion', Value: 'us-east-1' }, { Name: 'TargetRegion', Value: 'us-west-2' }]),
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 99,
      TreatMissingData: 'breaching',
    });
    const alarm = (props: Json) =>
      primary.hasResourceProperties('AWS::CloudWatch::Alarm', { ComparisonOperator: 'GreaterThanThreshold', Threshold: 0, ...props });
    alarm({ MetricName: 'ExecutionsFailed', Namespace: 'AWS/States' });
    alarm({ MetricName: 'ExecutionThrottled', Namespace: 'AWS/States' });
    alarm({ MetricName: 'ExecutionsFailed', Namespace: 'AWS/States', Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(primary, 'AWS::StepFunctions::StateMachine', 'IotRegistrySyncDriftStateMachine') } }] });
    alarm({ MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(primary, 'AWS::SQS::Queue', 'IotRegistrySyncFailureQueue'), 'QueueName'] } }] });
    alarm({ MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(primary, 'AWS::SQS::Queue', 'IotRegistrySyncEventDeadLetterQueue'), 'QueueName'] } }] });
    alarm({ MetricName: 'Errors', Namespace: 'AWS/Lambda' });
    alarm({ MetricName: 'UnresolvedChanges', Namespace: 'IotRegistrySync' });
    alarm({ Metrics: Match.arrayWith([Match.objectLike({ Expression: 'SUM(METRICS())' })]) });
    for (const resource of Object.values(primary.findResources('AWS::CloudWatch::Alarm'))) {
      expect((resource.Properties as Json).AlarmActions).toBeUndefined();
    }
  });

  it('keeps drift reports in an encrypted, private, versioned, access-logged bucket that expires them, on a 6-hour schedule', () => {
    primary.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('AccessLogsBucket') }, LogFilePrefix: 'reports/' },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({ ExpirationInDays: 90, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
          Match.objectLike({ Prefix: 'drift/runs/', ExpirationInDays: 7, Status: 'Enabled' }),
        ],
      },
    });
    const buckets = Object.keys(primary.findResources('AWS::S3::Bucket'));
    for (const bucket of buckets) {
      primary.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucket },
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
    const accessLogs = logicalId(primary, 'AWS::S3::Bucket', 'IotRegistrySyncAccessLogsBucket');
    expect(primary.findResources('AWS::S3::Bucket')[accessLogs]!.Properties).not.toHaveProperty('AccessControl');
    primary.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: accessLogs },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 's3:PutObject', Principal: { Service: 'logging.s3.amazonaws.com' } })]) },
    });
    primary.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(6 hours)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { Ref: logicalId(primary, 'AWS::StepFunctions::StateMachine', 'IotRegistrySyncDriftStateMachine') } })],
    });
  });

  it('deploys the reviewed reconcile ASL, which may start only itself again (continue-as-new)', () => {
    const id = logicalId(primary, 'AWS::StepFunctions::StateMachine', 'IotRegistrySyncReconcileStateMachine');
    const props = primary.findResources('AWS::StepFunctions::StateMachine')[id]!.Properties as { DefinitionSubstitutions: Record<string, unknown>; StateMachineName: string };
    const asl = readFileSync(join(__dirname, '..', '..', 'statemachine', 'reconcile.asl.json'), 'utf8');
    expect(new Set(Object.keys(props.DefinitionSubstitutions))).toEqual(new Set([...asl.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1])));
    expect(props.StateMachineName).toBe('IotRegistrySync-Reconcile');
    const starts = statements(primary).filter((st) => st.actions.includes('states:StartExecution') && st.policy.startsWith('IotRegistrySyncReconcileStateMachineRole'));
    expect(starts.map((st) => st.resources)).toEqual([[`arn:<AWS::Partition>:states:us-east-1:${PLACEHOLDER_ACCOUNT}:stateMachine:IotRegistrySync-Reconcile`]]);
    // Nothing else may start the reconcile (the EventBridge roles start the sync and the drift job).
    const others = statements(primary).filter((st) => st.actions.includes('states:StartExecution') && !st.policy.startsWith('IotRegistrySyncReconcileStateMachineRole'));
    for (const st of others) expect(st.resources.join()).not.toMatch(/Reconcile/);
    // Reconcile on drift is off by default: the drift job only reports.
    for (const fn of Object.values(primary.findResources('AWS::Lambda::Function'))) {
      expect(((fn.Properties as { Environment?: { Variables?: Json } }).Environment?.Variables ?? {})).not.toHaveProperty('IRS_RECONCILE_STATE_MACHINE_ARN');
    }
  });

  it('runs the reviewed drift ASL with both drift Lambdas substituted, and lets them write reports only under drift/', () => {
    const machine = primary.findResources('AWS::StepFunctions::StateMachine')[logicalId(primary, 'AWS::StepFunctions::StateMachine', 'IotRegistrySyncDriftStateMachine')]!;
    const props = machine.Properties as { DefinitionString: unknown; DefinitionSubstitutions: Record<string, unknown>; TracingConfiguration: Json };
    const asl = readFileSync(join(__dirname, '..', '..', 'statemachine', 'drift.asl.json'), 'utf8');
    const placeholders = new Set([...asl.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect(new Set(Object.keys(props.DefinitionSubstitutions))).toEqual(placeholders);
    expect(props.TracingConfiguration).toEqual({ Enabled: true });
    const s3 = statements(primary).filter((st) => st.policy.startsWith('IotRegistrySyncDrift') && st.actions.some((a) => a.startsWith('s3:')));
    expect(s3.length).toBeGreaterThan(0);
    for (const statement of s3) {
      for (const resource of statement.resources) expect(resource).toMatch(/ReportBucket.*(\/drift\/\*)?$/);
      if (statement.actions.includes('s3:PutObject')) expect(statement.resources.every((r) => r.endsWith('/drift/*'))).toBe(true);
    }
  });

  it('creates a KMS-encrypted regional trail of write events with log file validation', () => {
    const key = logicalId(primary, 'AWS::KMS::Key', 'IotRegistrySyncTrailKey');
    primary.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsLogging: true,
      EnableLogFileValidation: true,
      IsMultiRegionTrail: false,
      KMSKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
      EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'WriteOnly' }],
    });
    primary.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:GenerateDataKey*', Principal: { Service: 'cloudtrail.amazonaws.com' } })]) },
    });
  });

  it('switches on exactly the six registry event types with UpdateEventConfigurations', () => {
    const resource = Object.values(primary.findResources('Custom::AWS'))[0]!.Properties as Json;
    const create = JSON.parse(flatten(resource.Create)) as { service: string; action: string; parameters: { eventConfigurations: Json } };
    expect(create).toMatchObject({ service: 'IoT', action: 'UpdateEventConfigurations' });
    expect(create.parameters.eventConfigurations).toEqual(Object.fromEntries(REGISTRY_EVENT_CONFIGURATIONS.map((k) => [k, { Enabled: true }])));
  });

  it('deploys the mirror image in the target region with its rules disabled until an operator enables them', () => {
    expect(failbackStack!.region).toBe('us-west-2');
    expect(failbackStack!.stackName).toBe('IotRegistrySync-failback');
    failback.hasResourceProperties('AWS::Events::Rule', { EventPattern: CLOUDTRAIL_RULE_PATTERN, State: 'DISABLED' });
    failback.hasResourceProperties('AWS::Events::Rule', { EventPattern: REGISTRY_RULE_PATTERN, State: 'DISABLED' });
    failback.hasResourceProperties('AWS::IoT::TopicRule', { TopicRulePayload: Match.objectLike({ RuleDisabled: true }) });
    failback.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ IRS_SOURCE_REGION: 'us-west-2', IRS_TARGET_REGION: 'us-east-1' }) },
    });
    const writes = statements(failback).filter((s) => s.actions.some((a) => WRITE_ACTIONS.has(a)));
    expect(writes.flatMap((s) => s.resources).filter((r) => r !== '*').every((r) => IOT_ARN.exec(r)?.[1] === 'us-east-1')).toBe(true);
  });

  it('passes the cdk-nag AwsSolutions checks, each acknowledgement with a written reason', () => {
    const checks = new AwsSolutionsChecks();
    for (const stack of [primaryStack!, failbackStack!]) {
      const report = checks.validateScope(stack);
      expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    }
    // Ours are the AwsSolutions ones (aws-cdk-lib records a few CloudFormation-Validate ones itself).
    const acknowledgements = collectAcknowledgements(primaryStack!).filter(({ id }) => id.includes('AwsSolutions-'));
    expect(acknowledgements.length).toBeGreaterThan(10);
    for (const { reason } of acknowledgements) expect(reason.length).toBeGreaterThan(60);
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

describe('IotRegistrySync props', () => {
  const stackIn = (region: string | undefined) => new Stack(testApp(), 'Stack', region ? { env: { account: '111122223333', region } } : {});

  it.each<[Partial<IotRegistrySyncProps>, string]>([
    [{ targetRegion: 'us-east-1' }, 'targetRegion: must differ'],
    [{ targetRegion: 'Oregon' }, 'targetRegion: must be an AWS region'],
    [{ quotaScale: 0 }, 'quotaScale'],
    [{ driftSchedule: 'every day' }, 'driftSchedule: must be an EventBridge schedule expression'],
    [{ targetRoleArn: 'registry-writer' }, 'targetRoleArn: must be an IAM role ARN'],
    [{ deleteMode: 'purge' as 'mirror' }, 'deleteMode'],
    [{ readinessAlarmThreshold: 101 }, 'readinessAlarmThreshold: must be between 0 and 100'],
    [{ logRetention: 8 as RetentionDays }, 'logRetention'],
    [{ alarmTopic: {} as ITopic }, 'alarmTopic: must be an SNS topic'],
  ])('rejects %j with an error naming the prop', (override, message) => {
    expect(() => new IotRegistrySync(stackIn('us-east-1'), 'Sync', { targetRegion: 'us-west-2', ...override })).toThrow(message);
  });

  it('requires a stack with an explicit region, the source', () => {
    expect(() => new IotRegistrySync(stackIn(undefined), 'Sync', { targetRegion: 'us-west-2' })).toThrow('explicit env.region');
  });

  it('assumes the target role, notifies the alarm topic, and leaves out the trail and the event switch when told', () => {
    const stack = stackIn('eu-west-1');
    const topic = new Topic(stack, 'Alarms', { enforceSSL: true });
    const roleArn = 'arn:aws:iam::444455556666:role/registry-writer';
    new IotRegistrySync(stack, 'Sync', {
      targetRegion: 'eu-central-1',
      targetRoleArn: roleArn,
      alarmTopic: topic,
      createTrail: false,
      enableRegistryEvents: false,
      deleteMode: 'mirror',
      quotaScale: 4,
    });
    const template = Template.fromStack(stack);

    expect(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineType: 'EXPRESS' } })).toEqual({});
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ IRS_TARGET_ROLE_ARN: roleArn, IRS_DELETE_MODE: 'mirror', IRS_QUOTA_SCALE: '4' }) },
    });
    const sync = statements(template).filter((s) => s.policy.startsWith('SyncSyncHandlerRole'));
    expect(sync).toContainEqual(expect.objectContaining({ actions: ['sts:AssumeRole'], resources: [roleArn] }));
    // ResolveChange reads the target through the same role.
    const resolve = statements(template).filter((s) => s.policy.startsWith('SyncResolveChangeRole'));
    expect(resolve).toContainEqual(expect.objectContaining({ actions: ['sts:AssumeRole'], resources: [roleArn] }));
    expect(resolve.flatMap((s) => s.resources).some((r) => r.includes(':iot:eu-central-1:'))).toBe(false);
    expect(sync.flatMap((s) => s.actions).some((a) => WRITE_ACTIONS.has(a))).toBe(false);
    expect(sync.flatMap((s) => s.resources).some((r) => r.includes(':iot:eu-central-1:'))).toBe(false);
    for (const resource of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect((resource.Properties as Json).AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }]);
    }
    template.resourceCountIs('AWS::CloudTrail::Trail', 0);
    template.resourceCountIs('Custom::AWS', 0);
  });
});

describe('loadAppConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irs-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(content));
    return path;
  };
  const context = (values: Record<string, unknown>) => (key: string) => values[key];

  it('uses offline defaults and a placeholder account when nothing is configured', () => {
    expect(config).toMatchObject({
      stackName: 'IotRegistrySync',
      account: PLACEHOLDER_ACCOUNT,
      accountIsPlaceholder: true,
      sourceRegion: 'us-east-1',
      targetRegion: 'us-west-2',
      deleteMode: 'retain',
      quotaScale: 1,
      workflowType: 'STANDARD',
      driftSchedule: 'rate(6 hours)',
      createTrail: true,
      enableRegistryEvents: true,
      failback: { deploy: true, enabled: false },
    });
  });

  it('takes the account from CDK_DEFAULT_ACCOUNT when the config names none', () => {
    const loaded = loadAppConfig({ context: context({}), env: { CDK_DEFAULT_ACCOUNT: '111122223333' }, cwd: dir });
    expect(loaded).toMatchObject({ account: '111122223333', accountIsPlaceholder: false });
  });

  it('reads the file named by the config context and lets context keys override it', () => {
    const path = write('custom.json', { account: '210987654321', sourceRegion: 'eu-west-1', targetRegion: 'eu-central-1', quotaScale: 2 });
    const loaded = loadAppConfig({
      context: context({ config: path, quotaScale: '4', createTrail: 'false', failback: '{"deploy":false}' }),
      env: { CDK_DEFAULT_ACCOUNT: '111122223333' },
      cwd: dir,
    });
    expect(loaded).toMatchObject({
      account: '210987654321',
      sourceRegion: 'eu-west-1',
      targetRegion: 'eu-central-1',
      quotaScale: 4,
      createTrail: false,
      failback: { deploy: false, enabled: false },
    });
  });

  it.each<[unknown, string]>([
    [{ targetRegoin: 'eu-west-1' }, 'targetRegoin'],
    [{ quotaScale: -1 }, 'quotaScale'],
    [{ failback: { enabeld: true } }, 'enabeld'],
    [{ targetRegion: 'us-east-1' }, 'targetRegion: must differ from sourceRegion'],
    [{ account: '12345' }, 'account: must be a 12-digit AWS account ID'],
    [{ workflowType: 'EXPRESS' }, 'workflowType: must be STANDARD: an Express execution stops at 5 minutes'],
    [{ sourceRegion: 'Virginia' }, 'sourceRegion: must be an AWS region'],
    [{ targetRoleArn: 'registry-writer' }, 'targetRoleArn: must be an IAM role ARN'],
    [{ failback: { account: '1234' } }, 'failback.account: must be a 12-digit AWS account ID'],
    [{ failback: { targetRoleArn: 'writer' } }, 'failback.targetRoleArn: must be an IAM role ARN'],
    // The construct's own check, made when the config is read rather than when the stack is built.
    [{ driftSchedule: 'every day' }, 'driftSchedule: must be an EventBridge schedule expression'],
    [{ quotaScale: 101 }, 'quotaScale'],
  ])('rejects %j naming the field', (content, field) => {
    const path = write('bad.json', content);
    expect(() => loadAppConfig({ context: context({ config: path }), env: {}, cwd: dir })).toThrow(field);
  });

  it('defaults every setting it passes to the construct exactly as the construct does', () => {
    const constructDefaults = IotRegistrySyncPropsSchema.parse({ targetRegion: 'us-west-2' });
    for (const key of ['deleteMode', 'quotaScale', 'driftSchedule', 'createTrail', 'enableRegistryEvents'] as const) {
      expect([key, config[key]]).toEqual([key, constructDefaults[key]]);
    }
  });

  it('takes flags and numbers given as context strings', () => {
    const loaded = loadAppConfig({ context: context({ quotaScale: '2.5', enableRegistryEvents: 'false', failback: '{"deploy":"false"}' }), env: {}, cwd: dir });
    expect(loaded).toMatchObject({ quotaScale: 2.5, enableRegistryEvents: false, failback: { deploy: false } });
    expect(() => loadAppConfig({ context: context({ createTrail: 'yes' }), env: {}, cwd: dir })).toThrow('context: createTrail');
  });

  it('fails when the config context names a missing file', () => {
    expect(() => loadAppConfig({ context: context({ config: 'nowhere.json' }), env: {}, cwd: dir })).toThrow('does not exist');
  });
});
