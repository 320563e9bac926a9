import { attributionChange } from '../../lib/domain/measurement/attribution';
import {
  type CampaignCounters,
  CampaignCountersSchema,
  type FunnelStage,
  type MeasurementGroup,
  statsKeys,
} from '../../lib/domain/measurement/campaign-stats';
import { type CounterChange, funnelChange, type MeasuredDelivery } from '../../lib/domain/measurement/funnel';
import type {
  AttributeResult,
  CampaignStatsStore,
  MeasuredOrder,
  TakeBackResult,
} from '../../lib/ports/campaign-stats-store';

type Attribution =
  | { state: 'attributed'; amount: number; delivery: MeasuredDelivery }
  | { state: 'cancelled' };

/** CampaignStatsStore in memory, with the same exactly-once semantics (checked by the contract suite). */
export class InMemoryCampaignStatsStore implements CampaignStatsStore {
  private readonly rows = new Map<string, CampaignCounters>();
  private readonly stages = new Map<string, Set<FunnelStage>>();
  private readonly attributed = new Map<string, { orders: number; revenue: number }>();
  private readonly attributions = new Map<string, Attribution>();

  async countStages(delivery: MeasuredDelivery, stages: readonly FunnelStage[]): Promise<FunnelStage[]> {
    const key = this.deliveryKey(delivery);
    const counted = this.stages.get(key) ?? new Set();
    const fresh = [...new Set(stages)].filter((stage) => !counted.has(stage));
    if (fresh.length === 0) return [];
    for (const stage of fresh) counted.add(stage);
    this.stages.set(key, counted);
    this.apply(delivery, funnelChange(delivery, fresh));
    return fresh;
  }

  async attribute(order: MeasuredOrder, delivery: MeasuredDelivery): Promise<AttributeResult> {
    if (this.attributions.has(order.orderId)) return 'already_done';
    const key = this.deliveryKey(delivery);
    const { change, after } = attributionChange(
      this.attributed.get(key) ?? { orders: 0, revenue: 0 },
      order.amount,
      1,
      delivery.vip,
    );
    this.attributions.set(order.orderId, { state: 'attributed', amount: order.amount, delivery });
    this.attributed.set(key, after);
    this.apply(delivery, change);
    return 'attributed';
  }

  async takeBack(orderId: string): Promise<TakeBackResult> {
    const attribution = this.attributions.get(orderId);
    if (!attribution) {
      this.attributions.set(orderId, { state: 'cancelled' });
      return 'not_attributed';
    }
    if (attribution.state === 'cancelled') return 'already_done';
    const { delivery, amount } = attribution;
    const key = this.deliveryKey(delivery);
    const { change, after } = attributionChange(
      this.attributed.get(key) ?? { orders: 0, revenue: 0 },
      amount,
      -1,
      delivery.vip,
    );
    this.attributions.set(orderId, { state: 'cancelled' });
    this.attributed.set(key, after);
    this.apply(delivery, change);
    return 'taken_back';
  }

  async counters(campaignId: string, period: string, group: MeasurementGroup): Promise<CampaignCounters> {
    const row = this.rows.get(this.rowKey(campaignId, period, group));
    return CampaignCountersSchema.parse(row ? structuredClone(row) : {});
  }

  private apply(delivery: MeasuredDelivery, change: CounterChange): void {
    for (const period of delivery.periods) {
      const key = this.rowKey(delivery.campaignId, period, delivery.group);
      const row = this.rows.get(key) ?? CampaignCountersSchema.parse({});
      for (const [counter, amount] of Object.entries(change.add) as [keyof typeof change.add, number][]) {
        // DynamoDB adds decimals exactly; so does this, to 4 places (money² has 4).
        row[counter] = Math.round((row[counter] + amount) * 10_000) / 10_000;
      }
      if (change.smsCountry) {
        row.sentSmsByCountry[change.smsCountry] = (row.sentSmsByCountry[change.smsCountry] ?? 0) + 1;
      }
      if (change.skipReason) {
        row.skippedByReason[change.skipReason] = (row.skippedByReason[change.skipReason] ?? 0) + 1;
      }
      this.rows.set(key, row);
    }
  }

  private deliveryKey(delivery: MeasuredDelivery): string {
    const { pk } = statsKeys.measurement(delivery.customerId, delivery.deliveryKey);
    return pk;
  }

  private rowKey(campaignId: string, period: string, group: MeasurementGroup): string {
    const { pk, sk } = statsKeys.counters(campaignId, period, group);
    return `${pk}\u0000${sk}`;
  }
}
