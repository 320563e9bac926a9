// Customer lifetime value: the predictive one (BG/NBD purchases × Gamma-Gamma spend, discounted),
// the historical rule of thumb, and bulk predictions for every customer.
//
// Exports:
//   discountedClv(bg, gg, x, tx, T, mx, opts?)   discounted expected spend over a horizon of months
//   discountedPurchases(bg, x, tx, T, opts?)     the same without the spend factor
//   historicalClv({ averageOrderValue, purchasesPerYear, expectedLifetimeYears })
//   predictCustomers(bg, gg, summaries, compressed, opts?)  P(alive), next-order wait, CLV for everyone
//   expectedNextOrderDay(bg, x, T, fromDay, unit)  the repurchase date: fromDay + median wait, in days
//   modelDiscountedClv / predictCustomersFor / modelNextOrderDay  the same for any PurchaseModel
//                                                  (models.ts); BG/NBD takes the fast paths above
//   UNITS_PER_MONTH
//
// CLV = Σ_{k=1..months} E[M] · (E[Y(k·month)] − E[Y((k−1)·month)]) / (1 + monthly rate)^k, the
// definition `lifetimes` uses (customer_lifetime_value). With monthlyDiscountRate 0.01 and a month of
// 4.345 weeks it reproduces lifetimes' clv with freq="W", discount_rate=0.01. Pure: no I/O.

import {
  aliveDenominator,
  type BgNbdParams,
  expectedPurchasesNumerator,
  medianTimeToNextPurchase,
  type WeightedTriple,
} from './bgnbd';
import { expectedSpend, type GammaGammaParams } from './gamma-gamma';
import {
  modelExpectedPurchases,
  modelMedianTimeToNextPurchase,
  modelPAlive,
  type PurchaseModel,
} from './models';
import { type CustomerSummaries, DAYS_PER_UNIT, type TimeUnit } from './summarise';

/** A month is 4.345 weeks (lifetimes' convention), i.e. 30.415 days, in both units so they agree. */
export const UNITS_PER_MONTH: Readonly<Record<TimeUnit, number>> = { weeks: 4.345, days: 4.345 * 7 };

export interface ClvOptions {
  /** Horizon in months (default 12). */
  months?: number;
  /** Model time units per month (default 4.345, i.e. weeks). */
  unitsPerMonth?: number;
  /** Annual discount rate (default 0.10), applied monthly as (1+annual)^(1/12) − 1. */
  annualDiscountRate?: number;
  /** Monthly discount rate; overrides annualDiscountRate (lifetimes' `discount_rate`). */
  monthlyDiscountRate?: number;
}

function monthlyRate(opts: ClvOptions): number {
  if (opts.monthlyDiscountRate !== undefined) return opts.monthlyDiscountRate;
  return (1 + (opts.annualDiscountRate ?? 0.1)) ** (1 / 12) - 1;
}

/** Σ_k (N(t_k) − N(t_{k−1})) / (1+m)^k with N the (x, T)-only numerator of E[Y(t)]. */
function discountedNumerator(bg: BgNbdParams, x: number, T: number, opts: ClvOptions): number {
  const months = opts.months ?? 12;
  const unitsPerMonth = opts.unitsPerMonth ?? UNITS_PER_MONTH.weeks;
  const factor = 1 / (1 + monthlyRate(opts));
  let previous = 0;
  let discount = 1;
  let sum = 0;
  for (let k = 1; k <= months; k++) {
    const current = expectedPurchasesNumerator(bg, k * unitsPerMonth, x, T);
    discount *= factor;
    sum += (current - previous) * discount;
    previous = current;
  }
  return sum;
}

/** Discounted expected repeat purchases over the horizon. */
export function discountedPurchases(
  bg: BgNbdParams,
  x: number,
  tx: number,
  T: number,
  opts: ClvOptions = {},
): number {
  return discountedNumerator(bg, x, T, opts) / aliveDenominator(bg, x, tx, T);
}

