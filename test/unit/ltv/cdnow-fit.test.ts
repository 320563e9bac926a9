import { describe, expect, it } from 'vitest';
import {
  bgNbdLogLikelihood,
  expectedPurchases,
  fitBgNbd,
  medianTimeToNextPurchase,
  pAlive,
} from '../../../lib/domain/ltv/bgnbd';
import { discountedClv, expectedNextOrderDay, predictCustomers } from '../../../lib/domain/ltv/clv';
import { formatDay } from '../../../lib/domain/ltv/day-number';
import { expectedSpend, fitGammaGamma, gammaGammaLogLikelihood } from '../../../lib/domain/ltv/gamma-gamma';
import {
  compressSummaries,
  ordersToColumns,
  repeatSpends,
  summariseOrders,
} from '../../../lib/domain/ltv/summarise';
import { CALIBRATION_END, cdnowOrders, goldenRows } from './cdnow-data';

// The reference data set of Fader, Hardie & Lee (2005) and Fader & Hardie (2013): the values below
// come from ../shared/data/cdnow/README.md (lifetimes and CLVTools agree on the ML fit).
const { columns, customerIds } = ordersToColumns(cdnowOrders());
const summaries = summariseOrders(columns, { calibrationEndDay: CALIBRATION_END });
const compressed = compressSummaries(summaries, 'weeks');
const spends = repeatSpends(summaries);

const PUBLISHED_BG = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const PUBLISHED_GG = { p: 6.25, q: 3.74, v: 15.44 };
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('CDNOW calibration summary', () => {
  it('has the published counts: 2,357 customers, 946 repeaters, 2,457 repeats, 1,016 triples', () => {
    let repeaters = 0;
    for (const x of summaries.x) if (x > 0) repeaters++;
    expect(summaries.count).toBe(2357);
    expect(repeaters).toBe(946);
    expect(summaries.calibrationRepeats).toBe(2457);
    expect(compressed.triples).toHaveLength(1016);
    expect(compressed.triples.reduce((s, t) => s + t.weight, 0)).toBe(2357);
  });
});

describe('BG/NBD on CDNOW', () => {
  it('has log-likelihood −9582.430477 at the published parameters', () => {
    expect(rel(bgNbdLogLikelihood(PUBLISHED_BG, compressed.triples), -9582.430477)).toBeLessThan(1e-9);
  });

  it('fits the maximum-likelihood values within 1e-4 relative', () => {
    const fit = fitBgNbd(compressed.triples);
    expect(fit.converged).toBe(true);
    expect(fit.gradientNorm).toBeLessThan(1e-7);
    expect(rel(fit.r, 0.2425945)).toBeLessThan(1e-4);
    expect(rel(fit.alpha, 4.413603)).toBeLessThan(1e-4);
    expect(rel(fit.a, 0.792922)).toBeLessThan(1e-4);
    expect(rel(fit.b, 2.425906)).toBeLessThan(1e-4);
    expect(rel(fit.logLikelihood, -9582.4292)).toBeLessThan(1e-8);
  });

  it('gives the same model in days: α scales by 7, the shape parameters do not move', () => {
    const weeks = fitBgNbd(compressed.triples);
    const days = fitBgNbd(compressSummaries(summaries, 'days').triples);
    expect(rel(days.alpha, 7 * weeks.alpha)).toBeLessThan(1e-6);
    expect(rel(days.r, weeks.r)).toBeLessThan(1e-6);
    expect(rel(days.a, weeks.a)).toBeLessThan(1e-6);
    expect(rel(days.b, weeks.b)).toBeLessThan(1e-6);
  });

  it('fits the same values from uncompressed rows (weights are only a shortcut)', () => {
    const rows = Array.from({ length: summaries.count }, (_, i) => ({
      x: summaries.x[i]!,
      tx: summaries.txDays[i]! / 7,
      T: summaries.TDays[i]! / 7,
      weight: 1,
    }));
    const fromRows = fitBgNbd(rows);
    const fromTriples = fitBgNbd(compressed.triples);
    expect(rel(fromRows.r, fromTriples.r)).toBeLessThan(1e-7);
    expect(rel(fromRows.logLikelihood, fromTriples.logLikelihood)).toBeLessThan(1e-12);
  });
});

describe('Gamma-Gamma on CDNOW', () => {
  it('has log-likelihood −4055.919232 at the published parameters', () => {
    expect(rel(gammaGammaLogLikelihood(PUBLISHED_GG, spends), -4055.919232)).toBeLessThan(1e-9);
  });

  it('fits the maximum-likelihood values within 1e-4 relative on the 946 repeaters', () => {
    expect(spends.reduce((s, r) => s + r.weight, 0)).toBe(946);
    const fit = fitGammaGamma(spends);
    expect(fit.converged).toBe(true);
    expect(rel(fit.p, 6.249572)).toBeLessThan(1e-4);
    expect(rel(fit.q, 3.744225)).toBeLessThan(1e-4);
    expect(rel(fit.v, 15.443521)).toBeLessThan(1e-4);
    expect(rel(fit.logLikelihood, -4055.9177)).toBeLessThan(1e-8);
  });
});

