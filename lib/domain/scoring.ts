import * as z from '../zod';
import type { Customer } from './customer';
import { LifecycleStageSchema, lifecycleStage } from './lifecycle';
import { historicalClv, modelDiscountedClv, modelNextOrderDay, UNITS_PER_MONTH } from './ltv/clv';
import { expectedSpend } from './ltv/gamma-gamma';
import { modelExpectedPurchases, modelPAlive } from './ltv/models';
import { type ProfileMetrics, utcDayNumber, utcDayString } from './profile-metrics';
import { classifyRfm, RfmScoreValueSchema, RfmSegmentNameSchema, rfmValuesFromMetrics } from './rfm';
import { matchRuleSegments, type RuleSegment, segmentChanges } from './rule-segments';
import {
  MatrixStrategySchema,
  placeInMatrix,
  SatisfactionLevelSchema,
  VolumeLevelSchema,
} from './satisfaction-matrix';
import { purchaseModelOf, type ScoringModel } from './scoring-model';
import { ValueTierSchema, valueTier } from './value-tier';

// Lifetime value and segments of one profile, from its stored metrics (incl. metrics.ltvInputs), its
// satisfaction and the current scoring model. Pure and at day granularity: `asOfDay` is a UTC
// 'YYYY-MM-DD', so every computation on the same day with the same model agrees (the orders stream
// writes a score; the profile stream, re-scoring the same image, finds it right and writes nothing).
//
// Time: T = days from ltvInputs.firstPurchaseDay to asOfDay (never less than t_x).
//
// The purchase model is whichever the refit chose (model.purchaseModel: BG/NBD, MBG/NBD,
// Pareto/NBD or an (M)BG/CNBD-k); P(alive), expected orders, CLV and the next-order date all use it.
//
// The expected date of the next order (`nextOrderDate`): the day by which, seen from the day of the
// last purchase, the customer's next purchase is more likely than not, given they are still alive:
// last purchase day + the model's median wait from t_x (for BG/NBD (α + t_x)(2^{1/(r+x)} − 1) days:
// given alive, λ | history ~ Gamma(r+x, α+t_x) and the wait is Lomax). Anchored at the last purchase,
// the date stays put from day to day and moves only with a new purchase or a refit — the repurchase
// window a campaign can be planned on — and it is in the past for an overdue customer (whose P(alive)
// then says how much to trust it). The median, not the mean: the mean wait is infinite whenever
// r + x ≤ 1, i.e. for most one-time buyers.
//
// A restock is an order: when a category is bought on a regular cycle (`replenishment`, from the
// customer's own purchase days), the next order is due no later than the earliest restock. Without
// this rule a customer who buys coffee every 30 days got a next-order date 85 days out on the demo:
// with few purchases the BG/NBD median is pulled towards the population's slow rate (demo α = 110
// days, r = 0.5) and treats purchases as a memoryless Poisson process, which has no notion of a cycle.
//
// Stored numbers are rounded (P(alive) to 3 decimals, expected orders to 2, money to the cent) so
// that identical inputs store identical values and day-to-day noise below that does not cost a write.

export const LtvSchema = z.object({
  /**
   * The scoring model version these values were computed with (0: before the first fit). A refit
   * that leaves them unchanged does not rewrite the profile, so this can be older than the current.
   */
  modelVersion: z.int().check(z.nonnegative()),
  /** P(alive) from the purchase model (see the header); null before the first fit and for customers without an order. */
  pAlive: z.nullable(z.number().check(z.gte(0), z.lte(1))),
  /** Expected orders over the model's horizon (12 months unless configured otherwise). */
  expectedOrders12m: z.nullable(z.number().check(z.nonnegative())),
  /** Expected value per order (Gamma-Gamma conditional mean). */
  expectedOrderValue: z.nullable(z.number()),
  /** Predictive CLV: discounted expected spend over the horizon. */
  clv12m: z.nullable(z.number()),
  /** Average order value × purchases per year × expected lifetime years. */
  historicalClv: z.nullable(z.number().check(z.nonnegative())),
  /** See the header: the repurchase window's date (UTC calendar day). */
  nextOrderDate: z.nullable(z.iso.date()),
  /** Category → the day the next restock is due, for categories bought on a regular cycle. */
  replenishment: z.record(z.string(), z.iso.date()),
});
export type Ltv = z.infer<typeof LtvSchema>;

