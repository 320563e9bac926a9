// Holdout validation of the purchase models, as in Fader, Hardie & Lee (2005), section 4, plus the
// per-customer accuracy a marketer can read, and the choice of model by time split.
//
// Exports:
//   backtestModel(model, summaries, { holdoutEndDay, unit }) → BacktestResult
//   backtestBgNbd(bg, …)                      the same for BG/NBD parameters
//   baselineAccuracy(summaries, options)      the naive forecasts: zero; the customer's calibration rate
//   accuracy(predicted, actual)               RMSE, MAE, correlation, aggregate bias
//   chooseModel(summaries, options)           fit every candidate on the calibration period, score it on
//                                             the holdout, pick the lowest RMSE (ties → the simpler)
//   pickModel(scores)                         that pick, on scores already computed
//
// - total: Σ over customers of E[Y(t*) | x, t_x, T] (t* = holdout length) vs actual holdout repeats;
// - accuracy: per customer, forecast E[Y(t*) | x, t_x, T] vs actual holdout repeats: RMSE, MAE,
//   Pearson correlation, and the aggregate bias Σ forecast / Σ actual − 1;
// - tracking: week-by-week cumulative repeat purchases of the whole cohort, calibration and holdout,
//   forecast with the unconditional E[X(t)] summed over customers by the day each one started
//   (each customer's own clock), vs actual — the paper's tracking plot;
// - byFrequency: for calibration frequency x = 0 … 6 and 7+, mean conditional expectation vs mean
//   actual holdout repeats (the paper's conditional-expectations plot).
// Week w ends on day start + 7w − 1, so with a cohort starting 1997-01-01 week 39 ends on the
// calibration end 1997-09-30 (T = 272/7 = 38.857 weeks, the paper's convention). Pure: no I/O.

import type { BgNbdParams, WeightedTriple } from './bgnbd';
import {
  fitPurchaseModel,
  MODEL_NAMES,
  type ModelName,
  modelExpectedPurchases,
  modelUnconditionalExpectedPurchases,
  type PurchaseModel,
} from './models';
import { type CustomerSummaries, compressSummaries, DAYS_PER_UNIT, type TimeUnit } from './summarise';

export interface TrackingPoint {
  week: number;
  /** Last day of the week (day number; the holdout end for a final partial week). */
  endDay: number;
  predicted: number;
  actual: number;
}

export interface FrequencyGroup {
  /** '0' … '6' or '7+'. */
  x: string;
  customers: number;
  predicted: number;
  actual: number;
}

export interface BacktestResult {
  holdoutLength: number;
  unit: TimeUnit;
  customers: number;
  calibrationRepeats: number;
  total: { predicted: number; actual: number; relativeError: number };
  accuracy: Accuracy;
  tracking: TrackingPoint[];
  byFrequency: FrequencyGroup[];
}

export interface BacktestOptions {
  holdoutEndDay: number;
  unit?: TimeUnit;
}

/** Per-customer forecast accuracy over the holdout. */
export interface Accuracy {
  rmse: number;
  mae: number;
  /** Pearson correlation of forecast and actual (NaN when either is constant). */
  correlation: number;
  /** Σ forecast / Σ actual − 1 (negative: under-forecast). */
  bias: number;
}

export function accuracy(predicted: ArrayLike<number>, actual: ArrayLike<number>): Accuracy {
  const n = predicted.length;
  let se = 0;
  let ae = 0;
  let sp = 0;
  let sa = 0;
  for (let i = 0; i < n; i++) {
    const e = predicted[i]! - actual[i]!;
    se += e * e;
    ae += Math.abs(e);
    sp += predicted[i]!;
    sa += actual[i]!;
  }
  const mp = sp / n;
  const ma = sa / n;
  let cov = 0;
  let vp = 0;
  let va = 0;
  for (let i = 0; i < n; i++) {
    const dp = predicted[i]! - mp;
    const da = actual[i]! - ma;
    cov += dp * da;
    vp += dp * dp;
    va += da * da;
  }
  return {
    rmse: Math.sqrt(se / n),
    mae: ae / n,
    correlation: vp > 0 && va > 0 ? cov / Math.sqrt(vp * va) : Number.NaN,
    bias: sa > 0 ? sp / sa - 1 : Number.NaN,
  };
}

