import { DateTime } from 'luxon';
import { minutesOfDay, type TimeWindow } from './campaign';

// Who is "due now" for a scheduled campaign: the people whose local clock is inside the send window
// on the occasion's local date. The sparse indexes (byBirthday, byNextOrder) are partitioned by that
// local date (`MM-DD` or `YYYY-MM-DD`) and sorted by the zone's UTC offset in minutes, so for one
// instant each local date in play is one BETWEEN query on the offset:
//
//   local minutes of day = UTC minutes since the local date's midnight-in-UTC + offset
//   start ≤ local < end  ⇔  start − m ≤ offset ≤ end − 1 − m,   m = UTC minutes since that midnight
//
// Offsets run from −12:00 to +14:00, so an instant touches at most three local dates. Half- and
// quarter-hour zones (Kolkata +5:30, Kathmandu +5:45, Chatham +12:45) need nothing special: the
// offset is in minutes. The index stores the offset at local noon of the occasion, which on a
// daylight-saving change day is the offset after the change (changes happen at night).

export const MIN_OFFSET_MINUTES = -12 * 60;
export const MAX_OFFSET_MINUTES = 14 * 60;
const MINUTES_PER_DAY = 1440;

/** One index query: the local date and the inclusive range of UTC offsets (minutes) in the window. */
export interface DueRange {
  localDate: string;
  lowOffset: number;
  highOffset: number;
}

const isoDate = (dayNumber: number): string => new Date(dayNumber * 86_400_000).toISOString().slice(0, 10);

/** The (local date, offset range) pairs whose local time is inside the window at `at`. */
export function dueRanges(at: Date, window: TimeWindow): DueRange[] {
  const utcMinute = Math.floor(at.getTime() / 60_000);
  const start = minutesOfDay(window.start);
  const end = minutesOfDay(window.end);
  const firstDay = Math.floor((utcMinute + MIN_OFFSET_MINUTES) / MINUTES_PER_DAY);
  const lastDay = Math.floor((utcMinute + MAX_OFFSET_MINUTES) / MINUTES_PER_DAY);
  const ranges: DueRange[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const sinceMidnight = utcMinute - day * MINUTES_PER_DAY;
    const lowOffset = Math.max(MIN_OFFSET_MINUTES, start - sinceMidnight);
    const highOffset = Math.min(MAX_OFFSET_MINUTES, end - 1 - sinceMidnight);
    if (lowOffset <= highOffset) ranges.push({ localDate: isoDate(day), lowOffset, highOffset });
  }
  return ranges;
}

/** The person's local date and minutes since local midnight at an instant. */
export function localClock(at: Date, timeZone: string): { date: string; minutes: number } | undefined {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  if (!local.isValid) return undefined;
  return { date: local.toISODate() as string, minutes: local.hour * 60 + local.minute };
}

/** Whether local minutes of day fall inside a window (start inclusive, end exclusive). */
export function insideWindow(minutes: number, window: TimeWindow): boolean {
  return minutes >= minutesOfDay(window.start) && minutes < minutesOfDay(window.end);
}

/**
 * The earliest instant at or after `at` whose local time in `timeZone` is inside every one of
 * `windows` (a campaign's send window, and for SMS the quiet-hours allowance): `at` itself when it
 * already is, else the next opening of their overlap — later today, or tomorrow. Undefined when the
 * windows do not overlap (nothing is ever allowed) or the zone is unknown. On a daylight-saving day
 * an opening that falls in the skipped hour moves forward with the clocks.
 */
export function nextSendTime(at: Date, timeZone: string, windows: readonly TimeWindow[]): Date | undefined {
  const start = Math.max(...windows.map((w) => minutesOfDay(w.start)));
  const end = Math.min(...windows.map((w) => minutesOfDay(w.end)));
  if (windows.length === 0 || start >= end) return undefined;
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  if (!local.isValid) return undefined;
  const minutes = local.hour * 60 + local.minute;
  if (minutes >= start && minutes < end) return at;
  const day = minutes < start ? local : local.plus({ days: 1 });
  const opening = day.set({ hour: Math.floor(start / 60), minute: start % 60, second: 0, millisecond: 0 });
  return opening.toJSDate();
}
