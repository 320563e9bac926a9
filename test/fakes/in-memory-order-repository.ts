import type { Order } from '../../lib/domain/order';
import type {
  ClaimOutcome,
  OrderClaim,
  OrderRepository,
  StoredOrder,
} from '../../lib/ports/order-repository';

/** The OrderRepository contract in memory (fingerprints kept as given; DynamoDB stores their hash). */
export class InMemoryOrderRepository implements OrderRepository {
  readonly claims = new Map<string, OrderClaim & { fingerprint?: string }>();
  readonly orders = new Map<string, StoredOrder>();

  async claim(order: Order, fingerprint: string, customerId: string): Promise<ClaimOutcome> {
    const existing = this.claims.get(order.orderId);
    if (existing?.fingerprint === undefined) {
      this.claims.set(order.orderId, {
        ...existing,
        orderId: order.orderId,
        fingerprint,
        customerId,
        orderedAt: order.orderedAt,
      });
      return { status: 'claimed', ...(existing?.cancelledAt && { cancelledAt: existing.cancelledAt }) };
    }
    const { fingerprint: stored, ...claim } = existing;
    return stored === fingerprint ? { status: 'duplicate', claim } : { status: 'conflict' };
  }

  async findClaim(orderId: string): Promise<OrderClaim | undefined> {
    const found = this.claims.get(orderId);
    if (!found) return undefined;
    const { fingerprint: _f, ...claim } = found;
    return claim;
  }

  async store(order: StoredOrder): Promise<void> {
    const key = `${order.customerId}|${order.orderedAt}#${order.orderId}`;
    if (!this.orders.has(key)) this.orders.set(key, structuredClone(order));
  }

  async recordCancellation(orderId: string, cancelledAt: string): Promise<OrderClaim> {
    const existing = this.claims.get(orderId) ?? { orderId };
    const updated = { ...existing, cancelledAt: existing.cancelledAt ?? cancelledAt };
    this.claims.set(orderId, updated);
    const { fingerprint: _f, ...claim } = updated;
    return claim;
  }

  async markCancelled(
    customerId: string,
    orderedAt: string,
    orderId: string,
    cancelledAt: string,
  ): Promise<void> {
    const stored = this.orders.get(`${customerId}|${orderedAt}#${orderId}`);
    if (stored && stored.status !== 'cancelled') Object.assign(stored, { status: 'cancelled', cancelledAt });
  }

  async history(customerId: string): Promise<StoredOrder[]> {
    return [...this.orders.values()]
      .filter((order) => order.customerId === customerId)
      .sort((a, b) => `${a.orderedAt}#${a.orderId}`.localeCompare(`${b.orderedAt}#${b.orderId}`))
      .map((order) => structuredClone(order));
  }
}