describe('predictions at the published parameters match the golden file to 1e-9', () => {
  // The golden file's t_x and T are rounded to 6 decimals and its values were computed from those
  // rounded inputs, so the test feeds the file's own x, t_x, T, m_x (our exact summaries differ
  // from them by < 1e-6 weeks; that alone moves the predictions by ~1e-6 relative).
  const golden = goldenRows();
  const columnsToCheck: [string, (r: Record<string, number>) => number][] = [
    ['p_alive', (g) => pAlive(PUBLISHED_BG, g.x!, g.t_x!, g.T!)],
    ['cond_exp_1', (g) => expectedPurchases(PUBLISHED_BG, 1, g.x!, g.t_x!, g.T!)],
    ['cond_exp_10', (g) => expectedPurchases(PUBLISHED_BG, 10, g.x!, g.t_x!, g.T!)],
    ['cond_exp_39', (g) => expectedPurchases(PUBLISHED_BG, 39, g.x!, g.t_x!, g.T!)],
    ['cond_exp_52', (g) => expectedPurchases(PUBLISHED_BG, 52, g.x!, g.t_x!, g.T!)],
    ['gg_exp_avg_value', (g) => expectedSpend(PUBLISHED_GG, g.x!, g.m_x!)],
    [
      'clv_12m_W_d0.01',
      (g) =>
        discountedClv(PUBLISHED_BG, PUBLISHED_GG, g.x!, g.t_x!, g.T!, g.m_x!, { monthlyDiscountRate: 0.01 }),
    ],
  ];

  it('covers every CDNOW customer', () => {
    expect(golden).toHaveLength(2357);
  });

  it.each(columnsToCheck)('%s', (column, predict) => {
    let worst = 0;
    for (const g of golden) worst = Math.max(worst, rel(predict(g), g[column]!));
    expect(worst).toBeLessThan(1e-9);
  });

  it('agrees with our own summaries to the rounding of the file (customer 0001: x 2, t_x 30.43, T 38.86)', () => {
    const row = summaries.customer.indexOf(customerIds.indexOf('0001'));
    expect([
      summaries.x[row],
      summaries.txDays[row]! / 7,
      summaries.TDays[row]! / 7,
      summaries.mx[row],
    ]).toEqual([2, 213 / 7, 272 / 7, 22.345]);
    const bulk = predictCustomers(PUBLISHED_BG, PUBLISHED_GG, summaries, compressed, {
      monthlyDiscountRate: 0.01,
    });
    let worst = 0;
    for (const g of golden) {
      const i = summaries.customer.indexOf(customerIds.indexOf(String(g.customer_id).padStart(4, '0')));
      worst = Math.max(worst, rel(bulk.clv[i]!, g['clv_12m_W_d0.01']!), rel(bulk.pAlive[i]!, g.p_alive!));
    }
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('median time to the next purchase', () => {
  it('is (α+T)(2^{1/(r+x)} − 1), the point where the Lomax survival ((α+T)/(α+T+s))^{r+x} is ½', () => {
    const { alpha, r } = PUBLISHED_BG;
    const [x, T] = [2, 272 / 7];
    const median = medianTimeToNextPurchase(PUBLISHED_BG, x, T);
    expect(rel(median, (alpha + T) * (2 ** (1 / (r + x)) - 1))).toBeLessThan(1e-14);
    expect(((alpha + T) / (alpha + T + median)) ** (r + x)).toBeCloseTo(0.5, 14);
    // A one-time buyer has r + x = 0.243 < 1: the mean wait is infinite but the median is finite.
    expect(Number.isFinite(medianTimeToNextPurchase(PUBLISHED_BG, 0, T))).toBe(true);
    // More purchases in the same window → a shorter wait; a longer window without one → a longer wait.
    expect(medianTimeToNextPurchase(PUBLISHED_BG, 10, T)).toBeLessThan(median);
    expect(medianTimeToNextPurchase(PUBLISHED_BG, x, T + 20)).toBeGreaterThan(median);
  });

  it('dates the next order from the calibration end, the same in weeks and in days', () => {
    // x = 2, T = 272/7: median 43.27·(2^{1/2.243} − 1) = 15.67 weeks ≈ 110 days after 1997-09-30.
    const weeks = expectedNextOrderDay(PUBLISHED_BG, 2, 272 / 7, CALIBRATION_END, 'weeks');
    expect(formatDay(weeks)).toBe('1998-01-18');
    const inDays = { ...PUBLISHED_BG, alpha: PUBLISHED_BG.alpha * 7 };
    expect(expectedNextOrderDay(inDays, 2, 272, CALIBRATION_END, 'days')).toBe(weeks);
  });
});
