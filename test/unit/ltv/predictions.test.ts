import { describe, expect, it } from 'vitest';
import {
  expectedPurchases,
  expectedPurchasesNumerator,
  pAlive,
  unconditionalExpectedPurchases,
} from '../../../lib/domain/ltv/bgnbd';
import { discountedClv, discountedPurchases, historicalClv } from '../../../lib/domain/ltv/clv';
import { expectedSpend } from '../../../lib/domain/ltv/gamma-gamma';
import { hyp2f1 } from '../../../lib/domain/ltv/special-functions';

const BG = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const GG = { p: 6.25, q: 3.74, v: 15.44 };

describe('historical CLV', () => {
  it('is average order value × purchases per year × expected years: 3000 × 4 × 10 = 120,000', () => {
    expect(historicalClv({ averageOrderValue: 3000, purchasesPerYear: 4, expectedLifetimeYears: 10 })).toBe(
      120_000,
    );
  });
});

describe('expected purchases for very frequent buyers (the 2F1 overflow case)', () => {
  it.each([1_000, 10_000])('x = %d over 52 weeks gives finite, sane expectations', (x) => {
    // Bought all year up to the end of calibration: λ ≈ (r+x)/(α+T) per week, still alive.
    const rate = (BG.r + x) / (BG.alpha + 52);
    const next10 = expectedPurchases(BG, 10, x, 52, 52);
    expect(Number.isFinite(next10)).toBe(true);
    expect(pAlive(BG, x, 52, 52)).toBeGreaterThan(0.99);
    // Dropout after each purchase, p ~ Beta(a, b+x), trims only a little off 10 weeks at rate λ.
    expect(next10).toBeLessThan(10 * rate);
    expect(next10).toBeGreaterThan(0.8 * 10 * rate);
    // The same customer silent for the last 42 weeks is almost surely gone.
    expect(pAlive(BG, x, 10, 52)).toBeLessThan(1e-12);
    expect(expectedPurchases(BG, 10, x, 10, 52)).toBeLessThan(1e-9);
  });

  it('matches the untransformed textbook formula where the naive 2F1 series still works (x = 5)', () => {
    const [x, tx, T, t] = [5, 30, 38.86, 39];
    const { r, alpha, a, b } = BG;
    const z = t / (alpha + T + t);
    const textbook =
      (((a + b + x - 1) / (a - 1)) *
        (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))) /
      (1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x));
    expect(Math.abs(expectedPurchases(BG, t, x, tx, T) / textbook - 1)).toBeLessThan(1e-12);
  });

  it('is continuous through a = 1, where the formula has a removable 0/0', () => {
    const near = (a: number) => expectedPurchasesNumerator({ ...BG, a }, 20, 3, 30);
    const at = near(1);
    expect(Number.isFinite(at)).toBe(true);
    expect(Math.abs(near(1 - 1e-7) / at - 1)).toBeLessThan(1e-6);
    expect(Math.abs(near(1 + 1e-7) / at - 1)).toBeLessThan(1e-6);
  });

  it('grows with the horizon and starts at zero', () => {
    expect(expectedPurchases(BG, 0, 2, 30, 38)).toBe(0);
    let previous = 0;
    for (const t of [1, 5, 10, 52, 520]) {
      const e = expectedPurchases(BG, t, 2, 30, 38);
      expect(e).toBeGreaterThan(previous);
      previous = e;
    }
  });

  it('E[X(t)] matches the textbook (a+b−1)/(a−1)·[1 − (α/(α+t))^r 2F1(r, b; a+b−1; t/(α+t))]', () => {
    const { r, alpha, a, b } = BG;
    for (const t of [1, 39, 78]) {
      const textbook =
        ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)));
      expect(Math.abs(unconditionalExpectedPurchases(BG, t) / textbook - 1)).toBeLessThan(1e-12);
    }
    // Equivalently the conditional expectation of a customer who has just made a first purchase.
    expect(unconditionalExpectedPurchases(BG, 78)).toBe(expectedPurchases(BG, 78, 0, 0, 0));
  });
});

describe('discounted CLV', () => {
  const [x, tx, T, mx] = [3, 30, 38.86, 40];

  it('without discounting is expected spend × expected purchases over 12 months of 4.345 weeks', () => {
    const clv = discountedClv(BG, GG, x, tx, T, mx, { annualDiscountRate: 0 });
    const purchases = expectedPurchases(BG, 12 * 4.345, x, tx, T);
    expect(clv / (expectedSpend(GG, x, mx) * purchases) - 1).toBeCloseTo(0, 12);
  });

  it('defaults to 12 months at 10% a year, which sits between 0% and 1% a month', () => {
    const byDefault = discountedClv(BG, GG, x, tx, T, mx);
    expect(byDefault).toBe(discountedClv(BG, GG, x, tx, T, mx, { months: 12, annualDiscountRate: 0.1 }));
    expect(byDefault).toBeLessThan(discountedClv(BG, GG, x, tx, T, mx, { annualDiscountRate: 0 }));
    expect(byDefault).toBeGreaterThan(discountedClv(BG, GG, x, tx, T, mx, { monthlyDiscountRate: 0.01 }));
  });

  it('grows with the horizon and is the same in days as in weeks', () => {
    const year = discountedPurchases(BG, x, tx, T);
    expect(discountedPurchases(BG, x, tx, T, { months: 24 })).toBeGreaterThan(year);
    const inDays = discountedPurchases({ ...BG, alpha: BG.alpha * 7 }, x, tx * 7, T * 7, {
      unitsPerMonth: 4.345 * 7,
    });
    expect(inDays / year - 1).toBeCloseTo(0, 12);
  });
});

describe('expected spend (Gamma-Gamma conditional mean)', () => {
  it('shrinks a customer mean towards the population mean p·γ/(q−1), less so with more orders', () => {
    const population = (GG.p * GG.v) / (GG.q - 1);
    expect(expectedSpend(GG, 0, 0)).toBeCloseTo(population, 12);
    // Hand check: x = 2, m_x = 22.345 → 6.25·(15.44 + 44.69)/(12.5 + 2.74) = 24.6596…
    expect(expectedSpend(GG, 2, 22.345)).toBeCloseTo((6.25 * (15.44 + 2 * 22.345)) / (6.25 * 2 + 2.74), 12);
    const one = expectedSpend(GG, 1, 100);
    const ten = expectedSpend(GG, 10, 100);
    expect(one).toBeGreaterThan(population);
    expect(ten).toBeGreaterThan(one);
    expect(ten).toBeLessThan(100);
  });
});