/** Discounted expected spend over the horizon (default 12 months at 10% a year). */
export function discountedClv(
  bg: BgNbdParams,
  gg: GammaGammaParams,
  x: number,
  tx: number,
  T: number,
  mx: number,
  opts: ClvOptions = {},
): number {
  return expectedSpend(gg, x, mx) * discountedPurchases(bg, x, tx, T, opts);
}

/**
 * Expected date of the next order (a day number): `fromDay` (the calibration end, or today for a
 * live profile) plus the median time to the next purchase given alive, rounded to whole days.
 * See medianTimeToNextPurchase for why the median and not the mean.
 */
export function expectedNextOrderDay(
  bg: BgNbdParams,
  x: number,
  T: number,
  fromDay: number,
  unit: TimeUnit = 'weeks',
): number {
  return fromDay + Math.round(medianTimeToNextPurchase(bg, x, T) * DAYS_PER_UNIT[unit]);
}

export interface HistoricalClvInput {
  averageOrderValue: number;
  purchasesPerYear: number;
  expectedLifetimeYears: number;
}

/** The rule of thumb: average order value × purchases per year × expected years (3000 × 4 × 10). */
export function historicalClv(input: HistoricalClvInput): number {
  return input.averageOrderValue * input.purchasesPerYear * input.expectedLifetimeYears;
}

export interface CustomerPredictions {
  pAlive: Float64Array;
  /** Median wait from the calibration end to the next order given alive, in model units. */
  nextOrderIn: Float64Array;
  /** Expected spend per order (Gamma-Gamma conditional mean). */
  expectedSpend: Float64Array;
  /** Expected repeat purchases over the CLV horizon (undiscounted). */
  expectedPurchases: Float64Array;
  clv: Float64Array;
}

/**
 * Predictions for every summarised customer. Work is shared: the horizon numerators depend on
 * (x, T) only, the alive odds on the triple, so a million customers cost a few thousand series
 * evaluations plus one multiply-add each.
 */
export function predictCustomers(
  bg: BgNbdParams,
  gg: GammaGammaParams,
  summaries: Pick<CustomerSummaries, 'count' | 'x' | 'mx'>,
  compressed: { triples: readonly WeightedTriple[]; tripleOf: Int32Array },
  opts: ClvOptions = {},
): CustomerPredictions {
  const { triples, tripleOf } = compressed;
  const months = opts.months ?? 12;
  const unitsPerMonth = opts.unitsPerMonth ?? UNITS_PER_MONTH.weeks;
  const byXT = new Map<number, Map<number, [number, number]>>();
  const tAlive = new Float64Array(triples.length);
  const tNext = new Float64Array(triples.length);
  const tDiscounted = new Float64Array(triples.length);
  const tPurchases = new Float64Array(triples.length);
  for (let k = 0; k < triples.length; k++) {
    const { x, tx, T } = triples[k]!;
    let inner = byXT.get(x);
    if (!inner) {
      inner = new Map();
      byXT.set(x, inner);
    }
    let cached = inner.get(T);
    if (!cached) {
      cached = [
        discountedNumerator(bg, x, T, opts),
        expectedPurchasesNumerator(bg, months * unitsPerMonth, x, T),
      ];
      inner.set(T, cached);
    }
    const denominator = aliveDenominator(bg, x, tx, T);
    tAlive[k] = 1 / denominator;
    tNext[k] = medianTimeToNextPurchase(bg, x, T);
    tDiscounted[k] = cached[0] / denominator;
    tPurchases[k] = cached[1] / denominator;
  }
  return perCustomer(summaries, tripleOf, gg, { tAlive, tNext, tDiscounted, tPurchases });
}

