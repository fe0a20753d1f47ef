/** Sync Lambda for thing types (description, searchable attributes, deprecation). */
import { createSyncHandler } from './runtime/sync-handler';
import { environmentDependencies, type DependencySource } from './runtime/dependencies';

/** Builds the handler over the given dependencies (the local runner and tests pass their own). */
export const createHandler = (deps: DependencySource) => createSyncHandler(['thingType'], deps);

export const handler = createHandler(environmentDependencies);
