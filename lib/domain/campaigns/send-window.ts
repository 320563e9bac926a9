import type { Customer } from '../customer';
import { instantOf, isoDateOf, type LocalParts, localParts } from '../zoned-time';
import {
  type Campaign,
  type CampaignSettings,
  type Channel,
  minutesOfDay,
  TCPA_SMS_HOURS,
  type TimeWindow,
} from './campaign';

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
  const local = localParts(at, timeZone);
  if (!local) return undefined;
  return { date: isoDateOf(local), minutes: local.hour * 60 + local.minute };
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
  const local = localParts(at, timeZone);
  if (!local) return undefined;
  const inside = (time: LocalParts) => {
    const minutes = time.hour * 60 + time.minute;
    return minutes >= start && minutes < end;
  };
  if (inside(local)) return at;
  // Today's opening if still ahead, else the next day's. An opening in a daylight-saving gap moves
  // forward with the clocks; when that lands past the window's end (the whole window was skipped),
  // the day after's opening it is. A repeated hour is read at the offset of the day's same clock
  // time (luxon's plus-then-set, which planned times were made with).
  for (let days = 0; days <= 2; days++) {
    const sameTime = instantOf({ ...local, day: local.day + days }, timeZone, at) as number;
    const day = localParts(sameTime, timeZone) as LocalParts;
    const opening = instantOf(
      { ...day, hour: Math.floor(start / 60), minute: start % 60, second: 0 },
      timeZone,
      sameTime,
    ) as number;
    if (opening > at.getTime() && inside(localParts(opening, timeZone) as LocalParts))
      return new Date(opening);
  }
  return undefined;
}

/**
 * Florida's Telephone Solicitation Act: no solicitation before 8 a.m. or after 8 p.m. at the called
 * party's location (Fla. Stat. § 501.059(8)(a), as amended by SB 1120, 2023).
 */
export const FLORIDA_SMS_HOURS: TimeWindow = { start: '08:00', end: '20:00' };

/**
 * Florida's area codes, with the overlays in service or announced: NANPA, "Area Code Maps —
 * Florida" and the NANPA planning letters for the 305/786→645, 407/321→689, 727→728, 813→656,
 * 850→448 and 904→324 overlays (https://www.nanpa.com/area-codes/maps, state FL).
 */
export const FLORIDA_AREA_CODES: ReadonlySet<string> = new Set([
  '239',
  '305',
  '321',
  '324',
  '352',
  '386',
  '407',
  '448',
  '561',
  '645',
  '656',
  '689',
  '727',
  '728',
  '754',
  '772',
  '786',
  '813',
  '850',
  '863',
  '904',
  '941',
  '954',
]);

/** Whether an E.164 number is a NANP number with a Florida area code. */
export const isFloridaNumber = (phone: string | undefined): boolean =>
  phone !== undefined && /^\+1\d{10}$/.test(phone) && FLORIDA_AREA_CODES.has(phone.slice(2, 5));

/**
 * The local hours an SMS to this number may go: the configured quiet-hours allowance, within the
 * TCPA's 08:00–21:00, within Florida's 08:00–20:00 for a Florida area code.
 */
export function smsAllowance(
  phone: string | undefined,
  settings: Pick<CampaignSettings, 'smsQuietHours'>,
): TimeWindow[] {
  return [settings.smsQuietHours, TCPA_SMS_HOURS, ...(isFloridaNumber(phone) ? [FLORIDA_SMS_HOURS] : [])];
}

/** The windows a message on `channel` must be inside, in the person's local time. */
export function sendWindows(
  customer: Pick<Customer, 'phone'>,
  campaign: Pick<Campaign, 'sendWindow'>,
  channel: Channel,
  settings: Pick<CampaignSettings, 'smsQuietHours'>,
): TimeWindow[] {
  return channel === 'sms'
    ? [campaign.sendWindow, ...smsAllowance(customer.phone, settings)]
    : [campaign.sendWindow];
}
