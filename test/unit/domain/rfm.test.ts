import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyRfm,
  computeRfmThresholds,
  fmScore,
  RFM_SEGMENTS,
  type RfmScoreValue,
  RfmThresholdsSchema,
  type RfmValues,
  rfmSegment,
  rfmValuesFromMetrics,
  scoreRfm,
} from '../../../lib/domain/rfm';

// Ten buyers as a shop's nightly job would see them (and one prospect who never ordered).
const recency = [1, 5, 10, 20, 30, 60, 90, 180, 270, 365];
const frequency = [1, 1, 1, 1, 1, 1, 2, 2, 3, 8]; // 60% bought once
const monetary = [20, 40, 60, 80, 100, 150, 200, 400, 800, 2000];
const shop: RfmValues[] = [
  ...recency.map((r, i) => ({ recencyDays: r, frequency: frequency[i]!, monetary: monetary[i]! })),
  { recencyDays: 0, frequency: 0, monetary: 0 },
];
const thresholds = computeRfmThresholds(shop)!;

const scores: RfmScoreValue[] = [1, 2, 3, 4, 5];

describe('computeRfmThresholds', () => {
  it('cuts each dimension at its 20/40/60/80th percentiles over buyers only', () => {
    expect(thresholds.population).toBe(10);
    // e.g. recency p20: 1.8 of the way through [1, 5, 10, …] → 5 + 0.8 × (10 − 5) = 9
    expect(thresholds.recencyDays).toEqual([9, 26, 72, 198]);
    expect(thresholds.monetary).toEqual([56, 92, 170, 480]);
    expect(thresholds.frequency).toEqual([1, 1, 1.4, 2.2]);
    expect(RfmThresholdsSchema.parse(thresholds)).toEqual(thresholds);
  });

  it('has no thresholds for fewer than five buyers, however many prospects', () => {
    const fourBuyers = shop.slice(0, 4);
    const prospects = Array.from({ length: 10 }, () => ({ recencyDays: 0, frequency: 0, monetary: 0 }));
    expect(computeRfmThresholds([...fourBuyers, ...prospects])).toBeNull();
    expect(computeRfmThresholds([])).toBeNull();
    expect(computeRfmThresholds(shop.slice(0, 5))?.population).toBe(5);
  });

  it('rejects stored cut points that are out of order', () => {
    const bad = { ...thresholds, monetary: [56, 92, 480, 170] };
    expect(RfmThresholdsSchema.safeParse(bad).success).toBe(false);
  });
});

describe('scoreRfm', () => {
  it('one-order customers are F1 even though they are the majority; two orders is already F4', () => {
    expect(scoreRfm({ recencyDays: 10, frequency: 1, monetary: 100 }, thresholds).f).toBe(1);
    expect(scoreRfm({ recencyDays: 10, frequency: 2, monetary: 100 }, thresholds).f).toBe(4);
    expect(scoreRfm({ recencyDays: 10, frequency: 3, monetary: 100 }, thresholds).f).toBe(5);
  });

  it('a value on a cut point stays in the band below it; recency counts days, so fewer is better', () => {
    expect(scoreRfm({ recencyDays: 9, frequency: 1, monetary: 480 }, thresholds)).toEqual({
      r: 5,
      f: 1,
      m: 4,
    });
    expect(scoreRfm({ recencyDays: 10, frequency: 1, monetary: 480.01 }, thresholds)).toEqual({
      r: 4,
      f: 1,
      m: 5,
    });
    expect(scoreRfm({ recencyDays: 199, frequency: 1, monetary: 0 }, thresholds)).toEqual({
      r: 1,
      f: 1,
      m: 1,
    });
  });

  it('a launch week where everyone bought once for the same price: everyone is New', () => {
    const launch = Array.from({ length: 8 }, () => ({ recencyDays: 2, frequency: 1, monetary: 30 }));
    const tied = computeRfmThresholds(launch)!;
    expect(classifyRfm(launch[0]!, tied)).toEqual({ score: { r: 5, f: 1, m: 1 }, segment: 'New' });
  });

  it('never scores lower for a more recent, more frequent or bigger-spending customer', () => {
    const values = fc.record({
      recencyDays: fc.integer({ min: 0, max: 1000 }),
      frequency: fc.integer({ min: 1, max: 50 }),
      monetary: fc.integer({ min: 0, max: 10_000 }),
    });
    fc.assert(
      fc.property(values, fc.nat(100), (v, delta) => {
        const base = scoreRfm(v, thresholds);
        const better = scoreRfm(
          {
            recencyDays: Math.max(0, v.recencyDays - delta),
            frequency: v.frequency + delta,
            monetary: v.monetary + delta,
          },
          thresholds,
        );
        expect(better.r).toBeGreaterThanOrEqual(base.r);
        expect(better.f).toBeGreaterThanOrEqual(base.f);
        expect(better.m).toBeGreaterThanOrEqual(base.m);
      }),
    );
  });
});

