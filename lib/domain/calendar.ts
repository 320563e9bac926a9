// Calendar-day arithmetic on plain `YYYY-MM-DD` strings: no time zones, no Date parsing quirks.

export const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_DAY = /^--(\d{2})-(\d{2})$/;

/** A real calendar date `YYYY-MM-DD` (2023-02-29 is not one), or undefined. */
export function parseIsoDate(value: string): { year: number; month: number; day: number } | undefined {
  const match = ISO_DATE.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

/**
 * A birthday is `YYYY-MM-DD`, or `--MM-DD` (ISO 8601's form for a month-day with the year withheld).
 * Returns the month and day, or undefined when it is not a real date (Feb 29 is allowed without a year).
 */
export function parseBirthday(value: string): { year?: number; month: number; day: number } | undefined {
  const monthDay = MONTH_DAY.exec(value);
  if (monthDay) {
    const [month, day] = [Number(monthDay[1]), Number(monthDay[2])];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(2000, month)) return undefined;
    return { month, day };
  }
  return parseIsoDate(value);
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The date `days` after a `YYYY-MM-DD` date (before, for a negative count). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** `MM-DD` of a birthday, the key the birthday index is partitioned by. */
export function monthDayKey(birthday: string): string | undefined {
  const parsed = parseBirthday(birthday);
  return parsed ? `${pad(parsed.month)}-${pad(parsed.day)}` : undefined;
}

/** The date a birthday is celebrated in a given year: Feb 29 falls on Feb 28 in non-leap years. */
export function celebrationDate(monthDay: string, year: number): string {
  const [month, day] = monthDay.split('-').map(Number) as [number, number];
  const celebrated = month === 2 && day === 29 && !isLeapYear(year) ? 28 : day;
  return `${year}-${pad(month)}-${pad(celebrated)}`;
}

/**
 * The byBirthday partitions (`MM-DD`) celebrated on a local date: its own `MM-DD` and, where
 * `celebrationDate` moves Feb 29 onto it (Feb 28 of a non-leap year), `02-29` too.
 */
export function birthdayPartitions(localDate: string): string[] {
  const year = Number(localDate.slice(0, 4));
  const candidates = [...new Set([localDate.slice(5), '02-29'])];
  return candidates.filter((monthDay) => celebrationDate(monthDay, year) === localDate);
}
