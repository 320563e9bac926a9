import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventPublisher, PrecisEvent } from '../../ports/event-publisher';

/** The `source` of every event Precis publishes on the app's bus. */
export const EVENT_SOURCE = 'precis';

// PutEvents takes at most 10 entries per call.
const BATCH = 10;

export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
  readonly code = 'event_publish_failed';
  /** Throttling and internal failures are worth a retry of the whole record. */
  readonly transient = true;
}

/** Publishes on the app's EventBridge bus; a partially failed batch throws so the caller retries. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly PrecisEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const batch = events.slice(i, i + BATCH);
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: event.type,
            Detail: JSON.stringify(event.detail),
          })),
        }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) {
        const codes = [...new Set((out.Entries ?? []).map((e) => e.ErrorCode).filter(Boolean))];
        throw new EventPublishError(
          `${out.FailedEntryCount} of ${batch.length} events were not accepted (${codes.join(', ')})`,
        );
      }
    }
  }
}
