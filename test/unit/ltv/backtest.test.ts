import { describe, expect, it } from 'vitest';
import { backtestBgNbd } from '../../../lib/domain/ltv/backtest';
import { fitBgNbd } from '../../../lib/domain/ltv/bgnbd';
import { compressSummaries, ordersToColumns, summariseOrders } from '../../../lib/domain/ltv/summarise';
import { CALIBRATION_END, cdnowOrders, HOLDOUT_END } from './cdnow-data';

// Fader, Hardie & Lee (2005), section 4: fit on 1997-01-01..09-30, forecast the 39-week holdout.
const summaries = summariseOrders(ordersToColumns(cdnowOrders()).columns, {
  calibrationEndDay: CALIBRATION_END,
  holdoutEndDay: HOLDOUT_END,
});
const bg = fitBgNbd(compressSummaries(summaries, 'weeks').triples);
const result = backtestBgNbd(bg, summaries, { holdoutEndDay: HOLDOUT_END, unit: 'weeks' });

describe('CDNOW backtest', () => {
  it('has the actual counts: 2,457 calibration + 1,882 holdout = 4,339 repeats over 78 weeks', () => {
    expect(result.holdoutLength).toBe(39);
    expect(result.calibrationRepeats).toBe(2457);
    expect(result.total.actual).toBe(1882);
    expect(result.tracking).toHaveLength(78);
    expect(result.tracking[38]!.actual).toBe(2457);
    expect(result.tracking[77]!.actual).toBe(4339);
  });

  it('forecasts cumulative repeats at week 78 about 4% under the actual 4,339', () => {
    const last = result.tracking[77]!;
    const error = last.predicted / last.actual - 1;
    expect(error).toBeGreaterThan(-0.07);
    expect(error).toBeLessThan(-0.01);
    // The forecast curve rises week by week.
    for (let w = 1; w < 78; w++)
      expect(result.tracking[w]!.predicted).toBeGreaterThan(result.tracking[w - 1]!.predicted);
  });

  it('forecasts the holdout alone ~12% under (1,653 vs 1,882), as the model does on this data', () => {
    // Sum of conditional expectations E[Y(39) | x, t_x, T]. The holdout-only gap is larger than the
    // cumulative one because the calibration weeks are fitted, not forecast.
    expect(result.total.predicted).toBeGreaterThan(1600);
    expect(result.total.predicted).toBeLessThan(1700);
    expect(result.total.relativeError).toBeGreaterThan(-0.15);
    expect(result.total.relativeError).toBeLessThan(-0.08);
  });

  it('tracks the conditional expectations by calibration frequency (x = 0 … 6, 7+)', () => {
    expect(result.byFrequency.map((g) => g.x)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+']);
    expect(result.byFrequency.reduce((s, g) => s + g.customers, 0)).toBe(2357);
    const zero = result.byFrequency[0]!;
    expect(zero.customers).toBe(1411);
    expect(zero.actual).toBeCloseTo(0.237, 3);
    expect(Math.abs(zero.predicted - zero.actual)).toBeLessThan(0.03);
    // More calibration purchases → more holdout purchases, in forecast and in fact.
    for (let i = 1; i < 8; i++) {
      expect(result.byFrequency[i]!.predicted).toBeGreaterThan(result.byFrequency[i - 1]!.predicted);
      expect(result.byFrequency[i]!.actual).toBeGreaterThan(result.byFrequency[i - 1]!.actual);
    }
  });
});