/** Discounted expected repeat purchases over the horizon, for any purchase model. */
export function modelDiscountedPurchases(
  model: PurchaseModel,
  x: number,
  tx: number,
  T: number,
  opts: ClvOptions = {},
): number {
  if (model.name === 'bg-nbd') return discountedPurchases(model, x, tx, T, opts);
  const months = opts.months ?? 12;
  const unitsPerMonth = opts.unitsPerMonth ?? UNITS_PER_MONTH.weeks;
  const factor = 1 / (1 + monthlyRate(opts));
  let previous = 0;
  let discount = 1;
  let sum = 0;
  for (let k = 1; k <= months; k++) {
    const current = modelExpectedPurchases(model, k * unitsPerMonth, x, tx, T);
    discount *= factor;
    sum += (current - previous) * discount;
    previous = current;
  }
  return sum;
}

/** Discounted expected spend over the horizon, for any purchase model. */
export function modelDiscountedClv(
  model: PurchaseModel,
  gg: GammaGammaParams,
  x: number,
  tx: number,
  T: number,
  mx: number,
  opts: ClvOptions = {},
): number {
  return expectedSpend(gg, x, mx) * modelDiscountedPurchases(model, x, tx, T, opts);
}

/**
 * The repurchase date for any purchase model: `fromDay` plus the median wait given alive from the
 * history (x, t_x, T), rounded to whole days. Scoring passes T = t_x and the last purchase day.
 */
export function modelNextOrderDay(
  model: PurchaseModel,
  x: number,
  tx: number,
  T: number,
  fromDay: number,
  unit: TimeUnit = 'weeks',
): number {
  return fromDay + Math.round(modelMedianTimeToNextPurchase(model, x, tx, T) * DAYS_PER_UNIT[unit]);
}

/** predictCustomers for any purchase model: the work is shared per distinct triple. */
export function predictCustomersFor(
  model: PurchaseModel,
  gg: GammaGammaParams,
  summaries: Pick<CustomerSummaries, 'count' | 'x' | 'mx'>,
  compressed: { triples: readonly WeightedTriple[]; tripleOf: Int32Array },
  opts: ClvOptions = {},
): CustomerPredictions {
  if (model.name === 'bg-nbd') return predictCustomers(model, gg, summaries, compressed, opts);
  const { triples, tripleOf } = compressed;
  const horizon = (opts.months ?? 12) * (opts.unitsPerMonth ?? UNITS_PER_MONTH.weeks);
  const tAlive = new Float64Array(triples.length);
  const tNext = new Float64Array(triples.length);
  const tDiscounted = new Float64Array(triples.length);
  const tPurchases = new Float64Array(triples.length);
  for (let k = 0; k < triples.length; k++) {
    const { x, tx, T } = triples[k]!;
    tAlive[k] = modelPAlive(model, x, tx, T);
    tNext[k] = modelMedianTimeToNextPurchase(model, x, tx, T);
    tDiscounted[k] = modelDiscountedPurchases(model, x, tx, T, opts);
    tPurchases[k] = modelExpectedPurchases(model, horizon, x, tx, T);
  }
  return perCustomer(summaries, tripleOf, gg, { tAlive, tNext, tDiscounted, tPurchases });
}

/** Spreads per-triple predictions over the customers who share each triple, with their own spend. */
function perCustomer(
  summaries: Pick<CustomerSummaries, 'count' | 'x' | 'mx'>,
  tripleOf: ArrayLike<number>,
  gg: GammaGammaParams,
  t: { tAlive: Float64Array; tNext: Float64Array; tDiscounted: Float64Array; tPurchases: Float64Array },
): CustomerPredictions {
  const n = summaries.count;
  const out: CustomerPredictions = {
    pAlive: new Float64Array(n),
    nextOrderIn: new Float64Array(n),
    expectedSpend: new Float64Array(n),
    expectedPurchases: new Float64Array(n),
    clv: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const k = tripleOf[i]!;
    const spend = expectedSpend(gg, summaries.x[i]!, summaries.mx[i]!);
    out.pAlive[i] = t.tAlive[k]!;
    out.nextOrderIn[i] = t.tNext[k]!;
    out.expectedSpend[i] = spend;
    out.expectedPurchases[i] = t.tPurchases[k]!;
    out.clv[i] = spend * t.tDiscounted[k]!;
  }
  return out;
}
