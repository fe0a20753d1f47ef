/** EventBridge publishing, behind a one-method port so handlers stay SDK-free. */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { TransientServiceError } from '../core/errors';

/** One EventBridge entry. */
export interface EventEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName?: string;
}

/** Puts events on a bus; resolves with how many entries EventBridge refused. */
export interface EventPublisher {
  putEvents(entries: EventEntry[]): Promise<{ failedEntryCount: number }>;
}

/** An EventPublisher over `@aws-sdk/client-eventbridge` (region and credentials from the environment). */
export function createEventBridgePublisher(client: EventBridgeClient = new EventBridgeClient({})): EventPublisher {
  return {
    async putEvents(entries) {
      try {
        const result = await client.send(new PutEventsCommand({ Entries: entries }));
        return { failedEntryCount: result.FailedEntryCount ?? 0 };
      } catch (error) {
        throw new TransientServiceError(`PutEvents failed: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}
