import type { Delivery, DeliveryStatus } from '../domain/campaigns/delivery';

export type ClaimResult = { status: 'claimed' } | { status: 'exists'; existing: Delivery };

export interface DeliveryKey {
  customerId: string;
  deliveryKey: string;
}

/** The Deliveries ledger: one row per customer and campaign occasion (see domain/campaigns/delivery.ts). */
export interface DeliveryLedger {
  /** Writes the row unless the occasion is already claimed; then returns the existing row. */
  claim(delivery: Delivery): Promise<ClaimResult>;
  /** Every row of one customer (their message history, for the data export), oldest occasion first. */
  history(customerId: string): Promise<Delivery[]>;
  /** The rows that exist among `keys` (strongly consistent), in no particular order. */
  getMany(keys: readonly DeliveryKey[]): Promise<Delivery[]>;
  /**
   * Moves a row from `from` to `to`, setting `fields`; false when the row is not in `from` (another
   * sender got there first, or it moved on), so the caller does nothing twice.
   */
  transition(
    key: DeliveryKey,
    from: DeliveryStatus,
    to: DeliveryStatus,
    fields?: Partial<
      Pick<Delivery, 'sentAt' | 'providerMessageId' | 'reason' | 'country' | 'notBefore' | 'deferReason'>
    >,
  ): Promise<boolean>;
  /**
   * Moves a row left `unknown` past its quiet period back to `queued`, only if it is still `unknown`
   * with this `updatedAt` (the one the caller read): of several retriers exactly one wins, and none
   * undoes a retry already under way (its `unknown` carries a newer `updatedAt`).
   */
  requeueUnknown(key: DeliveryKey, updatedAt: string): Promise<boolean>;
}

/** Unsubscribes per message, for campaign measurement (the Deliveries stream counts them). */
export interface DeliveryUnsubscribes {
  /**
   * Records that the person unsubscribed through this row's message; false when the row does not
   * exist or already carries an unsubscribe (the first one stands).
   */
  markUnsubscribed(key: DeliveryKey, at: string): Promise<boolean>;
}
