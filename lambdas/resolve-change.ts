/**
 * First state of the sync state machine: validates the EventBridge event (or each event of a coalesced
 * batch), names the changed resources and lists, stage by stage, what the target still needs so that
 * they converge: each resource and its own attachments, after whatever it depends on that the target
 * lacks. A batch is de-duplicated by resource and the stages of its changes merged, so a resource named
 * by several events converges once (the sync is state-based: it converges to the current source state).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { foldParentsIntoRelationships, mergeStages } from '../lib/core/merge-stages';
import { changeStages, pendingStages, type StageItem } from '../lib/core/change-stages';
import type { ResourceRef } from '../lib/core/resource-ref';
import { refKey } from '../lib/core/keys';
import type { RegistryReader } from '../lib/core/port';
import { batchEvents, MAX_REFS_PER_BATCH } from '../lib/events/batch';
import { normaliseEvent, type NormalisedEvent, type RegistryChange } from '../lib/events/normalise';
import { environmentDependencies, type SyncDependencySource } from './runtime/dependencies';
import { resolveDependencies } from './runtime/dependency-source';

/** What became of one event of the input (by its position in the batch). */
export interface EventOutcome {
  index: number;
  eventId?: string;
  /** `deferred`: past the batch's resource bound; dead-lettered so a redrive runs it alone. */
  status: 'change' | 'ignored' | 'unresolved' | 'invalid' | 'deferred';
  reason?: string;
  operation?: string;
  ref?: ResourceRef;
}

/** What every ResolveChange result carries for the Map and FinishSync. */
interface ResolvedStages {
  /** Stages in order; resources inside a stage converge in parallel. */
  stages: ResourceRef[][];
  /** For each resource of the stages (by refKey), the events whose change needs it. */
  origins: Record<string, number[]>;
  events: EventOutcome[];
}

/** What ResolveChange hands the state machine (a single event keeps the fields it always had). */
export type ResolvedChange = ResolvedStages &
  (
    | { status: 'ignored'; reason: string; eventId?: string }
    | { status: 'unresolved'; reason: string; eventId?: string; operation?: string; eventTime?: string }
    | { status: 'change'; change?: RegistryChange }
  );

