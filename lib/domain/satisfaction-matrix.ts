import * as z from '../zod';
import { quantile } from './value-tier';

// The 3×3 matrix of purchase volume × satisfaction, each cell with its strategy.
//
// Purchase volume is the customer's total spend (ProfileMetrics.totalSpend): the matrix asks how
// much business is at stake with a happy or unhappy customer, and frequency already has its own
// lens in RFM. High/medium/low are population terciles of buyers' spend, computed nightly, or
// fixed amounts from config.
//
// Satisfaction is the mean survey score on the 1–5 scale: high ≥ 4, medium 3 ≤ s < 4, low < 3.
// A customer who never answered is 'unknown' and gets no cell: silence is not dissatisfaction,
// and sending a "we'll make it right" message to someone who never complained is a mistake.
//
// The strategies. The satisfaction column decides whether something must be fixed first; the
// volume row decides how personal the effort can afford to be.
//
//   volume \ satisfaction |  high                 medium                low
//   ----------------------+---------------------------------------------------------
//   high                  |  one-to-one           one-to-one            correct
//   medium                |  retailer × partner   retailer × partner    correct
//   low                   |  one-to-many          improve               improve
//
// - one-to-one: the best customers, content or neutral: personal care, VIP treatment, a name to
//   call. For the neutral ones that attention is what turns them into fans.
// - retailer × partner: mid-volume customers worth growing but not worth individual service:
//   grow them through the shop's partners and programmes (loyalty tiers, referrals, bundles
//   with partner brands, in-store events).
// - one-to-many: happy but small: automated, personalised messages at scale to grow them.
// - correct: unhappy customers who still buy a meaningful amount: fix their problem, for them,
//   now (service recovery, a replacement, a call). Losing them costs real revenue.
// - improve: small customers who are unhappy or lukewarm: more messages will not move them and
//   one-by-one recovery does not pay; improve the product, delivery or onboarding for all.

export const VOLUME_LEVELS = ['high', 'medium', 'low'] as const;
export const VolumeLevelSchema = z.enum(VOLUME_LEVELS);
export type VolumeLevel = z.infer<typeof VolumeLevelSchema>;

export const SATISFACTION_LEVELS = ['high', 'medium', 'low'] as const;
export const SatisfactionLevelSchema = z.enum(SATISFACTION_LEVELS);
export type SatisfactionLevel = z.infer<typeof SatisfactionLevelSchema>;

export const MATRIX_STRATEGIES = [
  'one-to-one',
  'one-to-many',
  'retailer-partner',
  'improve',
  'correct',
] as const;
export const MatrixStrategySchema = z.enum(MATRIX_STRATEGIES);
export type MatrixStrategy = z.infer<typeof MatrixStrategySchema>;

/** Display labels, in the source material's words. */
export const MATRIX_STRATEGY_LABELS: Readonly<Record<MatrixStrategy, string>> = {
  'one-to-one': 'one-to-one',
  'one-to-many': 'one-to-many',
  'retailer-partner': 'retailer × partner',
  improve: 'improve',
  correct: 'correct',
};

export const SATISFACTION_MATRIX: Readonly<
  Record<VolumeLevel, Readonly<Record<SatisfactionLevel, MatrixStrategy>>>
> = {
  high: { high: 'one-to-one', medium: 'one-to-one', low: 'correct' },
  medium: { high: 'retailer-partner', medium: 'retailer-partner', low: 'correct' },
  low: { high: 'one-to-many', medium: 'improve', low: 'improve' },
};

/** Spend strictly above `highAbove` is high volume, above `mediumAbove` medium, the rest low. */
export const VolumeThresholdsSchema = z
  .object({ mediumAbove: z.number().check(z.nonnegative()), highAbove: z.number().check(z.nonnegative()) })
  .check(
    z.refine((t) => t.mediumAbove <= t.highAbove, {
      message: 'mediumAbove must not exceed highAbove',
      path: ['highAbove'],
    }),
  );
export type VolumeThresholds = z.infer<typeof VolumeThresholdsSchema>;

export interface MatrixCell {
  volume: VolumeLevel;
  satisfaction: SatisfactionLevel;
  strategy: MatrixStrategy;
}

export type MatrixPlacement =
  | { volume: VolumeLevel; satisfaction: SatisfactionLevel; cell: MatrixCell }
  | { volume: VolumeLevel; satisfaction: 'unknown'; cell: null; reason: 'no_survey_answer' };

const HIGH_SATISFACTION_MIN = 4;
const MEDIUM_SATISFACTION_MIN = 3;

/**
 * Terciles of buyers' spend (customers with no spend are excluded, as they would drag the cuts
 * to zero). Null with fewer than three buyers: the caller uses configured thresholds instead.
 */
export function computeVolumeThresholds(volumes: readonly number[]): VolumeThresholds | null {
  const buyers = volumes.filter((v) => v > 0);
  if (buyers.length < 3) return null;
  return { mediumAbove: quantile(buyers, 1 / 3)!, highAbove: quantile(buyers, 2 / 3)! };
}

/** Strictly above a cut, like RFM: customers tied on the cut share the lower level, zero is low. */
export function volumeLevel(purchaseVolume: number, thresholds: VolumeThresholds): VolumeLevel {
  if (purchaseVolume > thresholds.highAbove) return 'high';
  if (purchaseVolume > thresholds.mediumAbove) return 'medium';
  return 'low';
}

/** The mean of a customer's survey scores; null when they never answered. */
export function meanSatisfaction(scores: readonly number[]): number | null {
  if (scores.length === 0) return null;
  return Math.round((scores.reduce((sum, s) => sum + s, 0) / scores.length) * 100) / 100;
}

export function satisfactionLevel(meanScore: number | null | undefined): SatisfactionLevel | 'unknown' {
  if (meanScore === null || meanScore === undefined) return 'unknown';
  if (!Number.isFinite(meanScore))
    throw new RangeError(`satisfaction score must be finite, got ${meanScore}`);
  if (meanScore >= HIGH_SATISFACTION_MIN) return 'high';
  if (meanScore >= MEDIUM_SATISFACTION_MIN) return 'medium';
  return 'low';
}

export function placeInMatrix(
  customer: { purchaseVolume: number; satisfactionScore: number | null | undefined },
  thresholds: VolumeThresholds,
): MatrixPlacement {
  const volume = volumeLevel(customer.purchaseVolume, thresholds);
  const satisfaction = satisfactionLevel(customer.satisfactionScore);
  if (satisfaction === 'unknown') return { volume, satisfaction, cell: null, reason: 'no_survey_answer' };
  return {
    volume,
    satisfaction,
    cell: { volume, satisfaction, strategy: SATISFACTION_MATRIX[volume][satisfaction] },
  };
}
