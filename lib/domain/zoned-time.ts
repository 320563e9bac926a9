import { parseIsoDate } from './calendar';

// Wall-clock time in IANA time zones, on Intl alone. It replaced luxon, which put ~71 KB into most
// Lambda bundles and paid an Intl formatToParts on every call (most of re-scoring's per-profile
// cost). Here a zone's UTC offset is read with formatToParts once per hour of UTC and cached, and
// every local field is then plain arithmetic on `instant + offset`.
//
// The rules for times a daylight-saving change makes odd are luxon's, so nothing stored changes:
// a local time skipped by a spring-forward change moves forward by the gap (01:30 → 02:30 in
// London), and a local time that occurs twice at a fall-back change is taken at the offset in
// force at a nearby instant (`near`), the earlier occurrence by default.

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** An hour of UTC with a change in it: the instant of the change, the offsets before and after. */
type HourOffsets = number | { changeAt: number; before: number; after: number };

interface Zone {
  format: Intl.DateTimeFormat;
  /** Offset (minutes) per UTC hour number, read on first use. */
  hours: Map<number, HourOffsets>;
}

// Bounds on the caches: a zone per IANA name (about 600, more with case variants), and about five
// years of distinct hours a zone; past either the cache starts over.
const MAX_ZONES = 2_000;
const MAX_HOURS_PER_ZONE = 50_000;
const zones = new Map<string, Zone>();

function zoneOf(timeZone: string): Zone | undefined {
  const cached = zones.get(timeZone);
  if (cached) return cached;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined; // not a zone Intl knows; not cached, so bad input cannot grow the cache
  }
  if (zones.size >= MAX_ZONES) zones.clear();
  const zone = { format, hours: new Map<number, HourOffsets>() };
  zones.set(timeZone, zone);
  return zone;
}

/** Epoch milliseconds of wall-clock fields read as UTC (years below 100 included). */
function utcOf(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const date = new Date(0); // Date.UTC reads years 0-99 as 1900-1999
  date.setUTCFullYear(year, month - 1, day);
  return date.setUTCHours(hour, minute, second, ms);
}

/** The offset (minutes) at an instant, straight from Intl: what the cache remembers. */
function readOffset(format: Intl.DateTimeFormat, instant: number): number {
  const fields: Record<string, string> = {};
  for (const part of format.formatToParts(instant)) fields[part.type] = part.value;
  const year = fields.era === 'BC' || fields.era === 'B' ? 1 - Number(fields.year) : Number(fields.year);
  const asUtc = utcOf(
    year,
    Number(fields.month),
    Number(fields.day),
    Number(fields.hour),
    Number(fields.minute),
    Number(fields.second),
  );
  const wholeSecond = instant - (((instant % 1000) + 1000) % 1000);
  return (asUtc - wholeSecond) / MINUTE;
}

function hourOffsets(zone: Zone, hour: number): HourOffsets {
  const cached = zone.hours.get(hour);
  if (cached !== undefined) return cached;
  const before = readOffset(zone.format, hour * HOUR);
  const after = readOffset(zone.format, (hour + 1) * HOUR);
  let entry: HourOffsets = before;
  if (after !== before) {
    // One change in the hour (tz rules never have two): find its second.
    let low = hour * HOUR;
    let high = (hour + 1) * HOUR;
    while (high - low > 1000) {
      const mid = low + Math.floor((high - low) / 2000) * 1000;
      if (readOffset(zone.format, mid) === before) low = mid;
      else high = mid;
    }
    entry = { changeAt: high, before, after };
  }
  if (zone.hours.size >= MAX_HOURS_PER_ZONE) zone.hours.clear();
  zone.hours.set(hour, entry);
  return entry;
}

function offsetIn(zone: Zone, instant: number): number {
  const entry = hourOffsets(zone, Math.floor(instant / HOUR));
  if (typeof entry === 'number') return entry;
  return instant < entry.changeAt ? entry.before : entry.after;
}