export const RfmPlacementSchema = z.object({
  r: RfmScoreValueSchema,
  f: RfmScoreValueSchema,
  m: RfmScoreValueSchema,
  name: RfmSegmentNameSchema,
});

export const MatrixPlacementSchema = z.object({
  volume: VolumeLevelSchema,
  satisfaction: SatisfactionLevelSchema,
  strategy: MatrixStrategySchema,
});

export const SegmentsSchema = z.object({
  /** Null for customers without an order, and until there are enough buyers to rank. */
  rfm: z.nullable(RfmPlacementSchema),
  /** 'vip' = top 20% by predicted CLV; 'standard' for everyone else and before the first fit. */
  valueTier: ValueTierSchema,
  /** Null for customers without a survey answer (unknown is not low) or without volume thresholds. */
  matrix: z.nullable(MatrixPlacementSchema),
  lifecycle: LifecycleStageSchema,
  /** Ids of the operator-defined rule segments the profile matches, in config order. */
  rules: z.array(z.string()),
});
export type Segments = z.infer<typeof SegmentsSchema>;

export interface Scores {
  ltv: Ltv;
  segments: Segments;
}

/** What scoring reads from a profile. */
export type ScoringInput = Pick<Customer, 'metrics' | 'satisfaction'> & Partial<Customer>;

/** Rounded; null for a value that is not a finite number (degenerate parameters never get stored). */
const round = (value: number, decimals: number): number | null => {
  const factor = 10 ** decimals;
  return Number.isFinite(value) ? Math.round(value * factor) / factor : null;
};
const cents = (value: number): number | null => round(value, 2);
const DAYS_PER_YEAR = 365.25;

export function scoreProfile(
  customer: ScoringInput,
  model: ScoringModel,
  asOfDay: string,
  ruleSegments: readonly RuleSegment[] = [],
): Scores {
  const ltv = scoreLtv(customer.metrics, model, asOfDay);
  const metrics = customer.metrics;
  const rfmValues = metrics ? rfmValuesFromMetrics(metrics, asOfDay) : null;
  const rfm =
    rfmValues && model.rfmThresholds
      ? (({ score, segment }) => ({ ...score, name: segment }))(classifyRfm(rfmValues, model.rfmThresholds))
      : null;
  const placement = model.volumeThresholds
    ? placeInMatrix(
        { purchaseVolume: metrics?.totalSpend ?? 0, satisfactionScore: customer.satisfaction?.mean },
        model.volumeThresholds,
      )
    : null;
  const matrix = placement?.cell ? { ...placement.cell } : null;
  const lifecycle = metrics
    ? lifecycleStage({ ...metrics, pAlive: ltv.pAlive }, asOfDay, model.lifecycle).stage
    : 'prospect';
  const tier =
    ltv.clv12m !== null && model.valueThresholds ? valueTier(ltv.clv12m, model.valueThresholds) : 'standard';
  const derived = { rfm, valueTier: tier, matrix, lifecycle };
  // Rules see the fresh values (e.g. "ltv.pAlive > 0.6"), never the stored, possibly stale ones.
  const rules = matchRuleSegments(ruleSegments, { ...customer, ltv, segments: derived });
  return { ltv, segments: { ...derived, rules } };
}

