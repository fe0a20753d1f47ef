/**
 * The whole deployable system as one construct, deployed in the source region: the event path
 * (CloudTrail and registry events → EventBridge → the sync state machine), the per-family Lambdas with
 * least-privilege roles, dead-letter queues, alarms, and the drift report's bucket and schedule.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { z } from 'zod';
import { METRICS_NAMESPACE, metricDimensions } from '../core/metrics';
import { EventCoalescing } from './event-coalescing';
import { CLOUDTRAIL_RULE_PATTERN, REGISTRY_RULE_PATTERN, REGISTRY_TOPIC_FILTERS, registryTopicRuleSql, type RegistryTopicFamily } from '../events/rule-pattern';
import { FUNCTION_SIZING, type FunctionSizing } from './function-sizing';
import { acknowledge, acknowledgeWildcardResources } from './nag-acknowledgements';
import { driftReadStatements, registryReadStatements, registryWriteStatements, type RegistryScope } from './registry-permissions';

/** The repository root (lib/infra/ → ../..), where the handlers, the ASL files and the lockfile live. */
const PROJECT_ROOT = join(__dirname, '..', '..');

/** The reviewed sync definition, loaded as a string so that template assertions can read it. */
export const SYNC_DEFINITION_FILE = join(PROJECT_ROOT, 'statemachine', 'sync.asl.json');
/** The reviewed reconcile state machine. */
export const RECONCILE_DEFINITION_FILE = join(PROJECT_ROOT, 'statemachine', 'reconcile.asl.json');
/** The reviewed drift report state machine. */
export const DRIFT_DEFINITION_FILE = join(PROJECT_ROOT, 'statemachine', 'drift.asl.json');

/** The registry event families the topic rule forwards (the `UpdateEventConfigurations` keys they need). */
export const REGISTRY_EVENT_CONFIGURATIONS = [
  'THING',
  'THING_TYPE',
  'THING_TYPE_ASSOCIATION',
  'THING_GROUP',
  'THING_GROUP_MEMBERSHIP',
  'THING_GROUP_HIERARCHY',
] as const;

/** Properties of {@link IotRegistrySync}. */
export interface IotRegistrySyncProps {
  /** The region whose registry is kept identical to this stack's region (required; must differ from it). */
  readonly targetRegion: string;
  /** `retain` (default) never deletes in the target; `mirror` deletes what the source deleted, behind the mass-delete guard. */
  readonly deleteMode?: 'retain' | 'mirror';
  /** SNS topic the alarms notify; default none (the alarms are created regardless). */
  readonly alarmTopic?: sns.ITopic;
  /** EventBridge schedule expression of the drift report; default `rate(6 hours)`. */
  readonly driftSchedule?: string;
  /** Create a CloudTrail trail in this region (CloudTrail-delivered EventBridge events need one); default true. */
  readonly createTrail?: boolean;
  /** Switch on the six IoT registry event types in this region with a custom resource; default true. */
  readonly enableRegistryEvents?: boolean;
  /** Multiplies the AWS default TPS each function paces its IoT calls at (IRS_QUOTA_SCALE); default 1. */
  readonly quotaScale?: number;
  /** IAM role the functions assume for every target-region call (a target in another account); default none (their own role). */
  readonly targetRoleArn?: string;
  /** Whether the event rules, the topic rule and the drift schedule start enabled; default true (a failback stack passes false). */
  readonly enabled?: boolean;
  /** Retention of every log group the construct creates; default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** The drift report's ReadinessPercent below which an alarm fires (usable to hold a failover); default 99. */
  readonly readinessAlarmThreshold?: number;
  /** Start a reconcile execution when a drift report finds differences; default false (report only). */
  readonly reconcileOnDrift?: boolean;
}

const RegionSchema = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1');
const ScheduleSchema = z
  .string()
  .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, 'must be an EventBridge schedule expression such as rate(6 hours)');
const RoleArnSchema = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN');

