/**
 * The Lambdas the sync state machine (statemachine/sync.asl.json) invokes: one list, read by the construct
 * that deploys them (lib/infra) and by the local runner that runs them in-process (lib/local). The name is
 * the ASL substitution's prefix (`<name>FunctionArn`), the construct id and the Task state's name.
 */

/** Each sync function's handler file, relative to `lambdas/`. */
export const SYNC_FUNCTIONS = {
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
export type SyncFunctionName = keyof typeof SYNC_FUNCTIONS;

/** The sync functions' names, in the order of {@link SYNC_FUNCTIONS}. */
export const SYNC_FUNCTION_NAMES = Object.keys(SYNC_FUNCTIONS) as SyncFunctionName[];