function holdoutLengthOf(summaries: CustomerSummaries, options: BacktestOptions): number {
  if (options.holdoutEndDay <= summaries.calibrationEndDay)
    throw new RangeError('the holdout must end after the calibration end');
  return (options.holdoutEndDay - summaries.calibrationEndDay) / DAYS_PER_UNIT[options.unit ?? 'weeks'];
}

/**
 * The two naive forecasts every model must beat: "nobody buys again" (zero), and "each customer keeps
 * their calibration rate", x / T per unit over the holdout (0 for a customer first seen on the last day).
 */
export function baselineAccuracy(
  summaries: CustomerSummaries,
  options: BacktestOptions,
): { zero: Accuracy; calibrationRate: Accuracy } {
  const holdoutLength = holdoutLengthOf(summaries, options);
  const n = summaries.count;
  const rate = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const T = summaries.TDays[i]!;
    rate[i] = T > 0 ? (summaries.x[i]! / T) * DAYS_PER_UNIT[options.unit ?? 'weeks'] * holdoutLength : 0;
  }
  return {
    zero: accuracy(new Float64Array(n), summaries.holdoutX),
    calibrationRate: accuracy(rate, summaries.holdoutX),
  };
}

export function backtestBgNbd(
  bg: BgNbdParams,
  summaries: CustomerSummaries,
  options: BacktestOptions,
): BacktestResult {
  return backtestModel({ name: 'bg-nbd', logLikelihood: Number.NaN, ...bg }, summaries, options);
}

export function backtestModel(
  model: PurchaseModel,
  summaries: CustomerSummaries,
  options: BacktestOptions,
): BacktestResult {
  const unit = options.unit ?? 'weeks';
  const scale = DAYS_PER_UNIT[unit];
  const { startDay } = summaries;
  const holdoutEndDay = options.holdoutEndDay;
  const holdoutLength = holdoutLengthOf(summaries, options);
  const forecast = new Float64Array(summaries.count);

  // Conditional expectations, shared by customers with the same history.
  const cache = new Map<string, number>();
  const groups = Array.from({ length: 8 }, () => ({ customers: 0, predicted: 0, actual: 0 }));
  let predictedTotal = 0;
  let actualTotal = 0;
  const cohortSizes = new Map<number, number>();
  for (let i = 0; i < summaries.count; i++) {
    const x = summaries.x[i]!;
    const tx = summaries.txDays[i]! / scale;
    const T = summaries.TDays[i]! / scale;
    const key = `${x}|${tx}|${T}`;
    let expected = cache.get(key);
    if (expected === undefined) {
      expected = modelExpectedPurchases(model, holdoutLength, x, tx, T);
      cache.set(key, expected);
    }
    const actual = summaries.holdoutX[i]!;
    forecast[i] = expected;
    predictedTotal += expected;
    actualTotal += actual;
    const g = groups[Math.min(x, 7)]!;
    g.customers++;
    g.predicted += expected;
    g.actual += actual;
    const first = summaries.firstDay[i]!;
    cohortSizes.set(first, (cohortSizes.get(first) ?? 0) + 1);
  }

  const tracking: TrackingPoint[] = [];
  const unconditional = new Map<number, number>();
  const weeks = Math.ceil((holdoutEndDay - startDay + 1) / 7);
  let actualCumulative = 0;
  let dayCursor = startDay;
  for (let w = 1; w <= weeks; w++) {
    const endDay = Math.min(startDay + 7 * w - 1, holdoutEndDay);
    while (dayCursor <= endDay) actualCumulative += summaries.repeatsByDay[dayCursor++ - startDay] ?? 0;
    let predicted = 0;
    for (const [first, n] of cohortSizes) {
      if (first >= endDay) continue;
      const age = endDay - first;
      let e = unconditional.get(age);
      if (e === undefined) {
        e = modelUnconditionalExpectedPurchases(model, age / scale);
        unconditional.set(age, e);
      }
      predicted += n * e;
    }
    tracking.push({ week: w, endDay, predicted, actual: actualCumulative });
  }

  return {
    holdoutLength,
    unit,
    customers: summaries.count,
    calibrationRepeats: summaries.calibrationRepeats,
    total: {
      predicted: predictedTotal,
      actual: actualTotal,
      relativeError: actualTotal > 0 ? predictedTotal / actualTotal - 1 : Number.NaN,
    },
    accuracy: accuracy(forecast, summaries.holdoutX),
    tracking,
    byFrequency: groups.map((g, x) => ({
      x: x === 7 ? '7+' : String(x),
      customers: g.customers,
      predicted: g.customers > 0 ? g.predicted / g.customers : 0,
      actual: g.customers > 0 ? g.actual / g.customers : 0,
    })),
  };
}