/** The plain-data props, validated; an error names the prop. */
const PropsSchema = z.object({
  targetRegion: RegionSchema,
  deleteMode: z.enum(['retain', 'mirror']).default('retain'),
  driftSchedule: ScheduleSchema.default('rate(6 hours)'),
  createTrail: z.boolean().default(true),
  enableRegistryEvents: z.boolean().default(true),
  quotaScale: z.number().positive().max(100).default(1),
  targetRoleArn: RoleArnSchema.optional(),
  enabled: z.boolean().default(true),
  readinessAlarmThreshold: z.number().min(0).max(100).default(99),
  reconcileOnDrift: z.boolean().default(false),
});
type ValidatedProps = z.infer<typeof PropsSchema>;

/** Validates the construct's props; throws an Error naming the first bad prop. */
export function validateIotRegistrySyncProps(props: IotRegistrySyncProps, sourceRegion: string): ValidatedProps {
  const { alarmTopic: _topic, logRetention: _retention, ...plain } = props;
  const parsed = PropsSchema.safeParse(plain);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`IotRegistrySync: ${issue?.path.join('.') || '(props)'}: ${issue?.message ?? 'invalid'}`);
  }
  if (parsed.data.targetRegion === sourceRegion) {
    throw new Error(`IotRegistrySync: targetRegion: must differ from the stack's region (${sourceRegion}), which is the source`);
  }
  return parsed.data;
}

/** The Lambda handlers, by the name their ASL substitution and construct ids use. */
const SYNC_HANDLERS = {
  ResolveChange: 'resolve-change.ts',
  SyncThingType: 'sync-thing-type.ts',
  SyncThingGroup: 'sync-thing-group.ts',
  SyncPolicy: 'sync-policy.ts',
  SyncCertificate: 'sync-certificate.ts',
  SyncThing: 'sync-thing.ts',
  SyncAttachments: 'sync-attachments.ts',
  FinishSync: 'finish-sync.ts',
} as const;

/** Name of a function the sync state machine invokes. */
export type SyncFunctionName = keyof typeof SYNC_HANDLERS;

/** The registry sync, deployed in the source region (the stack's region). */
export class IotRegistrySync extends Construct {
  /** The sync state machine (statemachine/sync.asl.json). */
  readonly stateMachine: sfn.StateMachine;
  /** The Lambdas the state machine invokes, by state name. */
  readonly functions: Readonly<Record<SyncFunctionName, NodejsFunction>>;
  /** The IoT topic rule's target: re-emits registry events to EventBridge. */
  readonly forwarder: NodejsFunction;
  /** Changes whose sync failed, as the state machine records them (redrive from here). */
  readonly failureQueue: sqs.Queue;
  /** Events EventBridge could not deliver to the state machine. */
  readonly eventDeadLetterQueue: sqs.Queue;
  /** Registry events the topic rule could not hand to the forwarder, or the forwarder could not put on the bus. */
  readonly topicRuleErrorQueue: sqs.Queue;
  /** Rule matching IoT control-plane calls delivered by CloudTrail. */
  readonly cloudTrailRule: events.Rule;
  /** Rule matching the registry events the forwarder puts. */
  readonly registryEventRule: events.Rule;
  /** IoT topic rules → forwarder: one per registry-event family the sync reads (never `$aws/events/#`). */
  readonly topicRules: Readonly<Record<RegistryTopicFamily, iot.CfnTopicRule>>;
  /** Bucket for drift reports (encrypted, private, versioned, expired after 90 days). */
  readonly reportBucket: s3.Bucket;
  /** Server access logs of the construct's buckets. */
  readonly accessLogsBucket: s3.Bucket;
  /** The drift report's schedule. */
  readonly driftSchedule: events.Schedule;
  /** The manual reconcile (statemachine/reconcile.asl.json): start it from `iot-registry-sync reconcile --via-step-functions`. */
  readonly reconcileStateMachine: sfn.StateMachine;
  /** Scheduled rule that starts the drift job. */
  readonly driftRule: events.Rule;
  /** The drift report job (statemachine/drift.asl.json): reports to the bucket, an event and metrics. */
  readonly driftStateMachine: sfn.StateMachine;
  /** The two drift Lambdas: ReadChunk (lists one region's resources a bounded chunk at a time) and Finish. */
  readonly driftFunctions: Readonly<Record<'DriftReadChunk' | 'DriftFinish', NodejsFunction>>;
  /** The trail, when `createTrail` is true. */
  readonly trail?: cloudtrail.Trail;
  /** Every alarm the construct created. */
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The validated settings. */
  readonly settings: ValidatedProps & { sourceRegion: string };

