/**
 * The sync itself: the state machine of statemachine/sync.asl.json and the eight Lambdas it invokes, with
 * one least-privilege role per function family.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { FUNCTION_SIZING } from './function-sizing';
import { handlerFunction, lambdaRole, PROJECT_ROOT } from './handler-function';
import { acknowledge, LAMBDA_TRACING_WILDCARD_REASON, STATE_MACHINE_WILDCARD_REASON } from './nag-acknowledgements';
import { registryReadStatements, registryWriteStatements, throughTargetRole, type RegistryScope } from './registry-permissions';
import type { IotRegistrySyncSettings } from './sync-props';
import { SYNC_FUNCTIONS, type SyncFunctionName } from '../events/sync-functions';

/** The reviewed sync definition, loaded as a string so that template assertions can read it. */
export const SYNC_DEFINITION_FILE = join(PROJECT_ROOT, 'statemachine', 'sync.asl.json');

/** The environment every sync, reconcile and drift function reads its settings from (lambdas/runtime). */
export function functionEnvironment(settings: IotRegistrySyncSettings, sourceAccount: string): Record<string, string> {
  return {
    IRS_SOURCE_REGION: settings.sourceRegion,
    IRS_TARGET_REGION: settings.targetRegion,
    IRS_DELETE_MODE: settings.deleteMode,
    IRS_QUOTA_SCALE: String(settings.quotaScale),
    // The source account, from which policy ARNs are rewritten to the target role's account.
    IRS_SOURCE_ACCOUNT: sourceAccount,
    ...(settings.targetRoleArn === undefined ? {} : { IRS_TARGET_ROLE_ARN: settings.targetRoleArn }),
  };
}

/** What {@link addSyncWorkflow} builds on. */
export interface SyncWorkflowOptions {
  source: RegistryScope;
  target: RegistryScope;
  /** Assumed for every target-region call, when set. */
  targetRoleArn: string | undefined;
  environment: Record<string, string>;
  retention: logs.RetentionDays;
  /** Where the state machine records a change whose sync failed. */
  failureQueue: sqs.IQueue;
  /** Where the state machine puts its outcome events. */
  bus: events.IEventBus;
}

/** The sync state machine, its functions, and the role of the handlers that write the target. */
export interface SyncWorkflow {
  stateMachine: sfn.StateMachine;
  functions: Record<SyncFunctionName, NodejsFunction>;
  /** Reads both regions and writes the target (directly or through the target role): the reconcile Lambdas share it. */
  syncRole: iam.Role;
}

/** Adds the sync's roles, its eight functions and its state machine to `scope`. */
export function addSyncWorkflow(scope: Construct, options: SyncWorkflowOptions): SyncWorkflow {
  const { source, target, targetRoleArn, environment, retention } = options;
  // Roles per function family: ResolveChange reads both regions (it lists what the target still lacks:
  // lambdas/resolve-change.ts calls pendingStages(target, …)); the sync handlers read both regions (the
  // target is compared before it is written) and write the target; FinishSync touches no registry.
  // In cross-account mode the target is reached only through the assumed role, so both may assume it.
  const resolveRole = lambdaRole(scope, 'ResolveChangeRole', [...registryReadStatements(source), ...throughTargetRole(targetRoleArn, registryReadStatements(target))]);
  const syncRole = lambdaRole(scope, 'SyncHandlerRole', [
    ...registryReadStatements(source),
    ...throughTargetRole(targetRoleArn, [...registryReadStatements(target), ...registryWriteStatements(target)]),
  ]);
  const finishRole = lambdaRole(scope, 'FinishSyncRole', []);
  acknowledge(finishRole, 'AwsSolutions-IAM5[Resource::*]', LAMBDA_TRACING_WILDCARD_REASON);

  const roleOf = (name: SyncFunctionName): iam.Role => (name === 'ResolveChange' ? resolveRole : name === 'FinishSync' ? finishRole : syncRole);
  const functions = {} as Record<SyncFunctionName, NodejsFunction>;
  for (const [name, file] of Object.entries(SYNC_FUNCTIONS) as [SyncFunctionName, string][]) {
    functions[name] = handlerFunction(scope, name, { file, role: roleOf(name), retention, environment, sizing: FUNCTION_SIZING[name] });
  }
  return { stateMachine: syncStateMachine(scope, functions, options), functions, syncRole };
}

/**
 * The sync state machine, always Standard: exactly-once starts, redrive, and a Catch that records every
 * failure. (Express stops an execution at 5 minutes and a timeout skips the Catch, so a throttled change
 * could vanish without a record.)
 */
function syncStateMachine(scope: Construct, functions: Record<SyncFunctionName, NodejsFunction>, options: SyncWorkflowOptions): sfn.StateMachine {
  const { failureQueue, bus } = options;
  const logGroup = new logs.LogGroup(scope, 'SyncStateMachineLogs', { retention: options.retention });
  const definitionSubstitutions: Record<string, string> = {
    ...Object.fromEntries(Object.entries(functions).map(([name, fn]) => [`${name}FunctionArn`, fn.functionArn])),
    DeadLetterQueueUrl: failureQueue.queueUrl,
    EventBusName: bus.eventBusName,
  };
  const machine = new sfn.StateMachine(scope, 'SyncStateMachine', {
    definitionBody: sfn.DefinitionBody.fromString(readFileSync(SYNC_DEFINITION_FILE, 'utf8')),
    definitionSubstitutions,
    stateMachineType: sfn.StateMachineType.STANDARD,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    tracingEnabled: true,
  });
  // Grants written by hand: CDK cannot infer them from an ASL file.
  machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: Object.values(functions).map((fn) => fn.functionArn) }));
  machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [failureQueue.queueArn] }));
  machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] }));
  acknowledge(machine, 'AwsSolutions-IAM5[Resource::*]', STATE_MACHINE_WILDCARD_REASON);
  return machine;
}