function scoreLtv(metrics: ProfileMetrics | undefined, model: ScoringModel, asOfDay: string): Ltv {
  const none: Ltv = {
    modelVersion: model.version,
    pAlive: null,
    expectedOrders12m: null,
    expectedOrderValue: null,
    clv12m: null,
    historicalClv: null,
    nextOrderDate: null,
    replenishment: replenishment(metrics),
  };
  const inputs = metrics?.ltvInputs;
  if (!metrics || !inputs || metrics.firstOrderAt === null) return none;

  const today = utcDayNumber(asOfDay);
  const firstDay = utcDayNumber(inputs.firstPurchaseDay);
  const { x, txDays: tx } = inputs;
  const T = Math.max(tx, today - firstDay);
  const mx = inputs.repeatMeanValue ?? 0;
  const settings = model.ltv;

  const tenureYears = Math.max(1, (today - firstDay) / DAYS_PER_YEAR);
  const historical =
    metrics.averageOrderValue === null
      ? null
      : cents(
          historicalClv({
            averageOrderValue: metrics.averageOrderValue,
            purchasesPerYear: settings.purchasesPerYear ?? metrics.orderCount / tenureYears,
            expectedLifetimeYears: settings.expectedLifetimeYears,
          }),
        );

  const purchases = purchaseModelOf(model);
  const gg = model.gammaGamma;
  const clvOptions = {
    months: settings.horizonMonths,
    unitsPerMonth: UNITS_PER_MONTH.days,
    annualDiscountRate: settings.annualDiscountRate,
  };
  return {
    ...none,
    historicalClv: historical,
    pAlive: purchases ? round(modelPAlive(purchases, x, tx, T), 3) : null,
    expectedOrders12m: purchases
      ? round(modelExpectedPurchases(purchases, settings.horizonMonths * UNITS_PER_MONTH.days, x, tx, T), 2)
      : null,
    expectedOrderValue: gg ? cents(expectedSpend(gg, x, mx)) : null,
    clv12m: purchases && gg ? cents(modelDiscountedClv(purchases, gg, x, tx, T, mx, clvOptions)) : null,
    nextOrderDate: purchases
      ? nextOrderDate(
          Math.min(
            modelNextOrderDay(purchases, x, tx, tx, firstDay + tx, 'days'),
            earliestRestockDay(none.replenishment),
          ),
          today,
        )
      : null,
  };
}

/** The earliest due restock (a day number), or +∞ without a regular category. */
function earliestRestockDay(replenishment: Record<string, string>): number {
  let earliest = Number.POSITIVE_INFINITY;
  for (const date of Object.values(replenishment)) earliest = Math.min(earliest, utcDayNumber(date));
  return earliest;
}

/** A median wait of more than a century (a tiny r: most never buy again) is no date at all. */
const MAX_WAIT_DAYS = 36_525;
function nextOrderDate(day: number, today: number): string | null {
  return Number.isFinite(day) && day - today <= MAX_WAIT_DAYS ? utcDayString(day) : null;
}

/** The restock dates of the categories with a regular cycle (see profile-metrics). */
function replenishment(metrics: ProfileMetrics | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [category, data] of Object.entries(metrics?.categories ?? {})) {
    if (data.replenishmentDue) out[category] = data.replenishmentDue;
  }
  return out;
}

/** Deep equality of plain JSON-like values, ignoring key order (DynamoDB maps do not keep it). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  const aEntries = Object.entries(a).filter(([, v]) => v !== undefined);
  const bObject = b as Record<string, unknown>;
  const bKeys = Object.keys(bObject).filter((k) => bObject[k] !== undefined);
  return (
    aEntries.length === bKeys.length &&
    aEntries.every(([key, value]) => Object.hasOwn(bObject, key) && sameValue(value, bObject[key]))
  );
}

// ---------------------------------------------------------------------------------------------
// Segment membership, for SegmentEntered / SegmentExited.
// ---------------------------------------------------------------------------------------------

export const SEGMENT_KINDS = ['rfm', 'valueTier', 'lifecycle', 'matrix', 'rule'] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

export interface SegmentMembership {
  kind: SegmentKind;
  /** The RFM segment name, value tier, lifecycle stage, matrix strategy or rule segment id. */
  segment: string;
}

/** Every segment a profile is in, as `kind:segment` strings. */
export function memberships(segments: Segments | undefined): string[] {
  if (!segments) return [];
  return [
    ...(segments.rfm ? [`rfm:${segments.rfm.name}`] : []),
    `valueTier:${segments.valueTier}`,
    `lifecycle:${segments.lifecycle}`,
    ...(segments.matrix ? [`matrix:${segments.matrix.strategy}`] : []),
    ...segments.rules.map((id) => `rule:${id}`),
  ];
}

const parseMembership = (key: string): SegmentMembership => {
  const at = key.indexOf(':');
  return { kind: key.slice(0, at) as SegmentKind, segment: key.slice(at + 1) };
};

/** What changed between two stored segment sets: entered and exited, each sorted. */
export function membershipChanges(
  before: Segments | undefined,
  after: Segments | undefined,
): { entered: SegmentMembership[]; exited: SegmentMembership[] } {
  const { entered, exited } = segmentChanges(memberships(before), memberships(after));
  return { entered: entered.map(parseMembership), exited: exited.map(parseMembership) };
}