  constructor(scope: Construct, id: string, props: IotRegistrySyncProps) {
    super(scope, id);
    // Server access logs delivered through a bucket policy, not ACLs (which S3 now disables by default),
    // whatever the app's feature flags say.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region)) {
      throw new Error('IotRegistrySync: the stack needs an explicit env.region (the source region)');
    }
    const settings = { ...validateIotRegistrySyncProps(props, stack.region), sourceRegion: stack.region };
    this.settings = settings;
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const source: RegistryScope = { partition: stack.partition, account: stack.account, region: settings.sourceRegion };
    const target: RegistryScope = { ...source, region: settings.targetRegion };

    // Queues: every hop that can give up hands its message to one of these.
    this.failureQueue = encryptedQueue(this, 'FailureQueue');
    this.eventDeadLetterQueue = encryptedQueue(this, 'EventDeadLetterQueue');
    this.topicRuleErrorQueue = encryptedQueue(this, 'TopicRuleErrorQueue');

    // Roles per function family: ResolveChange reads both regions (it lists what the target still lacks:
    // lambdas/resolve-change.ts calls pendingStages(target, …)); the sync handlers read both regions (the
    // target is compared before it is written) and write the target; FinishSync and the forwarder touch no registry.
    // In cross-account mode the target is read through the assumed role, so ResolveChange may assume it too.
    const targetReads =
      settings.targetRoleArn === undefined
        ? registryReadStatements(target)
        : [new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [settings.targetRoleArn] })];
    const resolveRole = lambdaRole(this, 'ResolveChangeRole', [...registryReadStatements(source), ...targetReads]);
    const syncRole = lambdaRole(
      this,
      'SyncHandlerRole',
      settings.targetRoleArn === undefined
        ? [...registryReadStatements(source), ...registryReadStatements(target), ...registryWriteStatements(target)]
        : // The target registry is reached only through the assumed role (see targetRoleStatements).
          [...registryReadStatements(source), new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [settings.targetRoleArn] })],
    );
    const finishRole = lambdaRole(this, 'FinishSyncRole', []);
    const forwarderRole = lambdaRole(this, 'ForwarderRole', []);

    const environment: Record<string, string> = {
      IRS_SOURCE_REGION: settings.sourceRegion,
      IRS_TARGET_REGION: settings.targetRegion,
      IRS_DELETE_MODE: settings.deleteMode,
      IRS_QUOTA_SCALE: String(settings.quotaScale),
      // The source account, from which policy ARNs are rewritten to the target role's account.
      IRS_SOURCE_ACCOUNT: stack.account,
      ...(settings.targetRoleArn === undefined ? {} : { IRS_TARGET_ROLE_ARN: settings.targetRoleArn }),
    };
    const roleOf = (name: SyncFunctionName): iam.Role =>
      name === 'ResolveChange' ? resolveRole : name === 'FinishSync' ? finishRole : syncRole;
    const functions = {} as Record<SyncFunctionName, NodejsFunction>;
    for (const [name, file] of Object.entries(SYNC_HANDLERS) as [SyncFunctionName, string][]) {
      functions[name] = handlerFunction(this, name, { file, role: roleOf(name), retention, environment, sizing: FUNCTION_SIZING[name] });
    }
    this.functions = functions;
    this.forwarder = handlerFunction(this, 'ForwardRegistryEvent', {
      file: 'forward-registry-event.ts',
      role: forwarderRole,
      retention,
      environment: { IRS_EVENT_BUS_NAME: 'default' },
      sizing: FUNCTION_SIZING.ForwardRegistryEvent,
    });
    // IoT invokes the forwarder asynchronously: the rule's error action sees only failed invocations, so an
    // event the forwarder itself fails on (after Lambda's two retries) goes to the same queue.
    this.forwarder.configureAsyncInvoke({ retryAttempts: 2, onFailure: new SqsDestination(this.topicRuleErrorQueue) });
    const defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    forwarderRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [defaultBus.eventBusArn] }));

    this.stateMachine = this.syncStateMachine(retention, defaultBus);

    // Event path: both rules start the same state machine; a late event is as good as a timely one (the sync
    // re-reads the source), so EventBridge may retry for as long as it allows before the dead-letter queue.
    // Coalesced (lib/infra/event-coalescing.ts): the rules deliver to a queue; a pipe starts one execution per batch.
    const startSync = new EventCoalescing(this, 'EventCoalescing', { stateMachine: this.stateMachine, ruleDeadLetterQueue: this.eventDeadLetterQueue }).ruleTarget;
    this.cloudTrailRule = new events.Rule(this, 'CloudTrailRule', {
      description: 'IoT registry writes delivered by CloudTrail start the registry sync',
      eventPattern: toEventPattern(CLOUDTRAIL_RULE_PATTERN),
      enabled: settings.enabled,
      targets: [startSync],
    });
    this.registryEventRule = new events.Rule(this, 'RegistryEventRule', {
      description: 'IoT registry events forwarded from $aws/events start the registry sync',
      eventPattern: toEventPattern(REGISTRY_RULE_PATTERN),
      enabled: settings.enabled,
      targets: [startSync],
    });
    this.topicRules = this.registryTopicRules(settings.enabled);

    if (settings.enableRegistryEvents) this.switchOnRegistryEvents(settings.sourceRegion);

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      ...PRIVATE_BUCKET,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
    });
    this.reportBucket = new s3.Bucket(this, 'ReportBucket', {
      ...PRIVATE_BUCKET,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'reports/',
      lifecycleRules: [
        { id: 'expire-reports', expiration: Duration.days(90), noncurrentVersionExpiration: Duration.days(30) },
        // Per-chunk intermediate results of the drift job: only the run that wrote them reads them.
        { id: 'expire-drift-runs', prefix: 'drift/runs/', expiration: Duration.days(7), noncurrentVersionExpiration: Duration.days(1) },
      ],
    });
    if (settings.createTrail) this.trail = this.registryTrail();

    this.driftSchedule = events.Schedule.expression(settings.driftSchedule);
    this.driftRule = new events.Rule(this, 'DriftSchedule', {
      description: 'Schedule of the drift report between the source and the target registry',
      schedule: this.driftSchedule,
      enabled: settings.enabled,
    });
    this.reconcileStateMachine = this.reconcileJob(syncRole, environment, retention);
    const drift = this.driftJob({
      source,
      target,
      environment: settings.reconcileOnDrift ? { ...environment, IRS_RECONCILE_STATE_MACHINE_ARN: this.reconcileStateMachine.stateMachineArn } : environment,
      retention,
      bus: defaultBus,
      targetRoleArn: settings.targetRoleArn,
    });
    if (settings.reconcileOnDrift) this.reconcileStateMachine.grantStartExecution(drift.functions.DriftFinish);
    this.driftStateMachine = drift.machine;
    this.driftFunctions = drift.functions;
    this.driftRule.addTarget(new targets.SfnStateMachine(this.driftStateMachine, { retryAttempts: 3 }));

    this.createAlarms(props.alarmTopic, settings.readinessAlarmThreshold);
    for (const queue of [this.failureQueue, this.eventDeadLetterQueue, this.topicRuleErrorQueue]) {
      acknowledge(queue, 'AwsSolutions-SQS3', 'This queue is itself a dead-letter destination: an operator inspects and redrives it, nothing consumes it automatically');
    }
    for (const role of [finishRole, forwarderRole]) {
      acknowledge(role, 'AwsSolutions-IAM5[Resource::*]', 'Added by CDK for active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource type');
    }
    acknowledge(
      this.stateMachine,
      'AwsSolutions-IAM5[Resource::*]',
      'Added by CDK for logging and tracing: CloudWatch Logs delivery (logs:*LogDelivery, DescribeLogGroups, DescribeResourcePolicies) and X-Ray actions have no resource type',
    );
  }

  /**
   * The sync state machine, always Standard: exactly-once starts, redrive, and a Catch that records every
   * failure. (Express stops an execution at 5 minutes and a timeout skips the Catch, so a throttled change
   * could vanish without a record.)
   */
  private syncStateMachine(retention: logs.RetentionDays, bus: events.IEventBus): sfn.StateMachine {
    const logGroup = new logs.LogGroup(this, 'SyncStateMachineLogs', { retention });
    const definitionSubstitutions: Record<string, string> = {
      ...Object.fromEntries(Object.entries(this.functions).map(([name, fn]) => [`${name}FunctionArn`, fn.functionArn])),
      DeadLetterQueueUrl: this.failureQueue.queueUrl,
      EventBusName: bus.eventBusName,
    };
    const machine = new sfn.StateMachine(this, 'SyncStateMachine', {
      definitionBody: sfn.DefinitionBody.fromString(readFileSync(SYNC_DEFINITION_FILE, 'utf8')),
      definitionSubstitutions,
      stateMachineType: sfn.StateMachineType.STANDARD,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    // Grants written by hand: CDK cannot infer them from an ASL file.
    machine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: Object.values(this.functions).map((fn) => fn.functionArn) }),
    );
    machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.failureQueue.queueArn] }));
    machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] }));
    return machine;
  }

  private reconcileJob(role: iam.Role, environment: Record<string, string>, retention: logs.RetentionDays): sfn.StateMachine {
    // The reconcile Lambdas read both regions and write the target: the sync handlers' role.
    const step = handlerFunction(this, 'ReconcileStep', { file: 'reconcile-step.ts', role, retention, environment, sizing: FUNCTION_SIZING.ReconcileStep });
    const page = handlerFunction(this, 'ReconcilePage', { file: 'reconcile-page.ts', role, retention, environment, sizing: FUNCTION_SIZING.ReconcilePage });
    const stack = Stack.of(this);
    // A fixed name, so that the execution can continue as a new one of itself without a circular reference.
    const name = `${stack.stackName}-Reconcile`;
    const logGroup = new logs.LogGroup(this, 'ReconcileStateMachineLogs', { retention });
    const machine = new sfn.StateMachine(this, 'ReconcileStateMachine', {
      stateMachineName: name,
      definitionBody: sfn.DefinitionBody.fromString(readFileSync(RECONCILE_DEFINITION_FILE, 'utf8')),
      definitionSubstitutions: { ReconcileStepFunctionArn: step.functionArn, ReconcilePageFunctionArn: page.functionArn },
      stateMachineType: sfn.StateMachineType.STANDARD,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [step.functionArn, page.functionArn] }));
    machine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME })] }),
    );
    acknowledge(
      machine,
      'AwsSolutions-IAM5[Resource::*]',
      'Added by CDK for logging and tracing: CloudWatch Logs delivery (logs:*LogDelivery, DescribeLogGroups, DescribeResourcePolicies) and X-Ray actions have no resource type',
    );
    return machine;
  }

  private driftJob(options: {
    source: RegistryScope;
    target: RegistryScope;
    environment: Record<string, string>;
    retention: logs.RetentionDays;
    bus: events.IEventBus;
    targetRoleArn: string | undefined;
  }): { machine: sfn.StateMachine; functions: IotRegistrySync['driftFunctions'] } {
    const { source, target, retention, bus } = options;
    // Both drift functions only read the registries (the target through the assumed role when one is set).
    const reads = [
      ...driftReadStatements(source),
      ...(options.targetRoleArn === undefined
        ? driftReadStatements(target)
        : [new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [options.targetRoleArn] })]),
    ];
    const reportStatements = [
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [this.reportBucket.arnForObjects('drift/*')] }),
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.reportBucket.bucketArn], conditions: { StringLike: { 's3:prefix': ['drift/*'] } } }),
    ];
    const readRole = lambdaRole(this, 'DriftReadRole', reads);
    const finishRole = lambdaRole(this, 'DriftFinishRole', [...reads, new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] })]);
    // The report's Quotas section: Service Quotas reads of IoT Core in both regions (no resource type for the list call).
    finishRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['servicequotas:ListServiceQuotas', 'servicequotas:GetServiceQuota'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': [source.region, target.region] } },
      }),
    );
    acknowledge(
      finishRole,
      'AwsSolutions-IAM5[Resource::*]',
      `${REGISTRY_WILDCARD_REASON} Service Quotas: ListServiceQuotas has no resource type; both quota reads are pinned to the two regions with aws:RequestedRegion.`,
    );
    for (const role of [readRole, finishRole]) {
      for (const statement of reportStatements) role.addToPrincipalPolicy(statement);
      acknowledgeWildcardResources(role, reportStatements, 'The drift job writes and reads objects named at run time under drift/ (drift/runs/<run>/…, drift/reports/<run>/…, drift/latest/…) and nowhere else in the bucket');
    }
    const environment = { ...options.environment, IRS_REPORT_BUCKET: this.reportBucket.bucketName, IRS_EVENT_BUS_NAME: bus.eventBusName };
    const readChunk = handlerFunction(this, 'DriftReadChunk', { file: 'drift-read-chunk.ts', role: readRole, retention, environment, sizing: FUNCTION_SIZING.DriftReadChunk });
    const finish = handlerFunction(this, 'DriftFinish', { file: 'drift-finish.ts', role: finishRole, retention, environment, sizing: FUNCTION_SIZING.DriftFinish });

    const logGroup = new logs.LogGroup(this, 'DriftStateMachineLogs', { retention });
    const machine = new sfn.StateMachine(this, 'DriftStateMachine', {
      definitionBody: sfn.DefinitionBody.fromString(readFileSync(DRIFT_DEFINITION_FILE, 'utf8')),
      definitionSubstitutions: { DriftReadChunkFunctionArn: readChunk.functionArn, DriftFinishFunctionArn: finish.functionArn, EventBusName: bus.eventBusName },
      stateMachineType: sfn.StateMachineType.STANDARD,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [readChunk.functionArn, finish.functionArn] }));
    machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] }));
    acknowledge(
      machine,
      'AwsSolutions-IAM5[Resource::*]',
      'Added by CDK for logging and tracing: CloudWatch Logs delivery (logs:*LogDelivery, DescribeLogGroups, DescribeResourcePolicies) and X-Ray actions have no resource type',
    );
    return { machine, functions: { DriftReadChunk: readChunk, DriftFinish: finish } };
  }

  /** One topic rule per registry-event family, each forwarding to the forwarder, failures to the error queue. */
  private registryTopicRules(enabled: boolean): Record<RegistryTopicFamily, iot.CfnTopicRule> {
    const errorRole = new iam.Role(this, 'TopicRuleErrorRole', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
    errorRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.topicRuleErrorQueue.queueArn] }));
    const rules = {} as Record<RegistryTopicFamily, iot.CfnTopicRule>;
    for (const family of Object.keys(REGISTRY_TOPIC_FILTERS) as RegistryTopicFamily[]) {
      const id = `${family[0]!.toUpperCase()}${family.slice(1)}`;
      const rule = new iot.CfnTopicRule(this, `${id}EventsTopicRule`, {
        topicRulePayload: {
          description: `Forwards IoT ${family} registry events to EventBridge, where they start the registry sync`,
          sql: registryTopicRuleSql(family),
          awsIotSqlVersion: '2016-03-23',
          ruleDisabled: !enabled,
          actions: [{ lambda: { functionArn: this.forwarder.functionArn } }],
          errorAction: { sqs: { queueUrl: this.topicRuleErrorQueue.queueUrl, roleArn: errorRole.roleArn, useBase64: false } },
        },
      });
      this.forwarder.addPermission(`InvokedBy${id}TopicRule`, {
        principal: new iam.ServicePrincipal('iot.amazonaws.com'),
        sourceArn: rule.attrArn,
        sourceAccount: Stack.of(this).account,
      });
      rules[family] = rule;
    }
    return rules;
  }

  /** Registry events are off by default; this switches on the six families the sync uses (it leaves them on at deletion). */
  private switchOnRegistryEvents(region: string): void {
    const call: cr.AwsSdkCall = {
      service: 'IoT',
      action: 'UpdateEventConfigurations',
      parameters: { eventConfigurations: Object.fromEntries(REGISTRY_EVENT_CONFIGURATIONS.map((key) => [key, { Enabled: true }])) },
      physicalResourceId: cr.PhysicalResourceId.of(`iot-registry-events-${region}`),
    };
    const resource = new cr.AwsCustomResource(this, 'RegistryEventConfiguration', {
      onCreate: call,
      onUpdate: call,
      // UpdateEventConfigurations has no resource type: `*`, pinned to this region.
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['iot:UpdateEventConfigurations'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:RequestedRegion': region } },
        }),
      ]),
      installLatestAwsSdk: false,
    });
    acknowledge(
      resource,
      'AwsSolutions-IAM5[Resource::*]',
      'iot:UpdateEventConfigurations is an account-level setting with no resource type; the statement is pinned to this region with aws:RequestedRegion',
    );
    // The provider is a stack-level singleton named after this UUID.
    const provider = Stack.of(this).node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    if (provider) {
      acknowledge(
        provider,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'CDK-owned AwsCustomResource provider (runs once per deployment): the AWS managed policy only lets it write its own logs',
      );
    }
  }

  private registryTrail(): cloudtrail.Trail {
    const stack = Stack.of(this);
    const key = new kms.Key(this, 'TrailKey', { enableKeyRotation: true, description: 'Encrypts the iot-registry-sync CloudTrail log files' });
    const trailArnPattern = `arn:${stack.partition}:cloudtrail:${stack.region}:${stack.account}:trail/*`;
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudTrailEncryptsLogFiles',
        principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*` },
          ArnLike: { 'aws:SourceArn': trailArnPattern },
        },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudTrailDescribesKey',
        principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
      }),
    );
    const bucket = new s3.Bucket(this, 'TrailBucket', {
      ...PRIVATE_BUCKET,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'trail/',
      lifecycleRules: [{ id: 'expire-trail-logs', expiration: Duration.days(90) }],
    });
    return new cloudtrail.Trail(this, 'Trail', {
      bucket,
      encryptionKey: key,
      enableFileValidation: true,
      // Only this region's IoT calls matter; a regional trail is the free first copy of its management events.
      isMultiRegionTrail: false,
      includeGlobalServiceEvents: false,
      managementEvents: cloudtrail.ReadWriteType.WRITE_ONLY,
    });
  }

  private createAlarms(topic: sns.ITopic | undefined, readinessThreshold: number): void {
    const period = Duration.minutes(5);
    const anyOf = (id: string, metric: cloudwatch.IMetric, description: string) => {
      const alarm = new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (topic) alarm.addAlarmAction(new SnsAction(topic));
      this.alarms.push(alarm);
    };
    anyOf('SyncExecutionsFailedAlarm', this.stateMachine.metricFailed({ period, statistic: 'Sum' }), 'A sync execution failed; its change is in the failure queue');
    anyOf('SyncExecutionsThrottledAlarm', this.stateMachine.metricThrottled({ period, statistic: 'Sum' }), 'Step Functions throttled sync executions');
    const depth = (queue: sqs.Queue) => queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' });
    anyOf('FailureQueueDepthAlarm', depth(this.failureQueue), 'Changes whose sync failed wait in the failure queue for a redrive');
    anyOf('EventDeadLetterQueueDepthAlarm', depth(this.eventDeadLetterQueue), 'EventBridge could not start the sync for some events');
    anyOf('TopicRuleErrorQueueDepthAlarm', depth(this.topicRuleErrorQueue), 'Registry events the topic rule or the forwarder could not deliver wait in the error queue');
    const all = [...Object.values(this.functions), this.forwarder];
    anyOf(
      'LambdaThrottlesAlarm',
      new cloudwatch.MathExpression({
        expression: 'SUM(METRICS())',
        usingMetrics: Object.fromEntries(all.map((fn, i) => [`t${i}`, fn.metricThrottles({ period, statistic: 'Sum' })])),
        period,
        label: 'Throttles of the sync Lambdas',
      }),
      'Lambda throttled a sync function (raise its concurrency or lower the event rate)',
    );
    anyOf('ForwarderErrorsAlarm', this.forwarder.metricErrors({ period, statistic: 'Sum' }), 'The registry event forwarder failed; see the topic rule error queue');
    anyOf('DriftJobFailedAlarm', this.driftStateMachine.metricFailed({ period, statistic: 'Sum' }), 'The drift report job failed: readiness is unknown');
    anyOf(
      'UnresolvedChangesAlarm',
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'UnresolvedChanges',
        dimensionsMap: metricDimensions('sync', this.settings.sourceRegion, this.settings.targetRegion),
        statistic: 'Sum',
        period,
      }),
      'A change event did not name the resource it made (e.g. a certificate ID missing from CloudTrail): run a reconcile; the drift report lists what is missing',
    );

    // The drift job's ReadinessPercent (Powertools metrics, lambdas/drift-finish.ts). Missing data breaches
    // while the stack is enabled (a readiness nobody measured is no readiness to fail over on), not on a
    // disabled failback stack, whose drift schedule is off.
    const readiness = new cloudwatch.Alarm(this, 'ReadinessAlarm', {
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'ReadinessPercent',
        // Every dimension the Lambda emits, `service` included: an alarm on a subset would see no data.
        dimensionsMap: metricDimensions('drift', this.settings.sourceRegion, this.settings.targetRegion),
        statistic: 'Minimum',
        period: Duration.hours(24),
      }),
      threshold: readinessThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: this.settings.enabled ? cloudwatch.TreatMissingData.BREACHING : cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Failover readiness of ${this.settings.targetRegion} is below ${readinessThreshold} % (or was not measured for a day); see the latest drift report`,
    });
    if (topic) readiness.addAlarmAction(new SnsAction(topic));
    this.alarms.push(readiness);
  }

}

