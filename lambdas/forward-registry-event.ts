/**
 * Target of the IoT topic rule on `$aws/events/#`: re-emits each registry event to EventBridge (the
 * rules engine has no EventBridge action), where the same rule as the CloudTrail events starts the
 * sync. A malformed or refused message throws: the rules engine invokes this function asynchronously,
 * so Lambda retries it and then hands the event to the function's on-failure destination (the same
 * queue as the topic rule's error action). Nothing is dropped silently.
 */
import { TransientServiceError } from '../lib/core/errors';
import { createEventBridgePublisher, type EventPublisher } from '../lib/aws/event-bridge';
import { parseOrThrow } from '../lib/core/validation';
import { REGISTRY_EVENT_DETAIL_TYPE, REGISTRY_EVENT_SOURCE, RegistryEventDetailSchema } from '../lib/events/schemas';

/** Builds the forwarder over a publisher and the event bus name. */
export function createHandler(publisher: () => EventPublisher, eventBusName?: string) {
  return async (message: unknown): Promise<{ forwarded: number }> => {
    const detail = parseOrThrow(RegistryEventDetailSchema, message, '');
    const { failedEntryCount } = await publisher().putEvents([
      { Source: REGISTRY_EVENT_SOURCE, DetailType: REGISTRY_EVENT_DETAIL_TYPE, Detail: JSON.stringify(detail), EventBusName: eventBusName },
    ]);
    if (failedEntryCount > 0) {
      throw new TransientServiceError(`PutEvents refused the registry event ${detail.eventId ?? detail.topic}`);
    }
    return { forwarded: 1 };
  };
}

let publisher: EventPublisher | undefined;

export const handler = createHandler(() => (publisher ??= createEventBridgePublisher()), process.env.IRS_EVENT_BUS_NAME);
