/**
 * The reconcile state machine, locally: `statemachine/reconcile.asl.json` run unchanged through
 * aws-local-stepfunctions with the real step and page handlers. `ContinueAsNew` (StartExecution of
 * itself) is recorded and the runner starts that continuation, as Step Functions would, so a run of many
 * executions — and a stop between them — can be exercised end to end.
 */
import './polyfills';
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import * as reconcileStep from '../../lambdas/reconcile-step';
import * as reconcilePage from '../../lambdas/reconcile-page';
import type { ReconcileDependencies } from '../../lambdas/runtime/reconcile-dependencies';
import { countEvents, dependenciesFor, loadDefinition, taskStateNames, type LocalExecution, type TaskDependencies } from './state-machine';

/** Placeholder ARNs for the local run; each Task they name is overridden by a local handler. */
export const LOCAL_RECONCILE_SUBSTITUTIONS: Record<string, string> = {
  ReconcileStepFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ReconcileStep',
  ReconcilePageFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ReconcilePage',
};

/** The state machine's ARN in local runs (`$$.StateMachine.Id`). */
export const LOCAL_RECONCILE_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:reconcile';

/** One execution's end and what it handed on. */
export interface LocalReconcileExecution extends LocalExecution {
  name: string;
  /** The continuation's input, when this execution continued as a new one. */
  continuation?: { name: string; input: unknown };
}

/** How a local run (one or more executions) ended. */
export interface LocalReconcileRun {
  executions: LocalReconcileExecution[];
  /** The last execution's output (`{status: 'DONE' | 'CONTINUED', token, totals, …}`). */
  output: { status?: string; token?: string; stage?: string; totals?: Record<string, unknown> } | undefined;
  /** The input the next execution would have started with, when the run was stopped between executions. */
  pending?: { name: string; input: unknown };
}

/** Options of a local run. */
export interface LocalReconcileOptions {
  /** Milliseconds before each retry (0 in tests); by default the ASL's own backoff. */
  retryIntervalMs?: number;
  /** Stop after this many executions, leaving the continuation unstarted (an operator's stop). */
  maxExecutions?: number;
  /** Clock of the step's time budget. */
  now?: () => number;
}

/** Runs reconcile executions locally with the real handlers. */
export class LocalReconcileRunner {
  private readonly machine: StateMachine;
  private readonly taskStates: string[];
  private readonly deps: TaskDependencies<ReconcileDependencies>;

  constructor(deps: TaskDependencies<ReconcileDependencies>, private readonly options: LocalReconcileOptions = {}) {
    const definition = loadDefinition('reconcile.asl.json', LOCAL_RECONCILE_SUBSTITUTIONS);
    this.machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
    this.taskStates = taskStateNames(definition);
    this.deps = deps;
  }

  /** Runs an execution with `input` and each continuation it starts (up to `maxExecutions`). */
  async run(input: unknown, name = `reconcile-${randomUUID().slice(0, 8)}`): Promise<LocalReconcileRun> {
    const executions: LocalReconcileExecution[] = [];
    let next: { name: string; input: unknown } | undefined = { name, input };
    while (next !== undefined) {
      if (this.options.maxExecutions !== undefined && executions.length >= this.options.maxExecutions) {
        return { executions, output: executions.at(-1)?.output as LocalReconcileRun['output'], pending: next };
      }
      const execution = await this.execute(next.name, next.input);
      executions.push(execution);
      next = execution.status === 'SUCCEEDED' ? execution.continuation : undefined;
    }
    return { executions, output: executions.at(-1)?.output as LocalReconcileRun['output'] };
  }

  private async execute(name: string, input: unknown): Promise<LocalReconcileExecution> {
    const executionId = `arn:aws:states:us-east-1:000000000000:execution:reconcile:${name}`;
    let continuation: LocalReconcileExecution['continuation'];
    const handlers = {
      Step: reconcileStep.createHandler(dependenciesFor(this.deps, 'Step'), this.options.now),
      ConvergePage: reconcilePage.createHandler(dependenciesFor(this.deps, 'ConvergePage')),
      ContinueAsNew: async (request: { StateMachineArn: string; Name: string; Input: unknown }) => {
        continuation = { name: request.Name, input: request.Input };
        return { ExecutionArn: `arn:aws:states:us-east-1:000000000000:execution:reconcile:${request.Name}`, StartDate: new Date().toISOString() };
      },
    };
    const retry = this.options.retryIntervalMs;
    const started = Date.now();
    const run = this.machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        ...(retry === undefined ? {} : { retryIntervalOverrides: Object.fromEntries(this.taskStates.map((s) => [s, retry])) }),
      },
      context: {
        Execution: { Id: executionId, Name: name, Input: input as never, StartTime: new Date(started).toISOString() },
        StateMachine: { Id: LOCAL_RECONCILE_STATE_MACHINE_ARN, Name: 'reconcile' },
      },
    });
    const counting = countEvents(run.eventLogs);
    try {
      const output = await run.result;
      return { name, executionId, status: 'SUCCEEDED', output, ...(await counting), durationMs: Date.now() - started, ...(continuation ? { continuation } : {}) };
    } catch (error) {
      const failure = ((error as Error).cause ?? error) as Error;
      return { name, executionId, status: 'FAILED', error: failure.name, cause: failure.message, ...(await counting), durationMs: Date.now() - started };
    }
  }
}
