/**
 * The fleet-indexing configuration dynamic thing groups need: what it means for the target to index at
 * least what the source indexes, and the configuration that widens the target to that without narrowing
 * anything it already indexes. A dynamic group's query only finds things in the fields the index holds
 * (https://docs.aws.amazon.com/iot/latest/developerguide/dynamic-thing-groups.html: "fleet indexing must be
 * enabled"); narrowing a target's index could break its own queries and re-index the fleet, so the sync
 * only ever widens, and reports a target that indexes more.
 */
import type { IndexingConfiguration, IndexingField } from './model';

const THING_MODES = ['OFF', 'REGISTRY', 'REGISTRY_AND_SHADOW'] as const;
const rank = <T extends string>(order: readonly T[], value: T): number => order.indexOf(value);
const higher = <T extends string>(order: readonly T[], a: T, b: T): T => (rank(order, a) >= rank(order, b) ? a : b);
const fieldKey = (f: IndexingField) => `${f.name}|${f.type}`;

/** The dimensions in which `target` indexes less than `source` (empty: the target covers the source). */
export function narrowerDimensions(source: IndexingConfiguration, target: IndexingConfiguration): string[] {
  const out: string[] = [];
  if (rank(THING_MODES, target.thingIndexingMode) < rank(THING_MODES, source.thingIndexingMode)) out.push('thingIndexingMode');
  if (target.thingConnectivityIndexingMode === 'OFF' && source.thingConnectivityIndexingMode !== 'OFF') out.push('thingConnectivityIndexingMode');
  if (target.deviceDefenderIndexingMode === 'OFF' && source.deviceDefenderIndexingMode !== 'OFF') out.push('deviceDefenderIndexingMode');
  if (target.namedShadowIndexingMode === 'OFF' && source.namedShadowIndexingMode !== 'OFF') out.push('namedShadowIndexingMode');
  if (target.thingGroupIndexingMode === 'OFF' && source.thingGroupIndexingMode !== 'OFF') out.push('thingGroupIndexingMode');
  const missing = (s: IndexingField[], t: IndexingField[]) => s.some((f) => !t.some((g) => fieldKey(g) === fieldKey(f)));
  if (missing(source.customFields, target.customFields)) out.push('customFields');
  if (missing(source.thingGroupCustomFields, target.thingGroupCustomFields)) out.push('thingGroupCustomFields');
  if (source.namedShadowNames.some((n) => !target.namedShadowNames.includes(n))) out.push('namedShadowNames');
  return out;
}

/** The target's configuration widened to index everything the source indexes (nothing the target indexes is dropped). */
export function widenedIndexing(source: IndexingConfiguration, target: IndexingConfiguration): IndexingConfiguration {
  const union = (t: IndexingField[], s: IndexingField[]) => [...t, ...s.filter((f) => !t.some((g) => fieldKey(g) === fieldKey(f)))];
  return {
    thingIndexingMode: higher(THING_MODES, source.thingIndexingMode, target.thingIndexingMode),
    thingConnectivityIndexingMode: target.thingConnectivityIndexingMode === 'OFF' ? source.thingConnectivityIndexingMode : target.thingConnectivityIndexingMode,
    deviceDefenderIndexingMode: target.deviceDefenderIndexingMode === 'OFF' ? source.deviceDefenderIndexingMode : target.deviceDefenderIndexingMode,
    namedShadowIndexingMode: target.namedShadowIndexingMode === 'OFF' ? source.namedShadowIndexingMode : target.namedShadowIndexingMode,
    customFields: union(target.customFields, source.customFields),
    namedShadowNames: [...target.namedShadowNames, ...source.namedShadowNames.filter((n) => !target.namedShadowNames.includes(n))],
    thingGroupIndexingMode: target.thingGroupIndexingMode === 'OFF' ? source.thingGroupIndexingMode : target.thingGroupIndexingMode,
    thingGroupCustomFields: union(target.thingGroupCustomFields, source.thingGroupCustomFields),
  };
}

/** The key of the one indexing configuration of a region. */
export const INDEXING_CONFIGURATION_KEY = 'fleet-indexing';
