import type { Order } from '../domain/order';

/** What is known about an order id: who placed it and when, and whether it was cancelled. */
export interface OrderClaim {
  orderId: string;
  /** Absent on a cancellation that arrived before its order. */
  customerId?: string;
  orderedAt?: string;
  cancelledAt?: string;
}

export type ClaimOutcome =
  | { status: 'claimed'; cancelledAt?: string }
  | { status: 'duplicate'; claim: OrderClaim }
  | { status: 'conflict' };

/** A stored order: the order itself (minus who sent it: the customer id says that) and its status. */
export interface StoredOrder {
  customerId: string;
  orderId: string;
  orderedAt: string;
  totalAmount: number;
  currency: string;
  reportingAmount: number;
  lineItems: Order['lineItems'];
  status: 'placed' | 'cancelled';
  cancelledAt?: string;
}

/** Orders, idempotent on order id: the claim makes the id unique across all customers. */
export interface OrderRepository {
  /**
   * Claims the order id for this order. Another claim with the same content (a retry or a replay)
   * is a `duplicate`; with different content a `conflict`. A cancellation that arrived first is
   * completed by the claim and reported as `claimed` with its `cancelledAt`.
   */
  claim(order: Order, fingerprint: string, customerId: string): Promise<ClaimOutcome>;
  findClaim(orderId: string): Promise<OrderClaim | undefined>;
  /** Stores the order unless it is already there (a stored order's status is never reverted). */
  store(order: StoredOrder): Promise<void>;
  /** Records a cancellation on the claim (creating a tombstone if the order has not arrived). */
  recordCancellation(orderId: string, cancelledAt: string): Promise<OrderClaim>;
  markCancelled(customerId: string, orderedAt: string, orderId: string, cancelledAt: string): Promise<void>;
  /** Every order of one customer, oldest first. */
  history(customerId: string): Promise<StoredOrder[]>;
}
