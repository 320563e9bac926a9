import type { EventPublisher, PrecisEvent } from '../../lib/ports/event-publisher';

/** Keeps every published event, in order. */
export class RecordingEventPublisher implements EventPublisher {
  readonly events: PrecisEvent[] = [];

  async publish(events: readonly PrecisEvent[]): Promise<void> {
    this.events.push(...structuredClone(events));
  }
}
