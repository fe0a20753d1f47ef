/**
 * What arrives on the event path, as zod schemas: EventBridge envelopes carrying either a CloudTrail
 * "AWS API Call via CloudTrail" record of an IoT control-plane call, or an IoT registry event that our
 * forwarder Lambda re-emitted from `$aws/events/...`. Only the fields the normalisation needs are
 * required; the rest passes through untouched (AWS adds fields over time).
 */
import { z } from 'zod';

/** `source` of the EventBridge events our forwarder puts for IoT registry events. */
export const REGISTRY_EVENT_SOURCE = 'iot-registry-sync.registry-events';
/** `detail-type` of the EventBridge events our forwarder puts for IoT registry events. */
export const REGISTRY_EVENT_DETAIL_TYPE = 'AWS IoT Registry Event';
/** `detail-type` of CloudTrail-delivered API call events. */
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** The EventBridge envelope, as a rule target receives it. */
export const EventBridgeEnvelopeSchema = z.looseObject({
  version: z.string().optional(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string().optional(),
  time: z.string().min(1),
  region: z.string().min(1),
  resources: z.array(z.string()).optional(),
  detail: z.unknown(),
});
export type EventBridgeEnvelope = z.infer<typeof EventBridgeEnvelopeSchema>;

/** The `detail` of an "AWS API Call via CloudTrail" event for `iot.amazonaws.com`. */
export const CloudTrailDetailSchema = z.looseObject({
  eventSource: z.string().min(1),
  eventName: z.string().min(1),
  eventID: z.string().min(1).optional(),
  eventTime: z.string().optional(),
  awsRegion: z.string().min(1).optional(),
  // A failed call carries an errorCode; it changed nothing, so it is ignored.
  errorCode: z.string().optional(),
  requestParameters: z.record(z.string(), z.unknown()).nullish(),
  responseElements: z.record(z.string(), z.unknown()).nullish(),
});
export type CloudTrailDetail = z.infer<typeof CloudTrailDetailSchema>;

/**
 * The `detail` of a forwarded registry event: the IoT registry event payload plus the MQTT topic it
 * was published on (the topic rule selects `*, topic() AS topic`).
 */
export const RegistryEventDetailSchema = z.looseObject({
  topic: z.string().startsWith('$aws/events/'),
  eventType: z.string().min(1),
  eventId: z.string().min(1).optional(),
  timestamp: z.number().optional(),
  operation: z.string().min(1),
});
export type RegistryEventDetail = z.infer<typeof RegistryEventDetailSchema>;
