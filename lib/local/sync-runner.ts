/**
 * The sync state machine, locally: `statemachine/sync.asl.json` run unchanged with the real Lambda
 * handlers, one execution per event or per coalesced batch of events. The dead-letter queue and the "Registry Sync Failed" events land in memory, where the
 * CLI prints them and tests read them.
 */
import * as resolveChange from '../../lambdas/resolve-change';
import * as syncThingType from '../../lambdas/sync-thing-type';
import * as syncThingGroup from '../../lambdas/sync-thing-group';
import * as syncPolicy from '../../lambdas/sync-policy';
import * as syncCertificate from '../../lambdas/sync-certificate';
import * as syncThing from '../../lambdas/sync-thing';
import * as syncAttachments from '../../lambdas/sync-attachments';
import * as finishSync from '../../lambdas/finish-sync';
import type { SyncDependencies } from '../../lambdas/runtime/dependencies';
import { SYNC_FUNCTION_NAMES, type SyncFunctionName, type SYNC_FUNCTIONS } from '../events/sync-functions';
import { dependenciesFor, loadDefinition, LocalStateMachine, type LocalExecution, type RunOptions, type TaskDependencies } from './state-machine';

/** Placeholder ARNs for the local run; each Task they name is overridden by a local handler. */
export const LOCAL_SYNC_SUBSTITUTIONS: Record<string, string> = Object.fromEntries([
  ...SYNC_FUNCTION_NAMES.map((name) => [`${name}FunctionArn`, `arn:aws:lambda:us-east-1:000000000000:function:${name}`]),
  ['DeadLetterQueueUrl', 'https://sqs.us-east-1.amazonaws.com/000000000000/local-dead-letter-queue'],
  ['EventBusName', 'default'],
]);

/** The handler module of each sync function (the file {@link SYNC_FUNCTIONS} names for it). */
const SYNC_HANDLER_MODULES: Record<SyncFunctionName, { createHandler(deps: SyncDependencies): (input: never) => Promise<unknown> }> = {
  ResolveChange: resolveChange,
  SyncThingType: syncThingType,
  SyncThingGroup: syncThingGroup,
  SyncPolicy: syncPolicy,
  SyncCertificate: syncCertificate,
  SyncThing: syncThing,
  SyncAttachments: syncAttachments,
  FinishSync: finishSync,
};

/** The real Lambda handlers of the sync state machine, by Task state name (one dependency set, or one per state). */
export function syncLambdaHandlers(deps: TaskDependencies<SyncDependencies>): Record<SyncFunctionName, (input: never) => Promise<unknown>> {
  return Object.fromEntries(
    SYNC_FUNCTION_NAMES.map((name) => [name, SYNC_HANDLER_MODULES[name].createHandler(dependenciesFor(deps, name))]),
  ) as Record<SyncFunctionName, (input: never) => Promise<unknown>>;
}

/** Runs sync executions locally and keeps what the failure path recorded. */
export class LocalSyncRunner {
  /** Message bodies sent to the dead-letter queue. */
  readonly deadLetters: unknown[] = [];
  /** Detail of each "Registry Sync Failed" event. */
  readonly failureEvents: unknown[] = [];
  private readonly machine = new LocalStateMachine(loadDefinition('sync.asl.json', LOCAL_SYNC_SUBSTITUTIONS));
  private readonly handlers: Record<string, (input: never) => Promise<unknown>>;

  constructor(deps: TaskDependencies<SyncDependencies>, private readonly options: RunOptions = {}) {
    this.handlers = {
      ...syncLambdaHandlers(deps),
      SendToDeadLetterQueue: async (input: { MessageBody: unknown }) => {
        this.deadLetters.push(input.MessageBody);
        return { MessageId: `local-${this.deadLetters.length}` };
      },
      PutSyncFailedEvent: async (input: { Entries: { Detail: unknown }[] }) => {
        for (const entry of input.Entries) this.failureEvents.push(entry.Detail);
        return { FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `local-${i}` })) };
      },
    };
  }

  /** Runs one execution for one EventBridge event, or for a batch of them (an array, as the pipe starts it). */
  run(input: unknown): Promise<LocalExecution> {
    return this.machine.run(input, this.handlers, this.options);
  }

  /** Runs one execution per batch, one batch at a time (a batch's resources converge in parallel inside it). */
  async runBatches(batches: readonly unknown[][]): Promise<LocalExecution[]> {
    const runs: LocalExecution[] = [];
    for (const batch of batches) runs.push(await this.run(batch));
    return runs;
  }
}