/** Settings shared by every bucket: encrypted, private, TLS only, kept on stack deletion. */
const PRIVATE_BUCKET: s3.BucketProps = {
  encryption: s3.BucketEncryption.S3_MANAGED,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
};

function encryptedQueue(scope: Construct, id: string): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}

/** Why the sync roles' wildcard resources are acceptable (cdk-nag AwsSolutions-IAM5). */
const REGISTRY_WILDCARD_REASON =
  'The sync acts on any registry resource by name, so each IoT statement names its resource type with a /* suffix (thing, thinggroup, thingtype, cert, cacert, policy, billinggroup) in one region and account. ' +
  'Resource "*" appears only for actions that have no resource type in the Service Authorization Reference: the account-wide IoT List* calls and certificate Register* calls (pinned to one region with aws:RequestedRegion) and, added by CDK for tracing, xray:PutTraceSegments/PutTelemetryRecords.';

/** A Lambda role with exactly these statements and no managed policy (each function writes only to its own log group). */
function lambdaRole(scope: Construct, id: string, statements: iam.PolicyStatement[]): iam.Role {
  const role = new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  for (const statement of statements) role.addToPrincipalPolicy(statement);
  acknowledgeWildcardResources(role, statements, REGISTRY_WILDCARD_REASON);
  return role;
}

