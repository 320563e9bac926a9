import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import {
  type Campaign,
  CampaignSchema,
  CampaignSettingsSchema,
  type TimeWindow,
} from '../../../lib/domain/campaigns/campaign';
import type { Delivery } from '../../../lib/domain/campaigns/delivery';
import { type GuardInput, guardSend } from '../../../lib/domain/campaigns/send-guard';
import { isFloridaNumber } from '../../../lib/domain/campaigns/send-window';
import type { Customer } from '../../../lib/domain/customer';

// The send-time guard: what the sender decides the moment a message would leave.

const { campaignSettings: settings } = loadConfig(() => undefined, '/nonexistent');
const templates = { en: { email: { subject: 'Hi', html: 'Hi', text: 'Hi' }, sms: { text: 'Hi' } } };
const campaignOf = (extra: Record<string, unknown> = {}): Campaign =>
  CampaignSchema.parse({
    id: 'birthday',
    name: 'Birthday',
    trigger: { type: 'birthday' },
    templates,
    ...extra,
  });
const birthday = campaignOf();
const winBack = campaignOf({
  id: 'win-back',
  name: 'Win-back',
  trigger: { type: 'segment-entered', segment: 'lifecycle:at_risk' },
});
const smsAllDay = campaignOf({ channel: 'sms', sendWindow: { start: '00:00', end: '24:00' } });

const ana: Customer = {
  customerId: 'cus_ana',
  firstName: 'Ana',
  email: 'ana@example.com',
  phone: '+447911123456',
  timeZone: 'Asia/Tokyo',
  locale: 'en-GB',
  interests: [],
  consent: {
    email: { status: 'confirmed', updatedAt: '2026-01-01T00:00:00Z', source: 'form' },
    sms: { status: 'opted_in', updatedAt: '2026-01-01T00:00:00Z', source: 'form' },
  },
  source: 'form',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  version: 1,
};

const row = (extra: Partial<Delivery> = {}): GuardInput['row'] => ({
  campaignId: 'birthday',
  channel: 'email',
  plannedAt: '2026-06-15T00:30:00.000Z',
  ...extra,
});
const sentRow = (campaignId: string, sentAt: string): GuardInput['history'][number] => ({
  campaignId,
  deliveryKey: `${campaignId}#x`,
  status: 'sent',
  sentAt,
  updatedAt: sentAt,
});

const guard = (input: Partial<GuardInput> & { now: Date }) =>
  guardSend({ customer: ana, row: row(), campaign: birthday, history: [], settings, ...input });

