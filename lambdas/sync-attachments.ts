/** Sync Lambda for attachments (policy to certificate or group; thing to certificate with its type). */
import { createSyncHandler } from './runtime/sync-handler';
import { environmentDependencies, type SyncDependencySource } from './runtime/dependencies';

/** Builds the handler over the given dependencies (the local runner and tests pass their own). */
export const createHandler = (deps: SyncDependencySource) => createSyncHandler(['thingPrincipals', 'policyAttachments'], deps);

export const handler = createHandler(environmentDependencies);
