import * as z from '../zod';
import { calendarDaysBetween, type ProfileMetrics } from './profile-metrics';

// Lifecycle stage: where a customer is in their relationship with the shop, from signup to
// gone. It drives the welcome, win-back ("the day after they become at risk") and lapsed flows.
//
// Checked in this order; the first that applies wins:
//   prospect  no orders yet (a confirmed signup who has not bought: welcome, first-purchase offer)
//   new       one purchase day, and it was within `newWithinDays`: the model knows nothing yet
//             about a one-time buyer (P(alive) is 1 by construction), so its opinion is not asked
//   lapsed    no order for more than `lapsedAfterDays`, or P(alive) below `lapsedPAlive`
//   at_risk   P(alive) below `atRiskPAlive`; or overdue: more than `overdueFactor` × their usual
//             gap (median inter-purchase days) since the last order; or, for one-time buyers with
//             no usual gap, no second order within `atRiskAfterDays`. Never within
//             `atRiskMinDays` of an order, so a daily buyer taking a week off is not "at risk".
//   active    everyone else
// P(alive) is null until the LTV model has been fitted; the recency rules then decide alone.

export const LIFECYCLE_STAGES = ['prospect', 'new', 'active', 'at_risk', 'lapsed'] as const;
export const LifecycleStageSchema = z.enum(LIFECYCLE_STAGES);
export type LifecycleStage = z.infer<typeof LifecycleStageSchema>;

export const LifecycleConfigSchema = z
  .object({
    newWithinDays: z._default(z.int().check(z.positive()), 30),
    atRiskPAlive: z._default(z.number().check(z.gte(0), z.lte(1)), 0.5),
    lapsedPAlive: z._default(z.number().check(z.gte(0), z.lte(1)), 0.2),
    overdueFactor: z._default(z.number().check(z.gte(1)), 2),
    atRiskAfterDays: z._default(z.int().check(z.positive()), 90),
    atRiskMinDays: z._default(z.int().check(z.nonnegative()), 30),
    lapsedAfterDays: z._default(z.int().check(z.positive()), 365),
  })
  .check(
    z.refine((c) => c.lapsedPAlive <= c.atRiskPAlive, {
      message: 'lapsedPAlive must not exceed atRiskPAlive',
      path: ['lapsedPAlive'],
    }),
    z.refine((c) => c.atRiskAfterDays <= c.lapsedAfterDays && c.atRiskMinDays <= c.lapsedAfterDays, {
      message: 'a customer must be able to be at risk before lapsing',
      path: ['lapsedAfterDays'],
    }),
  );
export type LifecycleConfig = z.infer<typeof LifecycleConfigSchema>;

export const DEFAULT_LIFECYCLE_CONFIG: LifecycleConfig = LifecycleConfigSchema.parse({});

export const LIFECYCLE_REASONS = [
  'no_orders',
  'first_purchase_recent',
  'no_order_within_lapsed_days',
  'p_alive_below_lapsed',
  'p_alive_below_at_risk',
  'overdue_for_usual_cycle',
  'no_repeat_within_at_risk_days',
  'buying_as_usual',
] as const;
export type LifecycleReason = (typeof LIFECYCLE_REASONS)[number];

export interface LifecycleAssessment {
  stage: LifecycleStage;
  /** Why, for the dashboard and for debugging a campaign that did or did not fire. */
  reason: LifecycleReason;
}

export type LifecycleInput = Pick<
  ProfileMetrics,
  'orderCount' | 'repeatOrderCount' | 'firstOrderAt' | 'lastOrderAt' | 'medianInterPurchaseDays'
> & {
  /** Probability the customer is still active, from the LTV model; null before the first fit. */
  pAlive: number | null;
};

export function lifecycleStage(
  customer: LifecycleInput,
  asOf: string,
  config: LifecycleConfig = DEFAULT_LIFECYCLE_CONFIG,
): LifecycleAssessment {
  const { firstOrderAt, lastOrderAt, pAlive } = customer;
  if (customer.orderCount === 0 || firstOrderAt === null || lastOrderAt === null) {
    return { stage: 'prospect', reason: 'no_orders' };
  }
  const recencyDays = Math.max(0, calendarDaysBetween(lastOrderAt, asOf));
  const tenureDays = Math.max(0, calendarDaysBetween(firstOrderAt, asOf));

  // Same-day baskets are one purchase day, so a customer who split one order in two is still new.
  if (customer.repeatOrderCount === 0 && tenureDays <= config.newWithinDays) {
    return { stage: 'new', reason: 'first_purchase_recent' };
  }
  if (recencyDays > config.lapsedAfterDays) return { stage: 'lapsed', reason: 'no_order_within_lapsed_days' };
  if (pAlive !== null && pAlive < config.lapsedPAlive)
    return { stage: 'lapsed', reason: 'p_alive_below_lapsed' };
  if (pAlive !== null && pAlive < config.atRiskPAlive)
    return { stage: 'at_risk', reason: 'p_alive_below_at_risk' };

  if (recencyDays > config.atRiskMinDays) {
    const usualGap = customer.medianInterPurchaseDays;
    if (usualGap !== null && recencyDays > config.overdueFactor * usualGap) {
      return { stage: 'at_risk', reason: 'overdue_for_usual_cycle' };
    }
    if (usualGap === null && recencyDays > config.atRiskAfterDays) {
      return { stage: 'at_risk', reason: 'no_repeat_within_at_risk_days' };
    }
  }
  return { stage: 'active', reason: 'buying_as_usual' };
}
