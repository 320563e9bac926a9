import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayNumber, daysInMonth, formatDay, parseDay } from '../../../lib/domain/ltv/day-number';

describe('day numbers', () => {
  it.each([
    ['1970-01-01', 0],
    ['1997-01-01', 9862],
    ['1997-09-30', 10134],
    ['2000-02-29', 11016],
    ['1969-12-31', -1],
  ])('%s is day %d', (text, day) => {
    expect(parseDay(text)).toBe(day);
    expect(formatDay(day)).toBe(text);
  });

  it('agrees with Date.UTC and round-trips for any day from 1600 to 2400', () => {
    fc.assert(
      fc.property(fc.integer({ min: -135_000, max: 157_000 }), (day) => {
        const text = formatDay(day);
        expect(parseDay(text)).toBe(day);
        expect(new Date(day * 86_400_000).toISOString().slice(0, 10)).toBe(text);
      }),
    );
  });

  it('accepts the compact CDNOW form and counts the CDNOW calibration span (272 days = 38.857 weeks)', () => {
    expect(parseDay('19970930')! - parseDay('19970101')!).toBe(272);
    expect(dayNumber(1997, 9, 30)).toBe(parseDay('1997-09-30'));
  });

  it.each(['1997-02-29', '1997-13-01', '1997-00-10', '1997-9-30', '1997-0930', '97-09-30', '', 'tomorrow'])(
    'rejects %j',
    (text) => {
      expect(parseDay(text)).toBeUndefined();
    },
  );

  it('knows leap years', () => {
    expect([daysInMonth(1900, 2), daysInMonth(2000, 2), daysInMonth(2024, 2), daysInMonth(2023, 2)]).toEqual([
      28, 29, 29, 28,
    ]);
  });
});
