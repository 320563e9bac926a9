import * as z from '../../zod';
import { stableShard } from '../shards';

// Campaign measurement, pre-aggregated. The CampaignStats table holds, per campaign, one counters
// row per group and period; the Deliveries stream (funnel stages) and the Orders stream
// (attribution) keep them current, so a report reads a handful of rows whatever the number of
// customers. Both groups are counted the same way: the treated group is every claimed occasion
// that was meant to be sent (intent to treat: a row later skipped or failed stays in it), the
// holdout group every `held_out` row.
//
// Keys (pk, sk are the table's generic key attributes):
//   counters     pk `campaign#<campaignId>`  sk `<period>#<group>`
//                period `all` or `day#YYYY-MM-DD` (the delivery's plannedAt, in the operator's
//                default time zone); a week is the sum of its seven days (ISO week, Monday first);
//                `version#<N>`: all time for the rows claimed with campaign version N.
//   measurement  pk `delivery#<customerId>#<deliveryKey>`  sk `measure`
//                per ledger row: the stages already counted and its attributed orders/revenue, so
//                replays count nothing twice (each counter update is one transaction with it).
//   attribution  pk `order#<orderId>`  sk `attribution`
//                which delivery an order was attributed to (each order at most once; a
//                cancellation takes exactly this back out).

/** A skip reason as a counters map key (a lower-case code; anything else counts as `other`). */
export const SKIP_REASON_KEY = /^[a-z][a-z_]{0,39}$/;

export const MEASUREMENT_GROUPS = ['treated', 'holdout'] as const;
export type MeasurementGroup = (typeof MEASUREMENT_GROUPS)[number];

/**
 * Funnel stages, each counted once per delivery when its ledger row first reaches it. A stronger
 * status implies the weaker ones (a click was opened, delivered and sent), so the funnel is monotone
 * even when provider events arrive out of order or skip a step.
 */
export const FUNNEL_STAGES = [
  'audience',
  'skipped',
  'failed',
  'sent',
  'delivered',
  'bounced',
  'complained',
  'opened',
  'clicked',
  'unsubscribed',
] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

const count = z._default(z.number().check(z.int(), z.gte(0)), 0);
const amount = z._default(z.number().check(z.gte(0)), 0);

/** One counters row (all amounts in the reporting currency). */
export const CampaignCountersSchema = z.object({
  audience: count,
  skipped: count,
  failed: count,
  sent: count,
  delivered: count,
  bounced: count,
  complained: count,
  opened: count,
  clicked: count,
  unsubscribed: count,
  /** Emails accepted by the provider (priced per 1,000). */
  sentEmail: count,
  /** SMS accepted by the provider, per destination country (ISO 3166 alpha-2; priced per country). */
  sentSmsByCountry: z._default(
    z.record(z.string().check(z.regex(/^[A-Z]{2}$|^ZZ$/)), z.number().check(z.int(), z.gte(0))),
    {},
  ),
  /** Skipped messages by the send-time guard's (or the sender's) reason: `frequency_cap`, `left_segment`… */
  skippedByReason: z._default(
    z.record(z.string().check(z.regex(SKIP_REASON_KEY)), z.number().check(z.int(), z.gte(0))),
    {},
  ),
  /** Deliveries with at least one attributed order. */
  conversions: count,
  /** Attributed orders. */
  orders: count,
  revenue: amount,
  /** Σ over deliveries of (that delivery's attributed revenue)²: the variance of revenue per recipient. */
  revenueSquares: amount,
  /** The same, for the members who were VIPs (top 20% by value) when the occasion was claimed. */
  audienceVip: count,
  conversionsVip: count,
  revenueVip: amount,
});
export type CampaignCounters = z.infer<typeof CampaignCountersSchema>;
// Every funnel stage is a counter.
const _stagesAreCounters: Record<FunnelStage, number> = {} as Pick<CampaignCounters, FunnelStage>;

/**
 * Write shards of the counters rows (`counterShards` in the config, default 1). Every funnel stage of a
 * campaign updates its `all#<group>` row, and one partition takes 1,000 writes a second; with shards,
 * a delivery's counts go to shard `stableShard(customerId)` of the campaign — shard 0 under the plain
 * `campaign#<id>` key, shard k under `campaign#<id>#<k>` — and readers sum every shard's rows. Shard 0
 * being the unsharded key, raising the count keeps every row counted so far; never lower it.
 */
export const MAX_COUNTER_SHARDS = 100;

export const statsKeys = {
  counters: (campaignId: string, period: string, group: MeasurementGroup, shard = 0) => ({
    pk: shard > 0 ? `campaign#${campaignId}#${shard}` : `campaign#${campaignId}`,
    sk: `${period}#${group}`,
  }),
  /** The shard a delivery's counts go to. */
  counterShard: (customerId: string, shards: number) => (shards > 1 ? stableShard(customerId, shards) : 0),
  measurement: (customerId: string, deliveryKey: string) => ({
    pk: `delivery#${customerId}#${deliveryKey}`,
    sk: 'measure',
  }),
  attribution: (orderId: string) => ({ pk: `order#${orderId}`, sk: 'attribution' }),
  allPeriod: 'all',
  dayPeriod: (isoDate: string) => `day#${isoDate}`,
  /** All time, for the deliveries claimed with one campaign version (campaigns as data). */
  versionPeriod: (version: number) => `version#${version}`,
} as const;
