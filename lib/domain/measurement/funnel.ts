import type { Delivery, DeliveryStatus } from '../campaigns/delivery';
import { localDate } from '../zoned-time';
import {
  type CampaignCounters,
  FUNNEL_STAGES,
  type FunnelStage,
  type MeasurementGroup,
  SKIP_REASON_KEY,
  statsKeys,
} from './campaign-stats';

// The campaign funnel, from the Deliveries ledger: a row is in the audience from the moment it is
// claimed, and reaches stages as its status moves on. A stronger status implies the weaker ones
// (a click was opened, delivered and sent; a complaint was delivered; a bounce was sent), so the
// funnel stays monotone when provider events arrive out of order or skip a step. Each stage is
// counted once per row (the stream consumer keeps the stages already counted beside the counters).

/** The stages a status stands for, the weaker ones included. */
const STATUS_STAGES: Record<DeliveryStatus, readonly FunnelStage[]> = {
  queued: [],
  held_out: [],
  // `unknown`: the provider may or may not have taken it; counted once feedback says more.
  unknown: [],
  skipped: ['skipped'],
  failed: ['failed'],
  sent: ['sent'],
  bounced: ['sent', 'bounced'],
  delivered: ['sent', 'delivered'],
  complained: ['sent', 'delivered', 'complained'],
  opened: ['sent', 'delivered', 'opened'],
  clicked: ['sent', 'delivered', 'opened', 'clicked'],
};

/** The part of a ledger row the funnel looks at. */
export type FunnelRow = Pick<Delivery, 'status'> & Partial<Pick<Delivery, 'unsubscribedAt'>>;

/** Every stage a ledger row has reached (in FUNNEL_STAGES order). */
export function reachedStages(row: FunnelRow): FunnelStage[] {
  const reached = new Set<FunnelStage>(['audience', ...STATUS_STAGES[row.status]]);
  if (row.unsubscribedAt !== undefined) reached.add('unsubscribed');
  return FUNNEL_STAGES.filter((stage) => reached.has(stage));
}

/**
 * The stages a row newly reached between its old and new image (a stream record): `audience` on
 * insert, then whatever the new status implies that the old one did not.
 */
export function newlyReached(before: FunnelRow | undefined, after: FunnelRow): FunnelStage[] {
  const had = new Set(before ? reachedStages(before) : []);
  return reachedStages(after).filter((stage) => !had.has(stage));
}

/** Holdout rows are the control group; every other claimed row is treated (intent to treat). */
export const groupOf = (row: Pick<Delivery, 'status'>): MeasurementGroup =>
  row.status === 'held_out' ? 'holdout' : 'treated';

/**
 * The counters periods a delivery counts in: all time, and the day of its `plannedAt` in the
 * operator's default time zone (a week is the sum of its days).
 */
export function periodsOf(plannedAt: string, timeZone: string): [string, string] {
  const day = localDate(Date.parse(plannedAt), timeZone);
  if (day === undefined)
    throw new RangeError(`not an instant in a known time zone: ${plannedAt} (${timeZone})`);
  return [statsKeys.allPeriod, statsKeys.dayPeriod(day)];
}

/** What measurement needs to know about a ledger row, whatever its later status. */
export interface MeasuredDelivery {
  customerId: string;
  deliveryKey: string;
  campaignId: string;
  group: MeasurementGroup;
  /** `all`, `day#YYYY-MM-DD` and, for a versioned campaign's row, `version#<N>`. */
  periods: readonly string[];
  channel: Delivery['channel'];
  vip: boolean;
  /** ISO region of an SMS destination (`ZZ` when unknown). */
  country?: string;
  /** Why a skipped row was skipped (its ledger `reason`). */
  reason?: string;
}

export function measuredDelivery(row: Delivery, timeZone: string): MeasuredDelivery {
  return {
    customerId: row.customerId,
    deliveryKey: row.deliveryKey,
    campaignId: row.campaignId,
    group: groupOf(row),
    // A row claimed with a campaign version is also counted in that version's all-time row.
    periods: [
      ...periodsOf(row.plannedAt, timeZone),
      ...(row.campaignVersion !== undefined ? [statsKeys.versionPeriod(row.campaignVersion)] : []),
    ],
    channel: row.channel,
    vip: row.valueTier === 'vip',
    ...(row.country !== undefined && { country: row.country }),
    ...(row.status === 'skipped' && row.reason !== undefined && { reason: row.reason }),
  };
}

/** The numeric counters of a counters row (everything but the per-country SMS and per-reason skip maps). */
export type CounterName = Exclude<keyof CampaignCounters, 'sentSmsByCountry' | 'skippedByReason'>;

/** What to add to each counters row (`all` and the day) of one delivery's campaign and group. */
export interface CounterChange {
  add: Partial<Record<CounterName, number>>;
  /** One more SMS sent to this country (the `sentSmsByCountry` map). */
  smsCountry?: string;
  /** One more message skipped for this reason (the `skippedByReason` map). */
  skipReason?: string;
}

const REGION = /^[A-Z]{2}$/;

/** The counter increments for stages newly counted on one delivery. */
export function funnelChange(delivery: MeasuredDelivery, stages: readonly FunnelStage[]): CounterChange {
  const add: Partial<Record<CounterName, number>> = {};
  for (const stage of stages) add[stage] = 1;
  if (stages.includes('audience') && delivery.vip) add.audienceVip = 1;
  if (stages.includes('skipped')) {
    const reason = delivery.reason && SKIP_REASON_KEY.test(delivery.reason) ? delivery.reason : 'other';
    return { add, skipReason: reason };
  }
  if (!stages.includes('sent')) return { add };
  if (delivery.channel === 'email') return { add: { ...add, sentEmail: 1 } };
  const country = delivery.country && REGION.test(delivery.country) ? delivery.country : 'ZZ';
  return { add, smsCountry: country };
}
