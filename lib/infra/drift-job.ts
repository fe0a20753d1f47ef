/**
 * The drift report job: statemachine/drift.asl.json on a schedule, its two Lambdas (DriftReadChunk lists
 * one region's resources a bounded chunk at a time; DriftFinish compares, reports to the bucket, puts an
 * event and emits the readiness metrics), and, with `reconcileOnDrift`, the start of a reconcile.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { FUNCTION_SIZING } from './function-sizing';
import { handlerFunction, lambdaRole, PROJECT_ROOT } from './handler-function';
import { acknowledge, acknowledgeWildcardResources, STATE_MACHINE_WILDCARD_REASON } from './nag-acknowledgements';
import { driftReadStatements, REGISTRY_WILDCARD_REASON, throughTargetRole, type RegistryScope } from './registry-permissions';

/** The reviewed drift report state machine. */
export const DRIFT_DEFINITION_FILE = join(PROJECT_ROOT, 'statemachine', 'drift.asl.json');

/** What {@link addDriftJob} builds on. */
export interface DriftJobOptions {
  source: RegistryScope;
  target: RegistryScope;
  /** Assumed for every target-region read, when set. */
  targetRoleArn: string | undefined;
  environment: Record<string, string>;
  retention: logs.RetentionDays;
  /** Where the reports go (under drift/). */
  reportBucket: s3.IBucket;
  /** Where the job puts its report event. */
  bus: events.IEventBus;
  /** EventBridge schedule expression of the job. */
  schedule: string;
  /** Whether the schedule starts enabled. */
  enabled: boolean;
  /** The reconcile DriftFinish starts when the report finds differences (`reconcileOnDrift`); default none. */
  reconcileStateMachine?: sfn.IStateMachine;
}

/** The drift job's schedule, rule, state machine and functions. */
export interface DriftJob {
  schedule: events.Schedule;
  rule: events.Rule;
  machine: sfn.StateMachine;
  functions: Record<'DriftReadChunk' | 'DriftFinish', NodejsFunction>;
}

/** Adds the drift job to `scope`. */
export function addDriftJob(scope: Construct, options: DriftJobOptions): DriftJob {
  const { source, target, retention, bus, reportBucket } = options;
  const schedule = events.Schedule.expression(options.schedule);
  const rule = new events.Rule(scope, 'DriftSchedule', {
    description: 'Schedule of the drift report between the source and the target registry',
    schedule,
    enabled: options.enabled,
  });

  // Both drift functions only read the registries (the target through the assumed role when one is set).
  const reads = [...driftReadStatements(source), ...throughTargetRole(options.targetRoleArn, driftReadStatements(target))];
  const reportStatements = [
    new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [reportBucket.arnForObjects('drift/*')] }),
    new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [reportBucket.bucketArn], conditions: { StringLike: { 's3:prefix': ['drift/*'] } } }),
  ];
  const readRole = lambdaRole(scope, 'DriftReadRole', reads);
  const finishRole = lambdaRole(scope, 'DriftFinishRole', [...reads, new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] })]);
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
  const environment = {
    ...options.environment,
    ...(options.reconcileStateMachine === undefined ? {} : { IRS_RECONCILE_STATE_MACHINE_ARN: options.reconcileStateMachine.stateMachineArn }),
    IRS_REPORT_BUCKET: reportBucket.bucketName,
    IRS_EVENT_BUS_NAME: bus.eventBusName,
  };
  const readChunk = handlerFunction(scope, 'DriftReadChunk', { file: 'drift-read-chunk.ts', role: readRole, retention, environment, sizing: FUNCTION_SIZING.DriftReadChunk });
  const finish = handlerFunction(scope, 'DriftFinish', { file: 'drift-finish.ts', role: finishRole, retention, environment, sizing: FUNCTION_SIZING.DriftFinish });

  const logGroup = new logs.LogGroup(scope, 'DriftStateMachineLogs', { retention });
  const machine = new sfn.StateMachine(scope, 'DriftStateMachine', {
    definitionBody: sfn.DefinitionBody.fromString(readFileSync(DRIFT_DEFINITION_FILE, 'utf8')),
    definitionSubstitutions: { DriftReadChunkFunctionArn: readChunk.functionArn, DriftFinishFunctionArn: finish.functionArn, EventBusName: bus.eventBusName },
    stateMachineType: sfn.StateMachineType.STANDARD,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    tracingEnabled: true,
  });
  machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [readChunk.functionArn, finish.functionArn] }));
  machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] }));
  acknowledge(machine, 'AwsSolutions-IAM5[Resource::*]', STATE_MACHINE_WILDCARD_REASON);

  options.reconcileStateMachine?.grantStartExecution(finish);
  rule.addTarget(new targets.SfnStateMachine(machine, { retryAttempts: 3 }));
  return { schedule, rule, machine, functions: { DriftReadChunk: readChunk, DriftFinish: finish } };
}
