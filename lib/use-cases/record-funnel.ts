import { DeliverySchema, DeliveryStatusSchema } from '../domain/campaigns/delivery';
import type { FunnelStage } from '../domain/measurement/campaign-stats';
import { measuredDelivery, newlyReached } from '../domain/measurement/funnel';
import type { CampaignStatsStore } from '../ports/campaign-stats-store';
import * as z from '../zod';

// One Deliveries stream record → the funnel stages its ledger row newly reached, counted once each
// in the campaign's counters (`all` and the day of plannedAt, in the operator's time zone). Replays,
// duplicates and out-of-order records count nothing twice: the store keeps the stages counted.

export interface FunnelDeps {
  stats: Pick<CampaignStatsStore, 'countStages'>;
  /** The operator's default time zone (the day a delivery counts in). */
  timeZone: string;
}

/** The old image read leniently: only what tells the stages it had reached. */
const BeforeSchema = z.object({
  status: DeliveryStatusSchema,
  unsubscribedAt: z.optional(z.string()),
});

export interface DeliveryChange {
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

export type FunnelOutcome =
  | { status: 'counted'; stages: FunnelStage[] }
  | { status: 'unchanged' }
  /** A removed row (erasure): what it counted stays counted (anonymous aggregates). */
  | { status: 'removed' };

export async function recordFunnel(deps: FunnelDeps, change: DeliveryChange): Promise<FunnelOutcome> {
  if (!change.after) return { status: 'removed' };
  const after = DeliverySchema.parse(change.after);
  const before = change.before ? BeforeSchema.parse(change.before) : undefined;
  const stages = newlyReached(before, after);
  if (stages.length === 0) return { status: 'unchanged' };
  const counted = await deps.stats.countStages(measuredDelivery(after, deps.timeZone), stages);
  return counted.length > 0 ? { status: 'counted', stages: counted } : { status: 'unchanged' };
}
