/**
 * One bounded chunk of the drift read: a page range of one stream (things with their principals,
 * certificates, policies with documents and targets, or groups and memberships) of one region. Writes
 * the partial result to the report bucket and returns where the stream continues.
 */
import { readDriftChunk, type DriftChunkResult } from '../lib/core/drift-read';
import { environmentDriftDependencies, type DriftDependencySource } from './runtime/drift-dependencies';
import { resolveDependencies } from './runtime/dependency-source';

/** Builds the handler over the given dependencies. */
export function createHandler(deps: DriftDependencySource) {
  return async (input: unknown): Promise<DriftChunkResult> => {
    const { regions, store, limits, logger } = resolveDependencies(deps);
    const started = Date.now();
    const result = await readDriftChunk(input as never, { regions, store, ...(limits === undefined ? {} : { limits }) });
    logger.info('drift chunk read', { runId: result.runId, side: result.side, stream: result.stream, chunk: result.chunk - 1, items: result.items, done: result.done, ms: Date.now() - started });
    return result;
  };
}

export const handler = createHandler(environmentDriftDependencies);