describe('the send-time guard', () => {
  it('sends a birthday email at 09:30 in Tokyo', () => {
    expect(guard({ now: new Date('2026-06-15T00:30:00Z') })).toEqual({ outcome: 'send' });
  });

  it('defers a birthday email planned at 09:30 Tokyo but leaving at 00:04 to 09:00 that morning', () => {
    expect(guard({ now: new Date('2026-06-15T15:04:00Z') })).toEqual({
      outcome: 'defer',
      until: new Date('2026-06-16T00:00:00Z'),
      reason: 'send_window',
    });
  });

  it('defers a text planned at 09:30 Tokyo but leaving at 00:04 local to 09:00 (quiet hours)', () => {
    const text = guard({
      campaign: smsAllDay,
      row: row({ channel: 'sms' }),
      now: new Date('2026-06-15T15:04:00Z'),
    });
    expect(text).toEqual({
      outcome: 'defer',
      until: new Date('2026-06-16T00:00:00Z'),
      reason: 'quiet_hours',
    });
  });

  it('defers a message queued at 10:55 London and delayed by a backlog until 11:20 to the next day’s 09:00', () => {
    const london = { ...ana, timeZone: 'Europe/London' };
    expect(guard({ customer: london, now: new Date('2026-06-15T10:20:00Z') })).toEqual({
      outcome: 'defer',
      until: new Date('2026-06-16T08:00:00Z'),
      reason: 'send_window',
    });
  });

  it('holds a Florida number to 20:00 even when quiet hours allow until 21:00 (Miami, 20:30)', () => {
    const miami = { ...ana, phone: '+13055550123', timeZone: 'America/New_York' };
    const wide = CampaignSettingsSchema.parse({ smsQuietHours: { start: '08:00', end: '21:00' } });
    const at = new Date('2026-06-16T00:30:00Z'); // 20:30 EDT
    const text = { campaign: smsAllDay, row: row({ channel: 'sms' }), settings: wide, now: at };
    expect(guard({ ...text, customer: miami })).toMatchObject({ outcome: 'defer', reason: 'quiet_hours' });
    const boston = { ...miami, phone: '+16175550123' };
    expect(guard({ ...text, customer: boston })).toEqual({ outcome: 'send' });
  });

  it('refuses quiet hours wider than the TCPA allows', () => {
    const late = CampaignSettingsSchema.safeParse({ smsQuietHours: { start: '08:00', end: '21:30' } });
    expect(late.success).toBe(false);
    const early = CampaignSettingsSchema.safeParse({ smsQuietHours: { start: '07:00', end: '20:00' } });
    expect(early.success).toBe(false);
  });

  it('skips a queued win-back for a person the stream has meanwhile re-scored as active', () => {
    const active = {
      ...ana,
      segments: {
        rfm: null,
        valueTier: 'standard' as const,
        matrix: null,
        lifecycle: 'active' as const,
        rules: [],
      },
    };
    const input = {
      campaign: winBack,
      row: row({ campaignId: 'win-back' }),
      now: new Date('2026-06-15T00:30:00Z'),
    };
    expect(guard({ ...input, customer: active })).toEqual({ outcome: 'skip', reason: 'left_segment' });
    const atRisk = { ...active, segments: { ...active.segments, lifecycle: 'at_risk' as const } };
    expect(guard({ ...input, customer: atRisk })).toEqual({ outcome: 'send' });
  });

  it('skips a win-back when the person ordered after it was planned', () => {
    const atRisk = {
      ...ana,
      segments: {
        rfm: null,
        valueTier: 'standard' as const,
        matrix: null,
        lifecycle: 'at_risk' as const,
        rules: [],
      },
      metrics: { lastOrderAt: '2026-06-15T00:10:00.000Z' },
    } as unknown as Customer;
    const input = { campaign: winBack, customer: atRisk, now: new Date('2026-06-15T00:30:00Z') };
    expect(
      guard({ ...input, row: row({ campaignId: 'win-back', plannedAt: '2026-06-15T00:00:00.000Z' }) }),
    ).toEqual({
      outcome: 'skip',
      reason: 'ordered_since',
    });
  });

  it('skips when the campaign was paused or archived after the message was queued', () => {
    const now = new Date('2026-06-15T00:30:00Z');
    expect(guard({ campaign: campaignOf({ status: 'paused' }), now })).toEqual({
      outcome: 'skip',
      reason: 'campaign_paused',
    });
    expect(guard({ campaign: campaignOf({ status: 'archived' }), now })).toEqual({
      outcome: 'skip',
      reason: 'campaign_archived',
    });
    expect(guard({ campaign: undefined, now })).toEqual({ outcome: 'skip', reason: 'unknown_campaign' });
  });

  it('skips a person who unsubscribed or was erased while the message waited', () => {
    const now = new Date('2026-06-15T00:30:00Z');
    const unsubscribed = {
      ...ana,
      consent: { ...ana.consent, email: { ...ana.consent.email, status: 'unsubscribed' as const } },
    };
    expect(guard({ customer: unsubscribed, now })).toEqual({ outcome: 'skip', reason: 'unsubscribed' });
    expect(guard({ customer: { ...ana, erasedAt: '2026-06-14T00:00:00Z' }, now })).toEqual({
      outcome: 'skip',
      reason: 'erased',
    });
    expect(guard({ customer: undefined, now })).toEqual({ outcome: 'skip', reason: 'erased' });
  });

  it('counts what was actually sent in the last 7 days against the cap of 2', () => {
    const now = new Date('2026-06-15T00:30:00Z');
    const yesterday = '2026-06-14T00:30:00.000Z';
    const twoDaysAgo = '2026-06-13T00:30:00.000Z';
    const eightDaysAgo = '2026-06-07T00:30:00.000Z';
    expect(guard({ now, history: [sentRow('repurchase', yesterday)] })).toEqual({ outcome: 'send' });
    expect(
      guard({ now, history: [sentRow('repurchase', yesterday), sentRow('survey', twoDaysAgo)] }),
    ).toEqual({ outcome: 'skip', reason: 'frequency_cap' });
    expect(
      guard({ now, history: [sentRow('repurchase', yesterday), sentRow('survey', eightDaysAgo)] }),
    ).toEqual({ outcome: 'send' });
    // Claimed but skipped, held out or still queued: not sent, so not counted.
    const notSent = (['skipped', 'held_out', 'queued', 'failed'] as const).map((status) => ({
      ...sentRow('survey', yesterday),
      status,
    }));
    expect(guard({ now, history: notSent })).toEqual({ outcome: 'send' });
    // The double opt-in email is transactional: never counted.
    expect(
      guard({
        now,
        history: [sentRow('confirmation', yesterday), sentRow('survey', yesterday)],
        transactional: new Set(['confirmation']),
      }),
    ).toEqual({ outcome: 'send' });
  });
});

