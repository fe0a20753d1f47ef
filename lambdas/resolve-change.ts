/**
 * First state of the sync state machine: validates the EventBridge event, names the changed resource
 * and lists, stage by stage, what the target still needs so that resource can converge: the resource
 * itself and its own attachments, after whatever it depends on that the target lacks.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { changeStages, pendingStages, type ResourceRef } from '../lib/core/scope';
import { normaliseEvent, type RegistryChange } from '../lib/events/normalise';
import { environmentDependencies, resolveDependencies, type DependencySource } from './runtime/dependencies';

/** What ResolveChange hands the state machine. */
export type ResolvedChange =
  | { status: 'ignored'; reason: string; eventId?: string }
  | { status: 'unresolved'; reason: string; eventId: string; operation: string; eventTime: string }
  | { status: 'change'; change: RegistryChange; stages: ResourceRef[][] };

/** Builds the handler over the given dependencies. */
export function createHandler(deps: DependencySource) {
  return async (event: unknown): Promise<ResolvedChange> => {
    const { source, target, logger, metrics } = resolveDependencies(deps);
    const normalised = normaliseEvent(event, { sourceRegion: source.region });
    if (normalised.status === 'ignored') {
      logger.info('event ignored', { reason: normalised.reason, eventId: normalised.eventId });
      return normalised;
    }
    if (normalised.status === 'unresolved') {
      // Counted so that an alarm can ask for a reconcile; the drift report shows what is missing meanwhile.
      logger.warn('change unresolved: a reconcile converges it', { reason: normalised.reason, eventId: normalised.eventId, operation: normalised.operation });
      metrics?.addMetric('UnresolvedChanges', MetricUnit.Count, 1);
      metrics?.publishStoredMetrics();
      return normalised;
    }
    const { change } = normalised;
    const stages = await pendingStages(target, await changeStages(source, change.ref));
    logger.info('change resolved', { eventId: change.eventId, operation: change.operation, ref: change.ref, stages: stages.length });
    return { status: 'change', change, stages };
  };
}

export const handler = createHandler(environmentDependencies);
