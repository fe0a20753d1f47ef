/**
 * The EventBridge rule pattern that starts the sync: defined once, used by the CDK construct and by the
 * local event bus, so what runs locally is what AWS matches.
 */
import { SYNCED_API_CALLS } from './normalise';
import { CLOUDTRAIL_DETAIL_TYPE, REGISTRY_EVENT_DETAIL_TYPE, REGISTRY_EVENT_SOURCE } from './schemas';

/** The CloudTrail write calls the rule matches, sorted. */
export const SYNCED_EVENT_NAMES: readonly string[] = Object.keys(SYNCED_API_CALLS).sort();

/** Pattern for IoT control-plane calls delivered by CloudTrail. */
export const CLOUDTRAIL_RULE_PATTERN = {
  source: ['aws.iot'],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: { eventSource: ['iot.amazonaws.com'], eventName: [...SYNCED_EVENT_NAMES] },
} as const;

/** Pattern for the registry events our forwarder puts. */
export const REGISTRY_RULE_PATTERN = {
  source: [REGISTRY_EVENT_SOURCE],
  'detail-type': [REGISTRY_EVENT_DETAIL_TYPE],
} as const;

/** Whether an EventBridge event matches one of the two sync rules (the subset of pattern matching they use). */
export function matchesSyncRule(event: { source?: unknown; 'detail-type'?: unknown; detail?: unknown }): boolean {
  if (event.source === REGISTRY_EVENT_SOURCE) return event['detail-type'] === REGISTRY_EVENT_DETAIL_TYPE;
  if (event.source !== 'aws.iot' || event['detail-type'] !== CLOUDTRAIL_DETAIL_TYPE) return false;
  const detail = (event.detail ?? {}) as { eventSource?: unknown; eventName?: unknown };
  return detail.eventSource === 'iot.amazonaws.com' && typeof detail.eventName === 'string' && SYNCED_EVENT_NAMES.includes(detail.eventName);
}

/**
 * The registry-event topic filters the IoT topic rules read, one rule per family the sync uses. Not
 * `$aws/events/#`: that also matches every device's presence and subscription lifecycle events
 * (https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html), a rule evaluation and a
 * forwarder invocation each for nothing. Thing and group names hold no `/`, so `+` matches one name
 * (https://docs.aws.amazon.com/iot/latest/developerguide/registry-events.html).
 */
export const REGISTRY_TOPIC_FILTERS = {
  thing: '$aws/events/thing/+/+',
  thingType: '$aws/events/thingType/+/+',
  // Both documented forms: `…/thing/<thing>/<type>` (reserved-topics page) and `…/thing/<thing>/thingType/<type>/added|removed`.
  thingTypeAssociation: '$aws/events/thingTypeAssociation/thing/#',
  thingGroup: '$aws/events/thingGroup/+/+',
  thingGroupMembership: '$aws/events/thingGroupMembership/thingGroup/+/thing/+/+',
  thingGroupHierarchy: '$aws/events/thingGroupHierarchy/thingGroup/+/childThingGroup/+/+',
} as const;

/** A registry-event family the sync reads. */
export type RegistryTopicFamily = keyof typeof REGISTRY_TOPIC_FILTERS;

/** The SQL of the topic rule of one family: the whole event, with the topic that names what the payload omits. */
export function registryTopicRuleSql(family: RegistryTopicFamily): string {
  return `SELECT *, topic() AS topic FROM '${REGISTRY_TOPIC_FILTERS[family]}'`;
}

/** Whether an MQTT topic matches a topic filter (`+` one level, `#` the rest, as the rules engine matches FROM). */
export function matchesTopicFilter(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i += 1) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/** Whether one of the sync's topic rules reads this topic. */
export function matchesRegistryTopicRule(topic: string): boolean {
  return Object.values(REGISTRY_TOPIC_FILTERS).some((filter) => matchesTopicFilter(filter, topic));
}
