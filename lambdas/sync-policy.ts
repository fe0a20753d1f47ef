/** Sync Lambda for policies (default document after the region rewrite; versions). */
import { createSyncHandler } from './runtime/sync-handler';
import { environmentDependencies, type DependencySource } from './runtime/dependencies';

/** Builds the handler over the given dependencies (the local runner and tests pass their own). */
export const createHandler = (deps: DependencySource) => createSyncHandler(['policy'], deps);

export const handler = createHandler(environmentDependencies);