/**
 * Whether a time zone is accepted from people and config: an IANA name Intl knows with a `/`
 * (Europe/London), or `UTC`. Abbreviations such as EST or CET, and bare offsets, are refused.
 */
export function isValidTimeZone(timeZone: string): boolean {
  return (timeZone.includes('/') || timeZone === 'UTC') && zoneOf(timeZone) !== undefined;
}

/** The zone's offset from UTC in minutes at an instant (London in summer: 60); undefined for an unknown zone. */
export function offsetAt(instant: Date | number, timeZone: string): number | undefined {
  const zone = zoneOf(timeZone);
  return zone ? offsetIn(zone, Number(instant)) : undefined;
}

/** Wall-clock fields; `weekday` 1 (Monday) to 7 (Sunday), as ISO 8601 numbers them. */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

/** The local fields of an instant in a zone, or undefined for an unknown zone or an invalid date. */
export function localParts(instant: Date | number, timeZone: string): LocalParts | undefined {
  const ms = Number(instant);
  const offset = Number.isFinite(ms) ? offsetAt(ms, timeZone) : undefined;
  if (offset === undefined) return undefined;
  const local = new Date(ms + offset * MINUTE);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    weekday: local.getUTCDay() || 7,
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD` of local fields. */
export const isoDateOf = (local: Pick<LocalParts, 'year' | 'month' | 'day'>): string =>
  `${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)}`;

/** The local date `YYYY-MM-DD` of an instant in a zone, or undefined for an unknown zone. */
export function localDate(instant: Date | number, timeZone: string): string | undefined {
  const local = localParts(instant, timeZone);
  return local && isoDateOf(local);
}

/** A wall-clock date and time; fields past their range roll over (day 32 is the next month's 1st). */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  millisecond?: number;
}

const LOCAL_DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` as fields, or undefined when not a real one. */
export function parseLocalDateTime(value: string): LocalDateTime | undefined {
  const match = LOCAL_DATE_TIME.exec(value);
  const date = match && parseIsoDate(match[1] as string);
  if (!match || !date) return undefined;
  const [hour, minute, second] = [Number(match[2] ?? 0), Number(match[3] ?? 0), Number(match[4] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return { ...date, hour, minute, second };
}

/**
 * The instant (epoch ms) a local date and time names in a zone, or undefined for an unknown zone or
 * a string that is not a real date-time. Skipped by a spring-forward change: moved forward by the
 * gap. Repeated by a fall-back change: the occurrence whose offset is the one in force at `near`
 * (the sender passes the instant it plans from), by default a day earlier, i.e. the first one.
 */
export function instantOf(
  local: LocalDateTime | string,
  timeZone: string,
  near?: Date | number,
): number | undefined {
  const fields = typeof local === 'string' ? parseLocalDateTime(local) : local;
  const zone = zoneOf(timeZone);
  if (!fields || !zone) return undefined;
  const { year, month, day, hour = 0, minute = 0, second = 0, millisecond = 0 } = fields;
  const wall = utcOf(year, month, day, hour, minute, second, millisecond);
  // luxon's fixOffset: guess with the hinted offset, correct once; still inconsistent = a gap.
  const hint = offsetIn(zone, near === undefined ? wall - DAY : Number(near));
  const guess = wall - hint * MINUTE;
  const first = offsetIn(zone, guess);
  if (first === hint) return guess;
  const corrected = offsetIn(zone, wall - first * MINUTE);
  if (corrected === first) return wall - first * MINUTE;
  return wall - Math.min(first, corrected) * MINUTE;
}

/**
 * The zone's offset (minutes) at local noon of a date: the sort key of the occasion indexes, so a
 * daylight-saving change that night is already accounted for. Undefined for an unknown zone.
 */
export function offsetAtLocalNoon(date: string, timeZone: string): number | undefined {
  const day = parseIsoDate(date);
  const noon = day && instantOf({ ...day, hour: 12 }, timeZone);
  return noon === undefined ? undefined : offsetAt(noon, timeZone);
}
