import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  instantOf,
  isValidTimeZone,
  localDate,
  localParts,
  offsetAt,
  offsetAtLocalNoon,
} from '../../../lib/domain/zoned-time';

// Expected values were read from luxon 3.7.2 (which this module replaced) and hard-coded, so the
// stored index keys and planned send times stay what they were.
const at = (iso: string) => Date.parse(iso);

describe('instantOf', () => {
  it.each([
    // [local time, zone, which occurrence at a fall-back change, UTC instant, offset there]
    ['2026-06-15T12:00', 'Pacific/Kiritimati', '', '2026-06-14T22:00:00Z', 840],
    ['2026-06-15T12:00', 'Etc/GMT+12', '', '2026-06-16T00:00:00Z', -720],
    ['2026-06-15T12:00', 'Asia/Kathmandu', '', '2026-06-15T06:15:00Z', 345],
    ['2026-01-15T12:00', 'Pacific/Chatham', '', '2026-01-14T22:15:00Z', 825],
    ['2026-06-15T12:00', 'Pacific/Chatham', '', '2026-06-14T23:15:00Z', 765],
    ['2026-01-15T12:00', 'Australia/Lord_Howe', '', '2026-01-15T01:00:00Z', 660],
    ['2026-06-15T12:00', 'Australia/Lord_Howe', '', '2026-06-15T01:30:00Z', 630],
    ['2026-03-29T12:00', 'Europe/London', '', '2026-03-29T11:00:00Z', 60],
    ['2026-10-25T12:00', 'Europe/London', '', '2026-10-25T12:00:00Z', 0],
    // Skipped by a spring-forward change: moved forward by the gap.
    ['2026-03-29T01:30', 'Europe/London', '', '2026-03-29T01:30:00Z', 60],
    ['2026-03-08T02:30', 'America/New_York', '', '2026-03-08T07:30:00Z', -240],
    ['2026-10-04T02:15', 'Australia/Lord_Howe', '', '2026-10-03T15:45:00Z', 660],
    ['2026-09-27T03:00', 'Pacific/Chatham', '', '2026-09-26T14:15:00Z', 825],
    ['2018-11-04T00:30', 'America/Sao_Paulo', '', '2018-11-04T03:30:00Z', -120],
    // Repeated by a fall-back change: the occurrence at the offset in force near the given instant.
    ['2026-10-25T01:30', 'Europe/London', 'first', '2026-10-25T00:30:00Z', 60],
    ['2026-10-25T01:30', 'Europe/London', 'second', '2026-10-25T01:30:00Z', 0],
    ['2026-10-25T01:30', 'Europe/London', 'default', '2026-10-25T00:30:00Z', 60],
    ['2026-11-01T01:30', 'America/New_York', 'first', '2026-11-01T05:30:00Z', -240],
    ['2026-11-01T01:30', 'America/New_York', 'second', '2026-11-01T06:30:00Z', -300],
    ['2026-04-05T01:45', 'Australia/Lord_Howe', 'first', '2026-04-04T14:45:00Z', 660],
    ['2026-04-05T01:45', 'Australia/Lord_Howe', 'second', '2026-04-04T15:15:00Z', 630],
    ['2026-04-05T03:00', 'Pacific/Chatham', 'first', '2026-04-04T13:15:00Z', 825],
    ['2026-04-05T03:00', 'Pacific/Chatham', 'second', '2026-04-04T14:15:00Z', 765],
  ])('%s in %s %s is %s (offset %i)', (local, zone, which, expected, offset) => {
    const day = local.slice(0, 10);
    const near =
      which === 'first'
        ? instantOf(`${day}T00:00`, zone)
        : which === 'second'
          ? instantOf(`${day}T06:00`, zone)
          : undefined;
    const instant = instantOf(local, zone, near);
    expect(instant).toBe(at(expected));
    expect(offsetAt(instant as number, zone)).toBe(offset);
  });

  it('is undefined for an unknown zone or a date-time that is not real', () => {
    expect(instantOf('2026-06-15T12:00', 'Mars/Olympus_Mons')).toBeUndefined();
    expect(instantOf('2026-02-29T12:00', 'Europe/London')).toBeUndefined();
    expect(instantOf('2026-06-15T24:00', 'Europe/London')).toBeUndefined();
    expect(instantOf('15/06/2026', 'Europe/London')).toBeUndefined();
  });
});

describe('offsetAtLocalNoon', () => {
  it('is the offset after a change made that night, and undefined for an unknown zone', () => {
    expect(offsetAtLocalNoon('2026-03-29', 'Europe/London')).toBe(60);
    expect(offsetAtLocalNoon('2026-10-04', 'Australia/Lord_Howe')).toBe(660);
    expect(offsetAtLocalNoon('2026-06-15', 'Etc/GMT+12')).toBe(-720);
    expect(offsetAtLocalNoon('2026-06-15', 'Nowhere/Atlantis')).toBeUndefined();
  });
});

