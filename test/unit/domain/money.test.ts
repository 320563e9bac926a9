import { describe, expect, it } from 'vitest';
import { fromMinorUnits, roundMoney, sumMoney, toMinorUnits } from '../../../lib/domain/money';

describe('money', () => {
  it.each([
    [12.34, 1234],
    [1.005, 101], // 1.005 * 100 is 100.4999… in floating point
    [0.1, 10],
    [-2.5, -250],
    [0, 0],
    [3000, 300000],
  ])('toMinorUnits(%d) = %d', (amount, minor) => {
    expect(toMinorUnits(amount)).toBe(minor);
  });

  it('rounds half away from zero', () => {
    expect(roundMoney(2.345)).toBe(2.35);
    expect(roundMoney(-2.345)).toBe(-2.35);
    expect(roundMoney(1e-7)).toBe(0);
  });

  it('sums to the cent where floats drift', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumMoney([0.1, 0.2])).toBe(0.3);
    expect(fromMinorUnits(1234)).toBe(12.34);
  });

  it('rejects NaN and infinities', () => {
    expect(() => toMinorUnits(Number.NaN)).toThrow(RangeError);
    expect(() => toMinorUnits(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
