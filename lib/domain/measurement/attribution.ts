import { CONFIRMATION_CAMPAIGN } from '../campaigns/confirmation';
import type { Delivery } from '../campaigns/delivery';
import { fromMinorUnits, toMinorUnits } from '../money';
import type { CounterChange } from './funnel';

// Attribution, the rule (the same for the treated and the holdout group, so both are measured
// identically):
//
//   An order is attributed to the customer's most recent claimed ledger row — any status: a row
//   that was meant to be sent counts for the treated group even if it was later skipped or failed
//   (intent to treat), a `held_out` row for the control group — whose attribution window holds
//   the order: plannedAt ≤ orderedAt < plannedAt + the campaign's `attributionDays` (campaign
//   config, default 7). One window per campaign: no separate, shorter click window (a click is a
//   funnel stage, not a condition; the holdout group cannot click, so a click window would measure
//   the groups differently). "Most recent" is the latest plannedAt, ties broken by the ledger key.
//   Transactional messages (the double opt-in confirmation) are not campaigns and attract nothing.
//   Each order is attributed at most once, in the reporting currency (`reportingAmount`); a
//   cancelled order is taken back out exactly.

export const DEFAULT_ATTRIBUTION_DAYS = 7;
const DAY_MS = 86_400_000;

/** The ledger rows an order may be attributed to (the part the rule reads). */
export type AttributableRow = Pick<Delivery, 'customerId' | 'deliveryKey' | 'campaignId' | 'plannedAt'>;

/**
 * The row an order at `orderedAt` is attributed to, or undefined when no window holds it.
 * `attributionDays(campaignId)` gives each campaign's window (campaigns no longer configured keep
 * the default).
 */
export function attributedRow<R extends AttributableRow>(
  rows: readonly R[],
  orderedAt: string,
  attributionDays: (campaignId: string) => number | undefined,
): R | undefined {
  const at = Date.parse(orderedAt);
  if (Number.isNaN(at)) throw new RangeError(`orderedAt is not an instant: ${orderedAt}`);
  let best: R | undefined;
  let bestAt = Number.NEGATIVE_INFINITY;
  for (const row of rows) {
    if (row.campaignId === CONFIRMATION_CAMPAIGN) continue;
    const planned = Date.parse(row.plannedAt);
    const days = attributionDays(row.campaignId) ?? DEFAULT_ATTRIBUTION_DAYS;
    if (!(planned <= at && at < planned + days * DAY_MS)) continue;
    if (
      planned > bestAt ||
      (planned === bestAt && best !== undefined && row.deliveryKey > best.deliveryKey)
    ) {
      best = row;
      bestAt = planned;
    }
  }
  return best;
}

/** What one delivery has been attributed so far (kept on its measurement item). */
export interface AttributedSoFar {
  orders: number;
  /** In the reporting currency. */
  revenue: number;
}

/**
 * The counter changes of attributing (`+1`) or taking back (`-1`) an order of `amount` on a delivery
 * that had `before`: orders and revenue, the conversion when the delivery's first order arrives (or
 * its last one leaves), and revenueSquares by (R ± x)² − R² = ±2Rx + x², so Σ(revenue per delivery)²
 * stays exact without reading every delivery. Amounts are summed in cents.
 */
export function attributionChange(
  before: AttributedSoFar,
  amount: number,
  direction: 1 | -1,
  vip: boolean,
): { change: CounterChange; after: AttributedSoFar } {
  const r = toMinorUnits(before.revenue);
  const x = toMinorUnits(amount) * direction;
  const orders = before.orders + direction;
  if (orders < 0) throw new RangeError('cannot take back an order from a delivery with none');
  const converted = before.orders === 0 ? 1 : orders === 0 ? -1 : 0;
  // (r + x)² − r² in cents², then back to currency units².
  const squares = (2 * r * x + x * x) / 10_000;
  const add: CounterChange['add'] = {
    orders: direction,
    revenue: fromMinorUnits(x),
    revenueSquares: squares,
    ...(converted !== 0 && { conversions: converted }),
    ...(vip && { revenueVip: fromMinorUnits(x) }),
    ...(vip && converted !== 0 && { conversionsVip: converted }),
  };
  return { change: { add }, after: { orders, revenue: fromMinorUnits(r + x) } };
}
