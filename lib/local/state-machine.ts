/**
 * Runs a reviewed `statemachine/*.asl.json` file unchanged through aws-local-stepfunctions (an existing
 * ASL interpreter), with every Task state overridden by a local function: the real Lambda handlers,
 * and local sinks for the service integrations (SQS, EventBridge).
 */
import './polyfills';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

/** The folder of the reviewed ASL files. */
export const STATE_MACHINE_DIR = join(__dirname, '..', '..', 'statemachine');

/** Reads an ASL file and applies `${Name}` definition substitutions, as CloudFormation does. */
export function loadDefinition(file: string, substitutions: Record<string, string>): StateMachineDefinition {
  let raw = readFileSync(join(STATE_MACHINE_DIR, file), 'utf8');
  for (const [name, value] of Object.entries(substitutions)) raw = raw.replaceAll(`\${${name}}`, value);
  const missing = raw.match(/\$\{[A-Za-z]+\}/);
  if (missing) throw new Error(`${file}: no substitution for ${missing[0]}`);
  return JSON.parse(raw) as StateMachineDefinition;
}

/**
 * What the local runners build their handlers from: one dependency set for every Task state, or one per
 * Task state (each Lambda signing its calls with its own role, see lib/local/iam).
 */
export type TaskDependencies<D> = D | { readonly forTask: (taskState: string) => D };

/** The dependencies of one Task state. */
export function dependenciesFor<D extends object>(deps: TaskDependencies<D>, taskState: string): D {
  return 'forTask' in deps && typeof deps.forTask === 'function' ? deps.forTask(taskState) : (deps as D);
}

/** Local functions keyed by Task state name. */
export type TaskHandlers = Record<string, (input: never) => Promise<unknown> | unknown>;

/** How a local execution ended. */
export interface LocalExecution extends ExecutionCounts {
  executionId: string;
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
  durationMs: number;
}

/** Options of one local execution. */
export interface RunOptions {
  /** Milliseconds to wait before each retry (0 in tests); by default the ASL's own backoff. */
  retryIntervalMs?: number;
}

/** A definition validated once and run many times (validation costs far more than a run). */
export class LocalStateMachine {
  private readonly machine: StateMachine;
  private readonly taskStates: string[];

  constructor(definition: StateMachineDefinition) {
    this.machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
    this.taskStates = taskStateNames(definition);
  }

  /** Runs one execution to its end and reports it; a failed execution is a result, not a throw. */
  run(input: unknown, handlers: TaskHandlers, options: RunOptions = {}): Promise<LocalExecution> {
    return runExecution(this.machine, this.taskStates, input, handlers, options);
  }
}

async function runExecution(
  machine: StateMachine,
  taskStates: string[],
  input: unknown,
  handlers: TaskHandlers,
  options: RunOptions,
): Promise<LocalExecution> {
  const executionId = `arn:aws:states:local:000000000000:execution:local:${randomUUID()}`;
  const retryIntervalOverrides =
    options.retryIntervalMs === undefined ? undefined : Object.fromEntries(taskStates.map((name) => [name, options.retryIntervalMs!]));
  const started = Date.now();
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides },
    context: { Execution: { Id: executionId, Input: input as never, StartTime: new Date(started).toISOString() } },
  });
  const counting = countEvents(execution.eventLogs);
  try {
    const output = await execution.result;
    const counts = await counting;
    return { executionId, status: 'SUCCEEDED', output, ...counts, durationMs: Date.now() - started };
  } catch (error) {
    const counts = await counting;
    // The interpreter wraps the failing state's error (name = Error, message = Cause) as `cause`.
    const failure = ((error as Error).cause ?? error) as Error;
    return { executionId, status: 'FAILED', error: failure.name, cause: failure.message, ...counts, durationMs: Date.now() - started };
  }
}

/** What an execution cost, from its event log: state transitions (the Standard price unit), retries and Task invocations by state. */
export interface ExecutionCounts {
  /** States entered: what Standard workflows bill as state transitions. */
  stateTransitions: number;
  /** Retries of failed states (the ASL's Retry at work). */
  retries: number;
  /** Task states entered, by state name: the Lambda and integration invocations. */
  taskInvocations: Record<string, number>;
}

/** Counts an execution's events as the interpreter emits them (read while it runs; resolves when it ends). */
export async function countEvents(events: AsyncGenerator<{ type: string; state?: { name: string; type: string } }>): Promise<ExecutionCounts> {
  let stateTransitions = 0;
  let retries = 0;
  const taskInvocations: Record<string, number> = {};
  for await (const event of events) {
    if (event.type === 'StateEntered') {
      stateTransitions += 1;
      if (event.state?.type === 'Task') taskInvocations[event.state.name] = (taskInvocations[event.state.name] ?? 0) + 1;
    } else if (event.type === 'StateRetried') {
      retries += 1;
    }
  }
  return { stateTransitions, retries, taskInvocations };
}

/** Every Task state name in a definition, nested Maps and Parallels included. */
export function taskStateNames(definition: { States: Record<string, unknown> }): string[] {
  const names: string[] = [];
  const visit = (states: Record<string, unknown>) => {
    for (const [name, raw] of Object.entries(states)) {
      const state = raw as { Type: string; ItemProcessor?: { States: Record<string, unknown> }; Iterator?: { States: Record<string, unknown> }; Branches?: { States: Record<string, unknown> }[] };
      if (state.Type === 'Task') names.push(name);
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) visit(processor.States);
      for (const branch of state.Branches ?? []) visit(branch.States);
    }
  };
  visit(definition.States);
  return names;
}
