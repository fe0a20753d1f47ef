/** Sync Lambda for thing types (description, searchable attributes, deprecation). */
import { createSyncHandler } from './runtime/sync-handler';
import { environmentDependencies, type SyncDependencySource } from './runtime/dependencies';

/** Builds the handler over the given dependencies (the local runner and tests pass their own). */
export const createHandler = (deps: SyncDependencySource) => createSyncHandler(['thingType'], deps);

export const handler = createHandler(environmentDependencies);
