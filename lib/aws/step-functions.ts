/** Starting and following Step Functions executions, behind small ports so handlers and commands stay SDK-free. */
import { DescribeExecutionCommand, ExecutionAlreadyExists, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { TransientServiceError } from '../core/errors';

/** What to start: the state machine, an optional execution name (idempotency key) and the input. */
export interface StartExecutionInput {
  stateMachineArn: string;
  /** 1–80 characters; a Standard workflow dedupes starts by name for 90 days. */
  name?: string;
  input: unknown;
}

/** Starts executions; resolves with the execution's ARN. */
export interface ExecutionStarter {
  startExecution(input: StartExecutionInput): Promise<{ executionArn: string; alreadyStarted: boolean }>;
}

/** An ExecutionStarter over `@aws-sdk/client-sfn` (region and credentials from the environment). */
export function createStepFunctionsStarter(client: SFNClient = new SFNClient({})): ExecutionStarter {
  return {
    async startExecution({ stateMachineArn, name, input }) {
      try {
        const result = await client.send(
          new StartExecutionCommand({ stateMachineArn, ...(name === undefined ? {} : { name }), input: JSON.stringify(input) }),
        );
        return { executionArn: result.executionArn ?? '', alreadyStarted: false };
      } catch (error) {
        // The same name was started before (a retried invocation): that execution is the one we wanted.
        if (error instanceof ExecutionAlreadyExists && name !== undefined) {
          return { executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`, alreadyStarted: true };
        }
        throw new TransientServiceError(`StartExecution of ${stateMachineArn} failed: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

/** An execution's state, as a follower sees it. */
export interface ExecutionDescription {
  executionArn: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE' | string;
  /** The parsed output, once SUCCEEDED. */
  output?: unknown;
  error?: string;
  cause?: string;
}

/** Follows executions to their end (the reconcile command's `--via-step-functions`). */
export interface ExecutionFollower {
  describeExecution(executionArn: string): Promise<ExecutionDescription>;
  /**
   * The parsed output of the most recent successful task of the execution that has `field` (e.g. the
   * reconcile step's `resume` token), for an execution that stopped or failed without an output.
   */
  lastTaskOutputWith(executionArn: string, field: string): Promise<Record<string, unknown> | undefined>;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** An ExecutionStarter and ExecutionFollower over `@aws-sdk/client-sfn`. */
export function createStepFunctionsClient(client: SFNClient = new SFNClient({})): ExecutionStarter & ExecutionFollower {
  return {
    ...createStepFunctionsStarter(client),
    async describeExecution(executionArn) {
      const d = await client.send(new DescribeExecutionCommand({ executionArn }));
      return {
        executionArn,
        status: d.status ?? 'RUNNING',
        ...(d.output === undefined ? {} : { output: parseJson(d.output) }),
        ...(d.error === undefined ? {} : { error: d.error }),
        ...(d.cause === undefined ? {} : { cause: d.cause }),
      };
    },
    async lastTaskOutputWith(executionArn, field) {
      let nextToken: string | undefined;
      // Newest first; a step's output is among the last events of a stopped execution.
      for (let page = 0; page < 20; page += 1) {
        const h = await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100, nextToken, includeExecutionData: true }));
        for (const event of h.events ?? []) {
          const output = parseJson(event.taskSucceededEventDetails?.output ?? event.lambdaFunctionSucceededEventDetails?.output);
          if (output !== null && typeof output === 'object' && field in output) return output as Record<string, unknown>;
        }
        nextToken = h.nextToken;
        if (nextToken === undefined) return undefined;
      }
      return undefined;
    },
  };
}
