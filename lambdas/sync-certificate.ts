/** Sync Lambda for certificates and CA certificates (registration path, status never widened). */
import { createSyncHandler } from './runtime/sync-handler';
import { environmentDependencies, type SyncDependencySource } from './runtime/dependencies';

/** Builds the handler over the given dependencies (the local runner and tests pass their own). */
export const createHandler = (deps: SyncDependencySource) => createSyncHandler(['certificate', 'caCertificate'], deps);

export const handler = createHandler(environmentDependencies);
