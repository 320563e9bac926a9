import * as z from '../zod';
import { calendarDaysBetween, type ProfileMetrics } from './profile-metrics';
import { quantile } from './value-tier';

// RFM: recency, frequency and monetary value, each scored 1..5 by quintile against all buyers,
// then named by the R × FM grid. The nightly model job computes the cut points from every
// profile; scoring a customer then needs only the four cut points per dimension.

/** The segment names, the one spelling used by the API, dashboard, rule segments and campaigns. */
export const RFM_SEGMENTS = [
  'Champions',
  'Loyal',
  'Potential Loyalist',
  'New',
  'Promising',
  'Need Attention',
  'About to Sleep',
  'At Risk',
  "Can't Lose",
  'Hibernating',
  'Lost',
] as const;
export const RfmSegmentNameSchema = z.enum(RFM_SEGMENTS);
export type RfmSegmentName = z.infer<typeof RfmSegmentNameSchema>;

/** Below this many buyers there is no one to rank against: a quintile of four people is noise. */
export const MIN_RFM_POPULATION = 5;

export const RfmScoreValueSchema = z.literal([1, 2, 3, 4, 5]);
export type RfmScoreValue = z.infer<typeof RfmScoreValueSchema>;

export const RfmScoreSchema = z.object({
  r: RfmScoreValueSchema,
  f: RfmScoreValueSchema,
  m: RfmScoreValueSchema,
});
export type RfmScore = z.infer<typeof RfmScoreSchema>;

export const RfmValuesSchema = z.object({
  /** Days since the last order (UTC calendar days). */
  recencyDays: z.number().check(z.nonnegative()),
  /** Number of orders. */
  frequency: z.number().check(z.nonnegative()),
  /** Total spend in the reporting currency. */
  monetary: z.number(),
});
export type RfmValues = z.infer<typeof RfmValuesSchema>;

/** The 20th, 40th, 60th and 80th percentiles, non-decreasing. */
const CutPointsSchema = z
  .tuple([z.number(), z.number(), z.number(), z.number()])
  .check(
    z.refine(
      (cuts) => cuts.every((c, i) => i === 0 || cuts[i - 1]! <= c),
      'cut points must be non-decreasing',
    ),
  );

export const RfmThresholdsSchema = z.object({
  recencyDays: CutPointsSchema,
  frequency: CutPointsSchema,
  monetary: CutPointsSchema,
  /** Buyers the cut points were computed from. */
  population: z.int().check(z.gte(MIN_RFM_POPULATION)),
});
export type RfmThresholds = z.infer<typeof RfmThresholdsSchema>;

const QUINTILE_CUTS = [0.2, 0.4, 0.6, 0.8] as const;

/**
 * Quintile cut points over the customers who have ordered (prospects have no recency to rank).
 * Null with fewer than MIN_RFM_POPULATION buyers: the caller keeps the customers unscored.
 */
export function computeRfmThresholds(customers: readonly RfmValues[]): RfmThresholds | null {
  const buyers = customers.filter((c) => c.frequency >= 1);
  if (buyers.length < MIN_RFM_POPULATION) return null;
  const cuts = (values: number[]) =>
    QUINTILE_CUTS.map((p) => quantile(values, p)!) as RfmThresholds['frequency'];
  return {
    recencyDays: cuts(buyers.map((c) => c.recencyDays)),
    frequency: cuts(buyers.map((c) => c.frequency)),
    monetary: cuts(buyers.map((c) => c.monetary)),
    population: buyers.length,
  };
}

/**
 * Scores 1..5. The bands are the value intervals (…, c1], (c1, c2], …, (c4, …): a customer moves to
 * the next band only by being strictly past a cut point, so identical customers always score the
 * same. For frequency and monetary more is better; for recency fewer days is better, so the band
 * order is reversed. Ties pile up at the floor of each scale (many one-order customers; many who
 * bought in the same recent days), and this puts them where they belong: one-order customers at
 * F1 even when they are 60% of buyers, yesterday's buyers at R5.
 */
export function scoreRfm(values: RfmValues, thresholds: RfmThresholds): RfmScore {
  return {
    r: toScore(5 - bandsPassed(values.recencyDays, thresholds.recencyDays)),
    f: toScore(1 + bandsPassed(values.frequency, thresholds.frequency)),
    m: toScore(1 + bandsPassed(values.monetary, thresholds.monetary)),
  };
}

function bandsPassed(value: number, cuts: readonly number[]): number {
  return cuts.filter((cut) => value > cut).length;
}

function toScore(n: number): RfmScoreValue {
  return RfmScoreValueSchema.parse(n);
}

/**
 * The FM axis: the mean of F and M, rounded down, so a customer reaches a column only when
 * frequency and spend together earn it (F5 M4 is column 4, not 5).
 */
export function fmScore(score: Pick<RfmScore, 'f' | 'm'>): RfmScoreValue {
  return toScore(Math.floor((score.f + score.m) / 2));
}

// The R × FM grid (the 5×5 "RFM segments" chart behind Klaviyo/Putler-style RFM tools), with
// Lost split from Hibernating on the bottom row. Every cell holds exactly one segment:
//
//   R \ FM |      1          2                    3                    4           5
//   -------+----------------------------------------------------------------------------------
//     5    | New            Potential Loyalist   Potential Loyalist   Champions   Champions
//     4    | Promising      Potential Loyalist   Potential Loyalist   Loyal       Loyal
//     3    | About to Sleep About to Sleep       Need Attention       Loyal       Loyal
//     2    | Hibernating    Hibernating          At Risk              At Risk     Can't Lose
//     1    | Lost           Lost                 At Risk              At Risk     Can't Lose
//
// Read it as: recent and valuable (top right) → reward; valuable but gone quiet (bottom right)
// → win back, hardest for the best ("Can't Lose"); recent but not yet valuable (top left) →
// nurture; neither (bottom left) → low-cost reactivation or let go.
type GridRow = readonly [RfmSegmentName, RfmSegmentName, RfmSegmentName, RfmSegmentName, RfmSegmentName];
const GRID: Readonly<Record<RfmScoreValue, GridRow>> = {
  5: ['New', 'Potential Loyalist', 'Potential Loyalist', 'Champions', 'Champions'],
  4: ['Promising', 'Potential Loyalist', 'Potential Loyalist', 'Loyal', 'Loyal'],
  3: ['About to Sleep', 'About to Sleep', 'Need Attention', 'Loyal', 'Loyal'],
  2: ['Hibernating', 'Hibernating', 'At Risk', 'At Risk', "Can't Lose"],
  1: ['Lost', 'Lost', 'At Risk', 'At Risk', "Can't Lose"],
};

export function rfmSegment(score: RfmScore): RfmSegmentName {
  return GRID[score.r][fmScore(score) - 1]!;
}

/** Scores and names a customer in one step. */
export function classifyRfm(
  values: RfmValues,
  thresholds: RfmThresholds,
): { score: RfmScore; segment: RfmSegmentName } {
  const score = scoreRfm(values, thresholds);
  return { score, segment: rfmSegment(score) };
}

/** The RFM inputs from stored metrics as of an instant; null for a customer with no orders. */
export function rfmValuesFromMetrics(
  metrics: Pick<ProfileMetrics, 'orderCount' | 'totalSpend' | 'lastOrderAt'>,
  asOf: string,
): RfmValues | null {
  if (metrics.lastOrderAt === null || metrics.orderCount === 0) return null;
  return {
    recencyDays: Math.max(0, calendarDaysBetween(metrics.lastOrderAt, asOf)),
    frequency: metrics.orderCount,
    monetary: metrics.totalSpend,
  };
}
