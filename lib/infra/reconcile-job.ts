/**
 * The manual reconcile: statemachine/reconcile.asl.json and its two Lambdas, started by
 * `iot-registry-sync reconcile --via-step-functions` (or by the drift job with `reconcileOnDrift`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { FUNCTION_SIZING } from './function-sizing';
import { handlerFunction, PROJECT_ROOT } from './handler-function';
import { acknowledge, STATE_MACHINE_WILDCARD_REASON } from './nag-acknowledgements';

/** The reviewed reconcile state machine. */
export const RECONCILE_DEFINITION_FILE = join(PROJECT_ROOT, 'statemachine', 'reconcile.asl.json');

/**
 * Adds the reconcile state machine and its ReconcileStep and ReconcilePage Lambdas to `scope`. They read
 * both regions and write the target, so they run under `role`, the sync handlers' role.
 */
export function addReconcileJob(scope: Construct, role: iam.Role, environment: Record<string, string>, retention: logs.RetentionDays): sfn.StateMachine {
  const step = handlerFunction(scope, 'ReconcileStep', { file: 'reconcile-step.ts', role, retention, environment, sizing: FUNCTION_SIZING.ReconcileStep });
  const page = handlerFunction(scope, 'ReconcilePage', { file: 'reconcile-page.ts', role, retention, environment, sizing: FUNCTION_SIZING.ReconcilePage });
  const stack = Stack.of(scope);
  // A fixed name, so that the execution can continue as a new one of itself without a circular reference.
  const name = `${stack.stackName}-Reconcile`;
  const logGroup = new logs.LogGroup(scope, 'ReconcileStateMachineLogs', { retention });
  const machine = new sfn.StateMachine(scope, 'ReconcileStateMachine', {
    stateMachineName: name,
    definitionBody: sfn.DefinitionBody.fromString(readFileSync(RECONCILE_DEFINITION_FILE, 'utf8')),
    definitionSubstitutions: { ReconcileStepFunctionArn: step.functionArn, ReconcilePageFunctionArn: page.functionArn },
    stateMachineType: sfn.StateMachineType.STANDARD,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    tracingEnabled: true,
  });
  machine.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [step.functionArn, page.functionArn] }));
  machine.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['states:StartExecution'],
      resources: [stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }),
  );
  acknowledge(machine, 'AwsSolutions-IAM5[Resource::*]', STATE_MACHINE_WILDCARD_REASON);
  return machine;
}
