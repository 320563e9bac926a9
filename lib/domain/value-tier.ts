import * as z from '../zod';

// The 80/20 rule: a minority of customers brings most of the value. Precis names the top 20% by
// predicted lifetime value the VIP tier and reports the share of value they hold.
//
// Two tiers, not three: the rule is about the vital few versus the many, and the low end is
// already covered by the other lenses (RFM's Lost/Hibernating, lifecycle 'lapsed', low volume in
// the satisfaction matrix). A 'low' tier would be a fourth name for the same people.

/** Share of customers in the VIP tier. */
export const VIP_SHARE = 0.2;

export const VALUE_TIERS = ['vip', 'standard'] as const;
export const ValueTierSchema = z.enum(VALUE_TIERS);
export type ValueTier = z.infer<typeof ValueTierSchema>;

/** Computed nightly from every customer's predicted value; stored with the model version. */
export const ValueThresholdsSchema = z.object({
  /** The 80th percentile of value: at or above it (and above zero) is VIP. */
  vipMin: z.number(),
  vipShare: z.number().check(z.gt(0), z.lt(1)),
  /** Customers the thresholds were computed from. */
  population: z.int().check(z.positive()),
  /** Share of total value held by the top `vipShare` of customers (0.8 in the textbook case). */
  vipValueShare: z.nullable(z.number().check(z.gte(0), z.lte(1))),
});
export type ValueThresholds = z.infer<typeof ValueThresholdsSchema>;

export interface ParetoPoint {
  /** Share of customers, from the most valuable down: 0..1. */
  customerShare: number;
  /** Share of total value those customers hold: 0..1. */
  revenueShare: number;
}

/**
 * The p-quantile (0..1) with linear interpolation between order statistics (Hyndman & Fan type 7,
 * the default of R, NumPy and Excel's PERCENTILE.INC). Null for no values.
 */
export function quantile(values: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile p must be within 0..1, got ${p}`);
  const sorted = sortedFinite(values, 'asc');
  if (sorted.length === 0) return null;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const below = sorted[lo]!;
  const above = sorted[Math.min(lo + 1, sorted.length - 1)]!;
  // 12 significant digits drop interpolation noise (71.99999999999999 → 72), which would otherwise
  // put a customer whose value is exactly the percentile on the wrong side of it.
  return Number((below + (h - lo) * (above - below)).toPrecision(12));
}

/** Null when there are no customers to rank: keep the previous thresholds. */
export function computeValueThresholds(values: readonly number[]): ValueThresholds | null {
  const vipMin = quantile(values, 1 - VIP_SHARE);
  if (vipMin === null) return null;
  return {
    vipMin,
    vipShare: VIP_SHARE,
    population: values.length,
    vipValueShare: topShare(values, VIP_SHARE),
  };
}

/**
 * 'vip' at or above the 80th percentile. Ties at the cut are all VIP (identical customers get the
 * same treatment), so the tier can be slightly over 20%; a value of zero is never VIP, so a
 * population of mostly non-buyers does not make everyone a VIP.
 */
export function valueTier(value: number, thresholds: Pick<ValueThresholds, 'vipMin'>): ValueTier {
  return value > 0 && value >= thresholds.vipMin ? 'vip' : 'standard';
}

/**
 * The share of total value held by the top `share` of customers, counting fractional customers
 * pro rata (so it is the Pareto curve read at `share`). 10 customers of whom two bring 80% of
 * revenue: topShare(values, 0.2) = 0.8. Negative values count as zero. Null when the total is 0.
 */
export function topShare(values: readonly number[], share = VIP_SHARE): number | null {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`share must be within 0..1, got ${share}`);
  const cumulative = paretoCumulative(values);
  return cumulative === null ? null : cumulative.shareHeldBy(share);
}

/**
 * The Pareto (concentration) curve for the dashboard: `points + 1` points from (0, 0) to (1, 1),
 * customers ranked by value, most valuable first. Empty when the total value is 0.
 */
export function paretoCurve(values: readonly number[], points = 100): ParetoPoint[] {
  if (!Number.isInteger(points) || points < 1) throw new RangeError(`points must be a positive integer`);
  const cumulative = paretoCumulative(values);
  if (cumulative === null) return [];
  return Array.from({ length: points + 1 }, (_, i) => {
    const customerShare = i / points;
    return { customerShare, revenueShare: cumulative.shareHeldBy(customerShare) };
  });
}

function paretoCumulative(values: readonly number[]): { shareHeldBy(share: number): number } | null {
  const descending = sortedFinite(values, 'desc').map((v) => Math.max(0, v));
  // prefix[k] = value held by the top k customers.
  const prefix = [0];
  for (const v of descending) prefix.push(prefix[prefix.length - 1]! + v);
  const total = prefix[prefix.length - 1]!;
  if (total <= 0) return null;
  return {
    shareHeldBy(share: number): number {
      const k = share * descending.length;
      const whole = Math.floor(k);
      const partial = whole < descending.length ? (k - whole) * descending[whole]! : 0;
      return Math.min(1, (prefix[whole]! + partial) / total);
    },
  };
}

function sortedFinite(values: readonly number[], direction: 'asc' | 'desc'): number[] {
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`values must be finite, got ${v}`);
  return [...values].sort(direction === 'asc' ? (a, b) => a - b : (a, b) => b - a);
}