/** Options of {@link handlerFunction}. */
export interface HandlerOptions {
  file: string;
  role: iam.Role;
  retention: logs.RetentionDays;
  environment: Record<string, string>;
  sizing: FunctionSizing;
}

/** A bundled Node.js Lambda with its own log group, tracing and the given role. */
export function handlerFunction(scope: Construct, name: string, options: HandlerOptions): NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${name}Logs`, { retention: options.retention });
  logGroup.grantWrite(options.role);
  return new NodejsFunction(scope, name, {
    entry: join(PROJECT_ROOT, 'lambdas', options.file),
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: options.sizing.memoryMb,
    timeout: Duration.seconds(options.sizing.timeoutSeconds),
    tracing: lambda.Tracing.ACTIVE,
    role: options.role,
    logGroup,
    environment: { ...options.environment, NODE_OPTIONS: '--enable-source-maps' },
    bundling: {
      format: OutputFormat.CJS,
      minify: true,
      sourceMap: true,
      sourcesContent: false,
      forceDockerBundling: false,
      // The SDK version the tests ran against, not whichever the runtime ships.
      bundleAwsSDK: true,
    },
  });
}

/** An EventBridge pattern as CDK takes it (`detail-type` → `detailType`). */
function toEventPattern(pattern: { source: readonly string[]; 'detail-type': readonly string[]; detail?: unknown }): events.EventPattern {
  return {
    source: [...pattern.source],
    detailType: [...pattern['detail-type']],
    ...(pattern.detail === undefined ? {} : { detail: JSON.parse(JSON.stringify(pattern.detail)) as Record<string, unknown> }),
  };
}
