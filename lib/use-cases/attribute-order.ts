import type { Campaign } from '../domain/campaigns/campaign';
import { attributedRow } from '../domain/measurement/attribution';
import { measuredDelivery } from '../domain/measurement/funnel';
import type { CampaignStatsStore } from '../ports/campaign-stats-store';
import type { DeliveryLedger } from '../ports/delivery-ledger';
import * as z from '../zod';

// One Orders stream record → campaign attribution (the rule is in domain/measurement/attribution.ts):
//   a new active order → the customer's ledger (one query) → the row whose window holds the order,
//     if any → attributed once, in the reporting currency;
//   an order that becomes cancelled → its attribution taken back out exactly (or, never attributed,
//     marked so that a late or replayed placement attributes nothing);
//   anything else (a re-written order, a removal) → nothing.

export interface AttributionDeps {
  ledger: Pick<DeliveryLedger, 'history'>;
  stats: Pick<CampaignStatsStore, 'attribute' | 'takeBack'>;
  campaigns: readonly Pick<Campaign, 'id' | 'attributionDays'>[];
  /** The operator's default time zone (the day a delivery counts in). */
  timeZone: string;
}

/** The part of a stored order attribution reads. */
export const OrderImageSchema = z.object({
  customerId: z.string().check(z.minLength(1)),
  orderId: z.string().check(z.minLength(1)),
  orderedAt: z.iso.datetime({ offset: true }),
  reportingAmount: z.number().check(z.gte(0)),
  status: z.enum(['placed', 'cancelled']),
  cancelledAt: z.optional(z.string()),
});

export interface OrderChange {
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  /** When the change was stored (a cancellation without its own time). */
  at: Date;
}

export type AttributionOutcome =
  | { status: 'attributed'; campaignId: string; deliveryKey: string }
  | { status: 'no_delivery_in_window' }
  | { status: 'taken_back' | 'not_attributed' | 'already_done' | 'ignored' };

export async function attributeOrder(
  deps: AttributionDeps,
  change: OrderChange,
): Promise<AttributionOutcome> {
  if (!change.after) return { status: 'ignored' };
  const after = OrderImageSchema.parse(change.after);
  const wasStatus = typeof change.before?.status === 'string' ? change.before.status : undefined;
  if (after.status === 'cancelled') {
    if (wasStatus === 'cancelled') return { status: 'ignored' };
    return { status: await deps.stats.takeBack(after.orderId, after.cancelledAt ?? change.at.toISOString()) };
  }
  if (wasStatus === 'placed') return { status: 'ignored' };
  const days = new Map(deps.campaigns.map((c) => [c.id, c.attributionDays]));
  const rows = await deps.ledger.history(after.customerId);
  const row = attributedRow(rows, after.orderedAt, (campaignId) => days.get(campaignId));
  if (!row) return { status: 'no_delivery_in_window' };
  const result = await deps.stats.attribute(
    {
      orderId: after.orderId,
      customerId: after.customerId,
      orderedAt: after.orderedAt,
      amount: after.reportingAmount,
    },
    measuredDelivery(row, deps.timeZone),
  );
  return result === 'attributed'
    ? { status: 'attributed', campaignId: row.campaignId, deliveryKey: row.deliveryKey }
    : { status: 'already_done' };
}
