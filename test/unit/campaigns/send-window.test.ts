import { describe, expect, it } from 'vitest';
import { addDays, birthdayPartitions, isLeapYear } from '../../../lib/domain/calendar';
import { dueRanges } from '../../../lib/domain/campaigns/send-window';
import { birthdayIndexKeys, nextOrderIndexKeys } from '../../../lib/domain/occasion-keys';
import { instantOf, localDate, localParts } from '../../../lib/domain/zoned-time';

// The planner's index queries select exactly the people whose local clock is inside the send
// window on their occasion's local date: checked every 15 minutes over four days around the
// occasion, in 24 zones including half- and quarter-hour offsets and daylight-saving change days.

const WINDOW = { start: '09:00', end: '11:00' };

const ZONES: [zone: string, birthday: string][] = [
  ['Pacific/Auckland', '1990-04-05'], // NZDT ends 2026-04-05 03:00
  ['Pacific/Chatham', '1985-09-27'], // +12:45 → +13:45 on 2026-09-27
  ['Pacific/Kiritimati', '1979-01-01'], // +14:00
  ['Pacific/Tongatapu', '1988-07-20'],
  ['Australia/Sydney', '1991-10-04'], // AEDT starts 2026-10-04
  ['Australia/Adelaide', '1975-04-05'], // +10:30 → +9:30 on 2026-04-05
  ['Australia/Eucla', '2000-06-15'], // +8:45
  ['Asia/Tokyo', '1993-12-31'],
  ['Asia/Shanghai', '1960-02-29'], // Feb 29: Feb 28 in 2026
  ['Asia/Kathmandu', '1999-08-08'], // +5:45
  ['Asia/Kolkata', '1982-11-14'], // +5:30
  ['Asia/Tehran', '1970-03-21'], // +3:30
  ['Asia/Dubai', '2001-05-05'],
  ['Europe/Moscow', '1964-01-31'],
  ['Europe/Berlin', '1987-03-29'], // CEST starts 2026-03-29
  ['Europe/London', '1990-10-25'], // BST ends 2026-10-25
  ['Atlantic/Azores', '1972-03-29'],
  ['America/Sao_Paulo', '1994-09-09'],
  ['America/St_Johns', '1983-11-01'], // -3:30 / -2:30; NDT ends 2026-11-01
  ['America/New_York', '1980-03-08'], // EDT starts 2026-03-08
  ['America/Chicago', '1992-11-01'], // CDT ends 2026-11-01
  ['America/Los_Angeles', '1996-02-29'], // Feb 29 again, far west
  ['Pacific/Marquesas', '1977-06-01'], // -9:30
  ['Pacific/Pago_Pago', '1968-12-25'], // -11:00
];

const celebrated = (birthday: string, year: number): string => {
  const monthDay = birthday.slice(5);
  return `${year}-${monthDay === '02-29' && !isLeapYear(year) ? '02-28' : monthDay}`;
};

describe('birthday: due exactly while the local clock is inside the window', () => {
  it.each(ZONES)('%s, born %s', (timeZone, birthday) => {
    const date = celebrated(birthday, 2026);
    // Index keys as the profile stream derives them, a few days before.
    const before = new Date(instantOf(`${addDays(date, -3)}T00:00`, timeZone) as number);
    const keys = birthdayIndexKeys({ birthday, timeZone }, before);
    expect(keys).toBeDefined();
    const start = instantOf(`${addDays(date, -2)}T00:00`, timeZone) as number;
    const stop = instantOf(`${addDays(date, 2)}T00:00`, timeZone) as number;
    let dueSlots = 0;
    for (let at = start; at < stop; at += 15 * 60_000) {
      const local = localParts(at, timeZone)!;
      const expected = localDate(at, timeZone) === date && local.hour >= 9 && local.hour < 11;
      const found = dueRanges(new Date(at), WINDOW).some(
        (range) =>
          birthdayPartitions(range.localDate).includes(keys!.birthdayKey) &&
          range.localDate === date &&
          keys!.birthdayOffset >= range.lowOffset &&
          keys!.birthdayOffset <= range.highOffset,
      );
      expect(found, `${timeZone} at ${new Date(at).toISOString()} (local ${JSON.stringify(local)})`).toBe(
        expected,
      );
      if (found) dueSlots++;
    }
    // 09:00-11:00 is eight quarter-hours: every hourly run in it finds the person (twice).
    expect(dueSlots).toBe(8);
  });

  it('asks at most three local dates and never outside the offsets zones use', () => {
    for (let hour = 0; hour < 48; hour++) {
      const ranges = dueRanges(new Date(Date.UTC(2026, 5, 1, hour, 0)), WINDOW);
      expect(ranges.length).toBeGreaterThanOrEqual(1);
      expect(ranges.length).toBeLessThanOrEqual(2);
      for (const r of ranges) {
        expect(r.lowOffset).toBeGreaterThanOrEqual(-720);
        expect(r.highOffset).toBeLessThanOrEqual(840);
        expect(r.highOffset - r.lowOffset).toBeLessThan(120);
      }
    }
  });

  it('celebrates Feb 29 on Feb 28 in non-leap years and on Feb 29 in leap years', () => {
    expect(birthdayPartitions('2026-02-28')).toEqual(['02-28', '02-29']);
    expect(birthdayPartitions('2028-02-28')).toEqual(['02-28']);
    expect(birthdayPartitions('2028-02-29')).toEqual(['02-29']);
    expect(birthdayPartitions('2026-03-01')).toEqual(['03-01']);
  });
});

describe('repurchase: due on the expected next-order date inside the window', () => {
  it.each(ZONES.slice(0, 12))('%s', (timeZone) => {
    const date = '2026-10-04';
    const keys = nextOrderIndexKeys({ ltv: { nextOrderDate: date } as never, timeZone });
    const start = instantOf(`${addDays(date, -1)}T00:00`, timeZone) as number;
    const stop = instantOf(`${addDays(date, 2)}T00:00`, timeZone) as number;
    for (let at = start; at < stop; at += 3_600_000) {
      const local = localParts(at, timeZone)!;
      const expected = localDate(at, timeZone) === date && local.hour >= 9 && local.hour < 11;
      const found = dueRanges(new Date(at), WINDOW).some(
        (r) =>
          r.localDate === keys!.nextOrderKey &&
          keys!.nextOrderOffset >= r.lowOffset &&
          keys!.nextOrderOffset <= r.highOffset,
      );
      expect(found, `${timeZone} at ${new Date(at).toISOString()}`).toBe(expected);
    }
  });
});
