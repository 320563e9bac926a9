import type { CampaignCounters, FunnelStage, MeasurementGroup } from '../domain/measurement/campaign-stats';
import type { MeasuredDelivery } from '../domain/measurement/funnel';

/** An order as attribution sees it (amount in the reporting currency). */
export interface MeasuredOrder {
  orderId: string;
  customerId: string;
  orderedAt: string;
  amount: number;
}

export type AttributeResult = 'attributed' | 'already_done';
export type TakeBackResult = 'taken_back' | 'not_attributed' | 'already_done';

/**
 * The CampaignStats table (layout in domain/measurement/campaign-stats.ts), written exactly once per
 * fact under at-least-once streams: every counter change is one transaction with a conditional
 * write on the fact's marker (the delivery's counted stages, the order's attribution), so a replayed,
 * duplicated or racing record changes nothing.
 */
export interface CampaignStatsStore {
  /**
   * Counts each of `stages` for the delivery unless already counted; returns the stages counted now.
   */
  countStages(delivery: MeasuredDelivery, stages: readonly FunnelStage[]): Promise<FunnelStage[]>;
  /** Attributes the order to the delivery, unless the order was already attributed or cancelled. */
  attribute(order: MeasuredOrder, delivery: MeasuredDelivery): Promise<AttributeResult>;
  /**
   * Takes a cancelled order's attribution back out exactly; an order never attributed is marked so
   * that a late (or replayed) arrival of its placement attributes nothing.
   */
  takeBack(orderId: string, cancelledAt: string): Promise<TakeBackResult>;
  /** One counters row (zeros when nothing was counted yet). */
  counters(campaignId: string, period: string, group: MeasurementGroup): Promise<CampaignCounters>;
}

/** A transaction kept losing races (each retry re-reads): the stream retries the record. */
export class StatsContentionError extends Error {
  override readonly name = 'StatsContentionError';
  readonly code = 'stats_contention';
}