describe('rfmSegment', () => {
  it.each<[string, RfmValues, string]>([
    [
      'bought yesterday, 20 orders, top spend',
      { recencyDays: 1, frequency: 20, monetary: 5000 },
      'Champions',
    ],
    [
      'last order 300 days ago, was a big frequent spender',
      { recencyDays: 300, frequency: 12, monetary: 3000 },
      "Can't Lose",
    ],
    [
      '150 days quiet after 3 orders and 200 spent',
      { recencyDays: 150, frequency: 3, monetary: 200 },
      'At Risk',
    ],
    ['first order 3 days ago, small basket', { recencyDays: 3, frequency: 1, monetary: 50 }, 'New'],
    ['first order 20 days ago, small basket', { recencyDays: 20, frequency: 1, monetary: 50 }, 'Promising'],
    [
      'second order 5 days ago, middling spend',
      { recencyDays: 5, frequency: 2, monetary: 120 },
      'Potential Loyalist',
    ],
    ['3 orders, 1000 spent, last 20 days ago', { recencyDays: 20, frequency: 3, monetary: 1000 }, 'Loyal'],
    ['2 orders, 300 spent, last 50 days ago', { recencyDays: 50, frequency: 2, monetary: 300 }, 'Loyal'],
    [
      '2 orders, 100 spent, last 50 days ago',
      { recencyDays: 50, frequency: 2, monetary: 100 },
      'Need Attention',
    ],
    ['1 order, 100 spent, 50 days ago', { recencyDays: 50, frequency: 1, monetary: 100 }, 'About to Sleep'],
    ['1 small order 100 days ago', { recencyDays: 100, frequency: 1, monetary: 50 }, 'Hibernating'],
    ['1 small order 300 days ago', { recencyDays: 300, frequency: 1, monetary: 30 }, 'Lost'],
  ])('%s → %s', (_, values, segment) => {
    expect(classifyRfm(values, thresholds).segment).toBe(segment);
  });

  it('F5 M4 is column 4: a big frequent spender who is not the very biggest gone quiet is At Risk', () => {
    expect(fmScore({ f: 5, m: 4 })).toBe(4);
    expect(rfmSegment({ r: 1, f: 5, m: 4 })).toBe('At Risk');
    expect(rfmSegment({ r: 1, f: 5, m: 5 })).toBe("Can't Lose");
  });

  it('maps every one of the 125 (r, f, m) scores to exactly one named segment, by r and FM alone', () => {
    const reached = new Set<string>();
    const byCell = new Map<string, string>();
    for (const r of scores) {
      for (const f of scores) {
        for (const m of scores) {
          const segment = rfmSegment({ r, f, m });
          expect(RFM_SEGMENTS).toContain(segment);
          reached.add(segment);
          const cell = `${r}/${fmScore({ f, m })}`;
          expect(byCell.get(cell) ?? segment).toBe(segment);
          byCell.set(cell, segment);
        }
      }
    }
    expect(byCell.size).toBe(25);
    expect([...reached].sort()).toEqual([...RFM_SEGMENTS].sort());
  });

  it('Champions only at the highest recency; Lost and Hibernating only at the two lowest', () => {
    for (const r of scores) {
      for (const f of scores) {
        for (const m of scores) {
          const segment = rfmSegment({ r, f, m });
          if (segment === 'Champions') expect(r).toBe(5);
          if (segment === 'Lost') expect(r).toBe(1);
          if (segment === 'Hibernating' || segment === "Can't Lose") expect(r).toBeLessThanOrEqual(2);
        }
      }
    }
  });
});

describe('rfmValuesFromMetrics', () => {
  it('counts recency in UTC calendar days from the last order', () => {
    const metrics = { orderCount: 3, totalSpend: 240.5, lastOrderAt: '2024-03-01T23:00:00.000Z' };
    expect(rfmValuesFromMetrics(metrics, '2024-03-02T01:00:00Z')).toEqual({
      recencyDays: 1,
      frequency: 3,
      monetary: 240.5,
    });
  });

  it('a customer with no orders has no RFM values', () => {
    expect(
      rfmValuesFromMetrics({ orderCount: 0, totalSpend: 0, lastOrderAt: null }, '2024-03-02T00:00:00Z'),
    ).toBeNull();
  });
});
