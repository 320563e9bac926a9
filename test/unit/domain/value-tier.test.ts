import { describe, expect, it } from 'vitest';
import {
  computeValueThresholds,
  paretoCurve,
  quantile,
  topShare,
  ValueThresholdsSchema,
  valueTier,
} from '../../../lib/domain/value-tier';

// Ten customers; two of them bring 80% of the revenue (the textbook 80/20 shop).
const paretoShop = [25, 400, 25, 25, 25, 400, 25, 25, 25, 25];

describe('quantile', () => {
  it.each([
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.8, 8.2],
    [[15, 20, 35, 40, 50], 0.4, 29],
    [[50, 15, 40, 35, 20], 0.5, 35],
    [[7], 0.8, 7],
    [[3, 1], 0, 1],
    [[3, 1], 1, 3],
  ])('quantile(%j, %d) = %d', (values, p, expected) => {
    expect(quantile(values, p)).toBeCloseTo(expected, 10);
  });

  it('is null without values and refuses p outside 0..1', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(() => quantile([1], 1.2)).toThrow(RangeError);
  });
});

describe('value tiers', () => {
  it('the two customers who bring 80% of revenue are the VIPs', () => {
    const thresholds = computeValueThresholds(paretoShop)!;
    // 80th percentile: between the 8th (25) and 9th (400) smallest values, 0.2 of the way.
    expect(thresholds.vipMin).toBeCloseTo(100, 10);
    expect(thresholds.population).toBe(10);
    expect(thresholds.vipValueShare).toBeCloseTo(0.8, 10);
    expect(paretoShop.map((v) => valueTier(v, thresholds)).filter((t) => t === 'vip')).toHaveLength(2);
    expect(ValueThresholdsSchema.parse(thresholds)).toEqual(thresholds);
  });

  it('the top 20% of a spread-out population is VIP', () => {
    const values = Array.from({ length: 100 }, (_, i) => (i + 1) * 10); // 10 … 1000
    const thresholds = computeValueThresholds(values)!;
    expect(values.filter((v) => valueTier(v, thresholds) === 'vip')).toEqual(values.slice(80));
  });

  it('a customer with no predicted value is never VIP, even when most are at zero', () => {
    const mostlyZero = [0, 0, 0, 0, 0, 0, 0, 0, 0, 120];
    const thresholds = computeValueThresholds(mostlyZero)!;
    expect(thresholds.vipMin).toBe(0);
    expect(valueTier(0, thresholds)).toBe('standard');
    expect(valueTier(120, thresholds)).toBe('vip');
  });

  it('has no thresholds without customers', () => {
    expect(computeValueThresholds([])).toBeNull();
  });
});

describe('topShare (the 80/20 point)', () => {
  it('10 customers, two bring 80% of revenue → the top 20% hold 0.8', () => {
    expect(topShare(paretoShop, 0.2)).toBeCloseTo(0.8, 10);
  });

  it('equal customers: the top 20% hold 20%', () => {
    expect(topShare([100, 100, 100, 100, 100], 0.2)).toBeCloseTo(0.2, 10);
  });

  it('counts a fraction of a customer pro rata', () => {
    // Top 20% of 3 customers is 0.6 of the biggest: 0.6 × 60 of 100.
    expect(topShare([10, 60, 30], 0.2)).toBeCloseTo(0.36, 10);
  });

  it('counts refunds-in-excess (negative values) as zero and is null when nobody spent', () => {
    expect(topShare([100, -50], 0.5)).toBe(1);
    expect(topShare([0, 0], 0.2)).toBeNull();
    expect(topShare([], 0.2)).toBeNull();
  });
});

describe('paretoCurve', () => {
  it('runs from (0, 0) to (1, 1), steepest where the VIPs are', () => {
    const curve = paretoCurve(paretoShop, 10);
    expect(curve).toHaveLength(11);
    expect(curve.map((p) => p.customerShare)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    const revenue = curve.map((p) => p.revenueShare);
    [0, 0.4, 0.8, 0.825, 0.85, 0.875, 0.9, 0.925, 0.95, 0.975, 1].forEach((expected, i) => {
      expect(revenue[i]).toBeCloseTo(expected, 10);
    });
  });

  it('defaults to 100 steps and is empty when there is no revenue', () => {
    expect(paretoCurve(paretoShop)).toHaveLength(101);
    expect(paretoCurve([0, 0, 0])).toEqual([]);
    expect(() => paretoCurve(paretoShop, 0)).toThrow(RangeError);
  });
});
