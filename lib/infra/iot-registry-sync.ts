/**
 * The whole deployable system as one construct, deployed in the source region. It composes the parts,
 * each in its own file and each adding its resources directly to this construct (so every construct ID,
 * and every logical ID of a deployed stack, stays what it was):
 * - sync-workflow.ts: the sync state machine and its eight Lambdas, with their roles;
 * - event-path.ts: registry topic rules → forwarder → EventBridge rules → the sync;
 * - event-sources.ts: the registry-event switch and the CloudTrail trail;
 * - storage.ts: the dead-letter queues and the report buckets;
 * - reconcile-job.ts and drift-job.ts: the manual reconcile and the scheduled drift report;
 * - alarms.ts: the alarms.
 * Its props, with their defaults, are in sync-props.ts.
 */
import { Stack, Token } from 'aws-cdk-lib';
import type * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import type * as iot from 'aws-cdk-lib/aws-iot';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { RegistryTopicFamily } from '../events/rule-pattern';
import { addAlarms } from './alarms';
import { addDriftJob } from './drift-job';
import { addEventPath } from './event-path';
import { EventCoalescing } from './event-coalescing';
import { addRegistryTrail, switchOnRegistryEvents } from './event-sources';
import { addReconcileJob } from './reconcile-job';
import type { RegistryScope } from './registry-permissions';
import { addReportBuckets, deadLetterQueue } from './storage';
import { validateIotRegistrySyncProps, type IotRegistrySyncProps, type IotRegistrySyncSettings } from './sync-props';
import { addSyncWorkflow, functionEnvironment } from './sync-workflow';
import type { SyncFunctionName } from '../events/sync-functions';

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
  readonly alarms: cloudwatch.Alarm[];
  /** The validated settings: the props with their defaults, and the source region. */
  readonly settings: IotRegistrySyncSettings;

  constructor(scope: Construct, id: string, props: IotRegistrySyncProps) {
    super(scope, id);
    // Server access logs delivered through a bucket policy, not ACLs (which S3 now disables by default),
    // whatever the app's feature flags say.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region)) {
      throw new Error('IotRegistrySync: the stack needs an explicit env.region (the source region)');
    }
    const settings = validateIotRegistrySyncProps(props, stack.region);
    this.settings = settings;
    const retention = settings.logRetention;
    const source: RegistryScope = { partition: stack.partition, account: stack.account, region: settings.sourceRegion };
    const target: RegistryScope = { ...source, region: settings.targetRegion };
    const environment = functionEnvironment(settings, stack.account);
    const defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');

    // Queues: every hop that can give up hands its message to one of these.
    this.failureQueue = deadLetterQueue(this, 'FailureQueue');
    this.eventDeadLetterQueue = deadLetterQueue(this, 'EventDeadLetterQueue');
    this.topicRuleErrorQueue = deadLetterQueue(this, 'TopicRuleErrorQueue');

    const sync = addSyncWorkflow(this, { source, target, targetRoleArn: settings.targetRoleArn, environment, retention, failureQueue: this.failureQueue, bus: defaultBus });
    this.stateMachine = sync.stateMachine;
    this.functions = sync.functions;

    // Coalesced (lib/infra/event-coalescing.ts): the rules deliver to a queue; a pipe starts one execution per
    // batch, which converges every resource the batch names once.
    const ruleTarget = new EventCoalescing(this, 'EventCoalescing', { stateMachine: this.stateMachine, ruleDeadLetterQueue: this.eventDeadLetterQueue }).ruleTarget;

    const eventPath = addEventPath(this, { ruleTarget, bus: defaultBus, topicRuleErrorQueue: this.topicRuleErrorQueue, enabled: settings.enabled, retention });
    this.forwarder = eventPath.forwarder;
    this.cloudTrailRule = eventPath.cloudTrailRule;
    this.registryEventRule = eventPath.registryEventRule;
    this.topicRules = eventPath.topicRules;
    if (settings.enableRegistryEvents) switchOnRegistryEvents(this, settings.sourceRegion);

    const buckets = addReportBuckets(this);
    this.accessLogsBucket = buckets.accessLogsBucket;
    this.reportBucket = buckets.reportBucket;
    if (settings.createTrail) this.trail = addRegistryTrail(this, this.accessLogsBucket);

    this.reconcileStateMachine = addReconcileJob(this, sync.syncRole, environment, retention);
    const drift = addDriftJob(this, {
      source,
      target,
      targetRoleArn: settings.targetRoleArn,
      environment,
      retention,
      reportBucket: this.reportBucket,
      bus: defaultBus,
      schedule: settings.driftSchedule,
      enabled: settings.enabled,
      ...(settings.reconcileOnDrift ? { reconcileStateMachine: this.reconcileStateMachine } : {}),
    });
    this.driftSchedule = drift.schedule;
    this.driftRule = drift.rule;
    this.driftStateMachine = drift.machine;
    this.driftFunctions = drift.functions;

    this.alarms = addAlarms(this, {
      topic: settings.alarmTopic,
      sourceRegion: settings.sourceRegion,
      targetRegion: settings.targetRegion,
      enabled: settings.enabled,
      readinessThreshold: settings.readinessAlarmThreshold,
      syncStateMachine: this.stateMachine,
      driftStateMachine: this.driftStateMachine,
      failureQueue: this.failureQueue,
      eventDeadLetterQueue: this.eventDeadLetterQueue,
      topicRuleErrorQueue: this.topicRuleErrorQueue,
      syncFunctions: Object.values(this.functions),
      forwarder: this.forwarder,
    });
  }
}
