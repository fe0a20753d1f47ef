/** Sync Lambda for thing groups (parent first; dynamic groups by query, never members) and the fleet-indexing configuration dynamic groups need. */
import { createSyncHandler } from './runtime/sync-handler';
import { environmentDependencies, type SyncDependencySource } from './runtime/dependencies';

/** Builds the handler over the given dependencies (the local runner and tests pass their own). */
export const createHandler = (deps: SyncDependencySource) => createSyncHandler(['thingGroup', 'indexingConfiguration'], deps);

export const handler = createHandler(environmentDependencies);