// An independent oracle for the local time: Intl read directly, not the cached zoned-time module the guard uses.
const localMinutes = (at: Date, timeZone: string): number => {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return get('hour') * 60 + get('minute');
};
const minutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
const inside = (m: number, w: TimeWindow) => m >= minutes(w.start) && m < minutes(w.end);
const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** UTC −12 to +14, half and quarter hours, both hemispheres' daylight saving. */
const ZONES = [
  'Etc/GMT+12',
  'Pacific/Pago_Pago',
  'Pacific/Honolulu',
  'America/Anchorage',
  'America/Los_Angeles',
  'America/Denver',
  'America/Chicago',
  'America/New_York',
  'America/Havana',
  'America/Santiago',
  'America/St_Johns',
  'America/Sao_Paulo',
  'Atlantic/Azores',
  'UTC',
  'Europe/London',
  'Europe/Paris',
  'Africa/Cairo',
  'Asia/Tehran',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Tokyo',
  'Australia/Adelaide',
  'Australia/Lord_Howe',
  'Australia/Sydney',
  'Pacific/Auckland',
  'Pacific/Chatham',
  'Pacific/Tongatapu',
  'Pacific/Kiritimati',
];

/** Instants near 2026's daylight-saving changes (both hemispheres), ± a day and a half. */
const DST_DAYS = [
  '2026-03-08T10:00:00Z', // US spring forward
  '2026-03-29T01:00:00Z', // EU spring forward
  '2026-04-05T14:00:00Z', // Australia / NZ / Chatham / Lord Howe fall back
  '2026-04-05T03:00:00Z', // Chile
  '2026-09-06T04:00:00Z', // Chile spring forward
  '2026-09-27T14:00:00Z', // NZ / Chatham spring forward
  '2026-10-04T15:00:00Z', // Australia / Lord Howe spring forward
  '2026-10-25T01:00:00Z', // EU fall back
  '2026-11-01T06:00:00Z', // US fall back
  '2026-11-01T05:00:00Z', // Havana
].map(Date.parse);

const instant = fc.oneof(
  fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2028-12-31T23:59:59Z') }),
  fc
    .tuple(fc.constantFrom(...DST_DAYS), fc.integer({ min: -36 * 3_600_000, max: 36 * 3_600_000 }))
    .map(([day, offset]) => day + offset),
);
const window = fc
  .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1440 }))
  .filter(([a, b]) => a < b)
  .map(([a, b]) => ({ start: hhmm(a), end: b === 1440 ? '24:00' : hhmm(b) }));
const quietHours = fc
  .tuple(fc.integer({ min: 8 * 60, max: 21 * 60 - 1 }), fc.integer({ min: 8 * 60 + 1, max: 21 * 60 }))
  .filter(([a, b]) => a < b)
  .map(([a, b]) => ({ start: hhmm(a), end: hhmm(b) }));
const phone = fc.constantFrom(
  '+447911123456',
  '+13055550123',
  '+17275550123',
  '+16175550123',
  '+81312345678',
);

describe('the send-time guard, over random zones, instants, windows and channels', () => {
  it('never sends outside the campaign window, never texts outside quiet hours (≥ 10,000 cases, DST days, UTC −12 to +14)', () => {
    let cases = 0;
    let sends = 0;
    let defers = 0;
    const violations: string[] = [];
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        instant,
        window,
        fc.constantFrom('email' as const, 'sms' as const),
        quietHours,
        phone,
        (timeZone, at, sendWindow, channel, smsQuietHours, number) => {
          cases++;
          const campaign = { ...birthday, channel, sendWindow };
          const customer = { ...ana, timeZone, phone: number };
          const now = new Date(at);
          const quiet = { ...settings, smsQuietHours };
          const decision = guardSend({
            customer,
            campaign,
            row: row({ channel }),
            history: [],
            now,
            settings: quiet,
          });
          const allowed = (when: Date) => {
            const local = localMinutes(when, timeZone);
            if (!inside(local, sendWindow)) return false;
            if (channel === 'email') return true;
            if (!inside(local, smsQuietHours) || !inside(local, { start: '08:00', end: '21:00' }))
              return false;
            return !isFloridaNumber(number) || inside(local, { start: '08:00', end: '20:00' });
          };
          if (decision.outcome === 'send') {
            sends++;
            if (!allowed(now)) violations.push(`sent at ${now.toISOString()} ${timeZone} ${channel}`);
          } else if (decision.outcome === 'defer') {
            defers++;
            // Deferred to an opening that is itself allowed, later, within two days.
            const wait = decision.until.getTime() - now.getTime();
            if (!(wait > 0 && wait <= 49 * 3_600_000) || !allowed(decision.until)) {
              violations.push(`deferred to ${decision.until.toISOString()} ${timeZone} ${channel}`);
            }
          } else if (decision.reason !== 'quiet_hours') {
            violations.push(`skipped ${decision.reason}`);
          }
          return true;
        },
      ),
      { numRuns: 10_000, seed: 20261207 },
    );
    console.log(
      `send-guard property: ${cases} cases, ${sends} sends, ${defers} defers, ${violations.length} violations`,
    );
    expect(violations).toEqual([]);
    expect(cases).toBeGreaterThanOrEqual(10_000);
    expect(sends).toBeGreaterThan(1_000);
    expect(defers).toBeGreaterThan(1_000);
  });
});
