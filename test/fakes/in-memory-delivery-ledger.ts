import type { Delivery, DeliveryStatus } from '../../lib/domain/campaigns/delivery';
import type { DeliveryKey, DeliveryLedger } from '../../lib/ports/delivery-ledger';

/** The Deliveries ledger in memory: one row per customer and `campaign#occasion`, as the table keys it. */
export class InMemoryDeliveryLedger implements DeliveryLedger {
  readonly rows = new Map<string, Delivery>();

  async claim(delivery: Delivery) {
    const existing = this.rows.get(keyOf(delivery));
    if (existing) return { status: 'exists' as const, existing };
    this.rows.set(keyOf(delivery), delivery);
    return { status: 'claimed' as const };
  }

  async history(customerId: string) {
    // As the table returns them: in sort-key order (campaign, then occasion).
    return [...this.rows.values()]
      .filter((row) => row.customerId === customerId)
      .sort((a, b) => (a.deliveryKey < b.deliveryKey ? -1 : a.deliveryKey > b.deliveryKey ? 1 : 0));
  }

  async getMany(keys: readonly DeliveryKey[]) {
    return keys.flatMap((key) => this.rows.get(keyOf(key)) ?? []);
  }

  async transition(key: DeliveryKey, from: DeliveryStatus, to: DeliveryStatus, fields = {}) {
    const row = this.rows.get(keyOf(key));
    if (row?.status !== from) return false;
    this.rows.set(keyOf(key), { ...row, ...fields, status: to });
    return true;
  }

  async requeueUnknown(key: DeliveryKey, updatedAt: string) {
    const row = this.rows.get(keyOf(key));
    if (row?.status !== 'unknown' || row.updatedAt !== updatedAt) return false;
    // Strictly later than the row's, so a second retrier holding the old value loses.
    const now = Math.max(Date.now(), Date.parse(updatedAt) + 1);
    this.rows.set(keyOf(key), { ...row, status: 'queued', updatedAt: new Date(now).toISOString() });
    return true;
  }

  /** A row by its ledger key (the first customer's, when `customerId` is not given). */
  row(deliveryKey: string, customerId?: string): Delivery | undefined {
    return [...this.rows.values()].find(
      (row) => row.deliveryKey === deliveryKey && (customerId === undefined || row.customerId === customerId),
    );
  }

  /** Stores a row as it stands (test set-up: a row some earlier step left). */
  put(row: Delivery): void {
    this.rows.set(keyOf(row), row);
  }
}

const keyOf = (key: DeliveryKey): string => `${key.customerId}|${key.deliveryKey}`;
