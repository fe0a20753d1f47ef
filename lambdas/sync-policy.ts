/** Sync Lambda for policies (default document after the region rewrite; versions) provisioning templates (default version's body, the same rewrite) and role aliases. */
import { createSyncHandler } from './runtime/sync-handler';
import { environmentDependencies, type SyncDependencySource } from './runtime/dependencies';

/** Builds the handler over the given dependencies (the local runner and tests pass their own). */
export const createHandler = (deps: SyncDependencySource) => createSyncHandler(['policy', 'provisioningTemplate', 'roleAlias'], deps);

export const handler = createHandler(environmentDependencies);
