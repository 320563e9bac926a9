import type { SegmentKind } from '../domain/scoring';

/** A customer entered or left a segment. No personal data: campaigns look the customer up by id. */
export interface SegmentChangeDetail {
  /** Detail schema version. */
  version: 1;
  customerId: string;
  kind: SegmentKind;
  segment: string;
  /** When the change was stored (the stream record's time). */
  at: string;
  /** The same for every delivery of the same change: consumers deduplicate on it. */
  eventId: string;
  /**
   * The write that moved the membership also changed the order history (orders arrived or were
   * cancelled), rather than the clock or the model moving it: lifecycle campaigns use it to tell a
   * backfill of old orders from a change happening now.
   */
  historyChanged?: boolean;
}

export type PrecisEvent =
  | { type: 'SegmentEntered'; detail: SegmentChangeDetail }
  | { type: 'SegmentExited'; detail: SegmentChangeDetail }
  | { type: 'ModelRefitRequested'; detail: { version: 1; requestedAt: string; reindexMembers?: true } };

/** Publishes Precis's own events on the app's bus; throws when any event was not accepted. */
export interface EventPublisher {
  publish(events: readonly PrecisEvent[]): Promise<void>;
}