/** Builds the handler over the given dependencies. */
export function createHandler(deps: SyncDependencySource) {
  return async (input: unknown): Promise<ResolvedChange> => {
    const { source, target, logger, metrics } = resolveDependencies(deps);
    const { batch, events } = batchEvents(input);
    const outcomes: EventOutcome[] = [];
    const changes: { index: number; change: RegistryChange }[] = [];
    events.forEach((event, index) => {
      let normalised: NormalisedEvent;
      try {
        normalised = normaliseEvent(event, { sourceRegion: source.region });
      } catch (error) {
        // One event alone keeps failing the execution (Catch → dead letter); in a batch it is one item's outcome.
        if (!batch) throw error;
        const reason = (error as Error).message;
        logger.error('event invalid', { index, eventId: eventIdOf(event), reason });
        outcomes.push({ index, ...optional('eventId', eventIdOf(event)), status: 'invalid', reason });
        return;
      }
      if (normalised.status === 'ignored') {
        logger.info('event ignored', { reason: normalised.reason, eventId: normalised.eventId });
        outcomes.push({ index, ...optional('eventId', normalised.eventId), status: 'ignored', reason: normalised.reason });
      } else if (normalised.status === 'unresolved') {
        // Counted so that an alarm can ask for a reconcile; the drift report shows what is missing meanwhile.
        logger.warn('change unresolved: a reconcile converges it', { reason: normalised.reason, eventId: normalised.eventId, operation: normalised.operation });
        metrics?.addMetric('UnresolvedChanges', MetricUnit.Count, 1);
        outcomes.push({ index, eventId: normalised.eventId, status: 'unresolved', reason: normalised.reason, operation: normalised.operation });
      } else {
        changes.push({ index, change: normalised.change });
        outcomes.push({ index, eventId: normalised.change.eventId, status: 'change', operation: normalised.change.operation, ref: normalised.change.ref });
      }
    });
    metrics?.publishStoredMetrics();

    // One stage list per distinct resource (several events of one resource resolve once), reads shared.
    const sourceReads = memoisedReader(source);
    const byRef = new Map<string, number[]>();
    for (const { index, change } of changes) byRef.set(refKey(change.ref), [...(byRef.get(refKey(change.ref)) ?? []), index]);
    const perChange: StageItem[][][] = [];
    const origins = new Map<string, Set<number>>();
    for (const [key, indexes] of byRef) {
      const ref = changes.find((c) => refKey(c.change.ref) === key)!.change.ref;
      const stages = await changeStages(sourceReads, ref);
      const keys = new Set(stages.flat().map((item) => refKey(item.ref)));
      const added = [...keys].filter((k) => !origins.has(k)).length;
      if (perChange.length > 0 && origins.size + added > MAX_REFS_PER_BATCH) {
        for (const i of indexes) {
          const outcome = outcomes.find((o) => o.index === i)!;
          outcome.status = 'deferred';
          outcome.reason = `the batch already converges ${origins.size} resources; this change adds ${added}, past the bound of ${MAX_REFS_PER_BATCH} per execution: redrive it to converge it in an execution of its own`;
        }
        logger.warn('change deferred', { ref, events: indexes.length });
        continue;
      }
      perChange.push(stages);
      for (const k of keys) origins.set(k, new Set([...(origins.get(k) ?? []), ...indexes]));
    }
    const stages = await pendingStages(memoisedReader(target), foldParentsIntoRelationships(mergeStages(perChange)));
    const resolved: ResolvedStages = {
      stages,
      origins: Object.fromEntries(stages.flat().map((ref) => [refKey(ref), [...(origins.get(refKey(ref)) ?? [])].sort((a, b) => a - b)])),
      events: outcomes,
    };
    const counts = countBy(outcomes.map((o) => o.status));
    logger.info('changes resolved', { events: events.length, ...counts, resources: stages.flat().length, stages: stages.length });

    if (!batch) {
      const [only] = outcomes;
      if (only?.status === 'ignored') return { status: 'ignored', reason: only.reason ?? '', ...optional('eventId', only.eventId), ...resolved };
      if (only?.status === 'unresolved') {
        const eventTime = (events[0] as { time?: string }).time;
        return { status: 'unresolved', reason: only.reason ?? '', eventId: only.eventId, operation: only.operation, ...optional('eventTime', eventTime), ...resolved };
      }
      return { status: 'change', change: changes[0]!.change, ...resolved };
    }
    // A batch with anything to converge or to dead-letter goes through the Map and FinishSync.
    if (outcomes.some((o) => o.status === 'change' || o.status === 'invalid' || o.status === 'deferred')) return { status: 'change', ...resolved };
    const unresolved = outcomes.filter((o) => o.status === 'unresolved');
    if (unresolved.length > 0) return { status: 'unresolved', reason: unresolved.map((o) => `${o.operation}: ${o.reason}`).join('; '), ...resolved };
    return { status: 'ignored', reason: outcomes.length === 0 ? 'empty batch' : outcomes.map((o) => o.reason).join('; '), ...resolved };
  };
}

/** The reader with each read made once per invocation (the changes of a batch share devices, groups, types). */
function memoisedReader<R extends RegistryReader>(reader: R): R {
  const cache = new Map<string, unknown>();
  return new Proxy(reader, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string' || !/^(get|list)/.test(property)) return value;
      return (...args: unknown[]) => {
        const key = `${property}:${JSON.stringify(args)}`;
        if (cache.has(key)) return cache.get(key);
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        // Only promises are shared; an async iterable is consumed once and must be read afresh.
        if (result instanceof Promise) cache.set(key, result);
        return result;
      };
    },
  });
}

function eventIdOf(event: unknown): string | undefined {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

export const handler = createHandler(environmentDependencies);
