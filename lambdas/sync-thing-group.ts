/** Sync Lambda for thing groups (parent first; dynamic groups by query, never members). */
import { createSyncHandler } from './runtime/sync-handler';
import { environmentDependencies, type DependencySource } from './runtime/dependencies';

/** Builds the handler over the given dependencies (the local runner and tests pass their own). */
export const createHandler = (deps: DependencySource) => createSyncHandler(['thingGroup'], deps);

export const handler = createHandler(environmentDependencies);