describe('localParts and localDate', () => {
  it('read the wall clock, with an ISO weekday', () => {
    expect(localParts(at('2026-06-14T22:30:15Z'), 'Pacific/Kiritimati')).toEqual({
      year: 2026,
      month: 6,
      day: 15,
      hour: 12,
      minute: 30,
      second: 15,
      weekday: 1,
    });
    expect(localDate(at('2026-06-15T11:59:59Z'), 'Etc/GMT+12')).toBe('2026-06-14');
    expect(localDate(at('2026-12-31T23:30:00Z'), 'Asia/Kathmandu')).toBe('2027-01-01');
    expect(localParts(at('2026-06-15T00:00:00Z'), 'Not/AZone')).toBeUndefined();
    expect(localParts(Number.NaN, 'UTC')).toBeUndefined();
  });
});

describe('isValidTimeZone', () => {
  it.each([
    ['Europe/London', true],
    ['America/Argentina/Buenos_Aires', true],
    ['UTC', true],
    ['Etc/GMT+12', true],
    ['EST', false],
    ['GMT', false],
    ['+01:00', false],
    ['Europe/Atlantis', false],
    ['', false],
  ])('%s → %s', (zone, valid) => {
    expect(isValidTimeZone(zone)).toBe(valid);
  });
});

// The oracle: Intl read directly, nothing cached.
const ORACLES = new Map<string, Intl.DateTimeFormat>();
function intlParts(instant: number, zone: string) {
  let format = ORACLES.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    ORACLES.set(zone, format);
  }
  const f = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(f.weekday as string) + 1;
  const [year, month, day, hour, minute, second] = ['year', 'month', 'day', 'hour', 'minute', 'second'].map(
    (k) => Number(f[k]),
  );
  return { year, month, day, hour, minute, second, weekday };
}

const EDGE_ZONES = [
  'Pacific/Kiritimati',
  'Etc/GMT+12',
  'Etc/GMT-14',
  'Pacific/Chatham',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Europe/London',
  'America/New_York',
  'America/St_Johns',
  'America/Santiago',
  'Asia/Tehran',
  'Pacific/Apia',
  'UTC',
];
const zoneArb = fc.oneof(
  fc.constantFrom(...EDGE_ZONES),
  fc.constantFrom(...Intl.supportedValuesOf('timeZone')),
);
// Instants 1990–2060 to the second; half the cases within three hours of an edge zone's change.
const LOW = Date.UTC(1990, 0, 1) / 1000;
const HIGH = Date.UTC(2060, 0, 1) / 1000;
// Every offset change of the edge zones 2020–2040 (weekly steps, then halving to the second).
function changesOf(zone: string): number[] {
  const found: number[] = [];
  const week = 7 * 86_400;
  for (let t = Date.UTC(2020, 0, 1) / 1000; t < Date.UTC(2040, 0, 1) / 1000; t += week) {
    if (offsetAt(t * 1000, zone) === offsetAt((t + week) * 1000, zone)) continue;
    let [low, high] = [t, t + week];
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (offsetAt(mid * 1000, zone) === offsetAt(low * 1000, zone)) low = mid;
      else high = mid;
    }
    found.push(high);
  }
  return found;
}
const CHANGES = EDGE_ZONES.flatMap((zone) => changesOf(zone).map((second) => ({ zone, second })));
const caseArb = fc.oneof(
  fc
    .tuple(zoneArb, fc.integer({ min: LOW, max: HIGH }))
    .map(([zone, second]) => ({ zone, instant: second * 1000 })),
  fc
    .tuple(fc.constantFrom(...CHANGES), fc.integer({ min: -3 * 3600, max: 3 * 3600 }))
    .map(([change, shift]) => ({ zone: change.zone, instant: (change.second + shift) * 1000 })),
);

describe('properties over 10,000 random (zone, instant) cases', () => {
  it('localParts agrees with Intl, and instant → local → instant round-trips', () => {
    fc.assert(
      fc.property(caseArb, ({ zone, instant }) => {
        const local = localParts(instant, zone);
        expect(local).toEqual(intlParts(instant, zone));
        // At the offset in force at the instant itself, a repeated local time resolves to it.
        expect(instantOf(local as NonNullable<typeof local>, zone, instant)).toBe(instant);
      }),
      { numRuns: 10_000, seed: 20261207 },
    );
  });

  it('a local time is found again, or moved forward by the gap it falls in', () => {
    fc.assert(
      fc.property(caseArb, ({ zone, instant }) => {
        const wanted = localParts(instant, zone) as NonNullable<ReturnType<typeof localParts>>;
        // The same wall clock a whole number of minutes on, which may land in a gap or an overlap.
        const local = { ...wanted, minute: wanted.minute + 37 };
        const found = instantOf(local, zone) as number;
        const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
        const offset = offsetAt(found, zone) as number;
        const skipped = wall - offset * 60_000 !== found;
        if (!skipped) return;
        // In a gap: read forward by the gap, i.e. at the offset before the change.
        const before = offsetAt(found - 1000 * 3600 * 3, zone) as number;
        expect(found).toBe(wall - before * 60_000);
        expect(offset).toBeGreaterThan(before);
      }),
      { numRuns: 10_000, seed: 7 },
    );
  });
});
