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