export interface ModelScore {
  model: ModelName;
  /** Holdout accuracy of the model fitted on the calibration period only. */
  accuracy: Accuracy;
  converged: boolean;
}

export interface ModelChoice {
  chosen: ModelName;
  /** Every candidate, in MODEL_NAMES order; a fit that failed has converged false and NaN scores. */
  scores: ModelScore[];
}

export interface ChooseOptions extends BacktestOptions {
  candidates?: readonly ModelName[];
  /** Fitting penalty (see fitBgNbd), for sparse data. */
  penalty?: number;
}

/**
 * Fits each candidate on the calibration part of `summaries` and forecasts its holdout; the lowest
 * per-customer RMSE wins, and a tie (within 1e-9 relative) goes to the simpler model, the one
 * earlier in MODEL_NAMES. Models whose fit did not converge or whose forecast is not finite are not
 * chosen; if none is usable the choice is BG/NBD.
 */
export function chooseModel(summaries: CustomerSummaries, options: ChooseOptions): ModelChoice {
  const unit = options.unit ?? 'weeks';
  const holdoutLength = holdoutLengthOf(summaries, options);
  const candidates = MODEL_NAMES.filter((name) => (options.candidates ?? MODEL_NAMES).includes(name));
  const { triples, tripleOf } = compressSummaries(summaries, unit);
  const scores: ModelScore[] = [];
  for (const name of candidates) {
    let fit: ReturnType<typeof fitPurchaseModel> | undefined;
    try {
      fit = fitPurchaseModel(name, triples, { penalty: options.penalty });
    } catch {
      fit = undefined;
    }
    if (!fit) {
      scores.push({ model: name, accuracy: NO_ACCURACY, converged: false });
      continue;
    }
    const model = fit.model;
    const perTriple = triples.map((t: WeightedTriple) =>
      modelExpectedPurchases(model, holdoutLength, t.x, t.tx, t.T),
    );
    const forecast = Float64Array.from(tripleOf, (k) => perTriple[k]!);
    scores.push({ model: name, accuracy: accuracy(forecast, summaries.holdoutX), converged: fit.converged });
  }
  return { chosen: pickModel(scores), scores };
}

/**
 * The lowest holdout RMSE among the usable scores; a tie (within 1e-9 relative) goes to the model
 * earlier in MODEL_NAMES (the simpler). BG/NBD when none is usable.
 */
export function pickModel(scores: readonly ModelScore[]): ModelName {
  const ordered = [...scores].sort((p, q) => MODEL_NAMES.indexOf(p.model) - MODEL_NAMES.indexOf(q.model));
  let chosen: ModelScore | undefined;
  for (const score of ordered) {
    if (!score.converged || !Number.isFinite(score.accuracy.rmse)) continue;
    if (!chosen || score.accuracy.rmse < chosen.accuracy.rmse * (1 - 1e-9)) chosen = score;
  }
  return chosen?.model ?? 'bg-nbd';
}

const NO_ACCURACY: Accuracy = {
  rmse: Number.NaN,
  mae: Number.NaN,
  correlation: Number.NaN,
  bias: Number.NaN,
};
