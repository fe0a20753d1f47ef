/** Sync Lambda for things (type, attributes, billing group, static group memberships). */
import { createSyncHandler } from './runtime/sync-handler';
import { environmentDependencies, type SyncDependencySource } from './runtime/dependencies';

/** Builds the handler over the given dependencies (the local runner and tests pass their own). */
export const createHandler = (deps: SyncDependencySource) => createSyncHandler(['thing'], deps);

export const handler = createHandler(environmentDependencies);
