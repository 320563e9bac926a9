import { describe, expect, it } from 'vitest';
import { formatDay, parseDay } from '../../../lib/domain/ltv/day-number';
import { replenishmentDate } from '../../../lib/domain/ltv/replenishment';

const days = (...texts: string[]) => texts.map((t) => parseDay(t)!);

describe('replenishmentDate', () => {
  it('predicts last purchase + median gap for a regular monthly coffee order', () => {
    // Gaps 28, 31, 30 days: CV ≈ 0.04, median 30.
    const r = replenishmentDate(days('2024-01-02', '2024-01-30', '2024-03-01', '2024-03-31'));
    expect(r).toBeDefined();
    expect(r!.medianGap).toBe(30);
    expect(formatDay(r!.nextDay)).toBe('2024-04-30');
  });

  it('uses the median, so one late restock does not move the date much', () => {
    const r = replenishmentDate(days('2024-01-01', '2024-01-31', '2024-03-01', '2024-04-15', '2024-05-15'));
    // Gaps 30, 30, 45, 30 → median 30 (the mean would be 33.75).
    expect(r!.medianGap).toBe(30);
    expect(formatDay(r!.nextDay)).toBe('2024-06-14');
  });

  it('returns nothing for an irregular cycle (gaps 5, 60, 200)', () => {
    expect(replenishmentDate(days('2024-01-01', '2024-01-06', '2024-03-06', '2024-09-22'))).toBeUndefined();
  });

  it('needs at least three purchases on distinct days', () => {
    expect(replenishmentDate(days('2024-01-01', '2024-02-01'))).toBeUndefined();
    // Two orders on one day are one purchase.
    expect(replenishmentDate(days('2024-01-01', '2024-02-01', '2024-02-01'))).toBeUndefined();
    expect(replenishmentDate(days('2024-02-01', '2024-01-01', '2024-03-02'))?.medianGap).toBe(30.5);
  });

  it('takes its thresholds as options', () => {
    const irregular = days('2024-01-01', '2024-01-06', '2024-02-15'); // gaps 5, 40: CV 0.78
    expect(replenishmentDate(irregular)).toBeUndefined();
    expect(replenishmentDate(irregular, { maxCoefficientOfVariation: 1 })).toBeDefined();
    expect(replenishmentDate(days('2024-01-01', '2024-01-31'), { minPurchases: 2 })?.medianGap).toBe(30);
  });
});
