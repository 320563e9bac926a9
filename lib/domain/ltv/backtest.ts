// Holdout validation of a fitted BG/NBD model, as in Fader, Hardie & Lee (2005), section 4.
//
// Exports: backtestBgNbd(bg, summaries, { holdoutEndDay, unit }) → BacktestResult
//
// - total: Σ over customers of E[Y(t*) | x, t_x, T] (t* = holdout length) vs actual holdout repeats;
// - tracking: week-by-week cumulative repeat purchases of the whole cohort, calibration and holdout,
//   forecast with the unconditional E[X(t)] summed over customers by the day each one started
//   (each customer's own clock), vs actual — the paper's tracking plot;
// - byFrequency: for calibration frequency x = 0 … 6 and 7+, mean conditional expectation vs mean
//   actual holdout repeats (the paper's conditional-expectations plot).
// Week w ends on day start + 7w − 1, so with a cohort starting 1997-01-01 week 39 ends on the
// calibration end 1997-09-30 (T = 272/7 = 38.857 weeks, the paper's convention). Pure: no I/O.

import { type BgNbdParams, expectedPurchases, unconditionalExpectedPurchases } from './bgnbd';
import { type CustomerSummaries, DAYS_PER_UNIT, type TimeUnit } from './summarise';

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
  tracking: TrackingPoint[];
  byFrequency: FrequencyGroup[];
}

export interface BacktestOptions {
  holdoutEndDay: number;
  unit?: TimeUnit;
}

export function backtestBgNbd(
  bg: BgNbdParams,
  summaries: CustomerSummaries,
  options: BacktestOptions,
): BacktestResult {
  const unit = options.unit ?? 'weeks';
  const scale = DAYS_PER_UNIT[unit];
  const { calibrationEndDay, startDay } = summaries;
  const holdoutEndDay = options.holdoutEndDay;
  if (holdoutEndDay <= calibrationEndDay)
    throw new RangeError('the holdout must end after the calibration end');
  const holdoutLength = (holdoutEndDay - calibrationEndDay) / scale;

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
      expected = expectedPurchases(bg, holdoutLength, x, tx, T);
      cache.set(key, expected);
    }
    const actual = summaries.holdoutX[i]!;
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
  const weeks = Math.ceil((holdoutEndDay - startDay + 1) / 7);
  let actualCumulative = 0;
  let dayCursor = startDay;
  for (let w = 1; w <= weeks; w++) {
    const endDay = Math.min(startDay + 7 * w - 1, holdoutEndDay);
    while (dayCursor <= endDay) actualCumulative += summaries.repeatsByDay[dayCursor++ - startDay] ?? 0;
    let predicted = 0;
    for (const [first, n] of cohortSizes) {
      if (first < endDay) predicted += n * unconditionalExpectedPurchases(bg, (endDay - first) / scale);
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
    tracking,
    byFrequency: groups.map((g, x) => ({
      x: x === 7 ? '7+' : String(x),
      customers: g.customers,
      predicted: g.customers > 0 ? g.predicted / g.customers : 0,
      actual: g.customers > 0 ? g.actual / g.customers : 0,
    })),
  };
}
