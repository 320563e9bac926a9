import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { type Campaign, CampaignSchema } from '../../../lib/domain/campaigns/campaign';
import { decide, holdoutBucket, inHoldout } from '../../../lib/domain/campaigns/eligibility';
import type { Customer } from '../../../lib/domain/customer';

// Who gets a campaign's message, on which channel, and who is skipped with which reason.

const { campaignSettings: settings } = loadConfig(() => undefined, '/nonexistent');
const NOW = new Date('2026-03-14T10:00:00Z'); // 10:00 in London

const base: Customer = {
  customerId: 'cus_ana',
  firstName: 'Ana',
  email: 'ana@example.com',
  phone: '+447911123456',
  timeZone: 'Europe/London',
  locale: 'en-GB',
  interests: ['cat food'],
  consent: {
    email: { status: 'confirmed', updatedAt: '2026-01-01T00:00:00Z', source: 'form' },
    sms: { status: 'opted_in', updatedAt: '2026-01-01T00:00:00Z', source: 'form' },
  },
  source: 'form',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  version: 1,
};

const templates = {
  en: { email: { subject: 'Hi', html: 'Hi', text: 'Hi' }, sms: { text: 'Hi' } },
};
const campaignOf = (extra: Record<string, unknown> = {}): Campaign =>
  CampaignSchema.parse({
    id: 'birthday',
    name: 'Birthday',
    trigger: { type: 'birthday' },
    templates,
    holdoutPercent: 0,
    ...extra,
  });

const email = campaignOf();
const sms = campaignOf({ channel: 'sms' });
/** An SMS campaign with a window all day long: only the quiet hours decide when. */
const smsAllDay = campaignOf({ channel: 'sms', sendWindow: { start: '00:00', end: '23:59' } });
const either = campaignOf({ channel: 'email-then-sms' });
const catLovers = campaignOf({ audience: { field: 'interests', op: 'contains', value: 'cat food' } });

type Patch = (c: Customer) => Customer;
const consent =
  (email: string, sms: string): Patch =>
  (c) => ({
    ...c,
    consent: {
      email: { ...c.consent.email, status: email as 'confirmed' },
      sms: { ...c.consent.sms, status: sms as 'opted_in' },
    },
  });
describe('eligibility', () => {
  it.each<[string, Campaign, Patch, Date, ReturnType<typeof decide>]>([
    ['confirmed email', email, (c) => c, NOW, { outcome: 'send', channel: 'email' }],
    [
      'email pending confirmation',
      email,
      consent('pending', 'opted_in'),
      NOW,
      { outcome: 'skipped', reason: 'no_consent' },
    ],
    [
      'email never asked',
      email,
      consent('none', 'opted_in'),
      NOW,
      { outcome: 'skipped', reason: 'no_consent' },
    ],
    [
      'unsubscribed from email',
      email,
      consent('unsubscribed', 'opted_in'),
      NOW,
      { outcome: 'skipped', reason: 'unsubscribed' },
    ],
    ['no email address', email, ({ email: _, ...c }) => c, NOW, { outcome: 'skipped', reason: 'no_address' }],
    [
      'hard-bounced email',
      email,
      (c) => ({ ...c, suppression: { email: { reason: 'bounce', at: '2026-02-01T00:00:00Z' } } }),
      NOW,
      { outcome: 'skipped', reason: 'suppressed' },
    ],
    [
      'opted out of birthday greetings on the manage page, still subscribed to email',
      email,
      (c) => ({ ...c, campaignOptOuts: ['birthday'] }),
      NOW,
      { outcome: 'skipped', reason: 'campaign_opt_out' },
    ],
    [
      'opted out of win-back only: the birthday greeting still goes',
      email,
      (c) => ({ ...c, campaignOptOuts: ['win-back'] }),
      NOW,
      { outcome: 'send', channel: 'email' },
    ],
    [
      'erased',
      email,
      (c) => ({ ...c, erasedAt: '2026-02-01T00:00:00Z' }),
      NOW,
      { outcome: 'skipped', reason: 'erased' },
    ],
    ['SMS opted in, 10:00 local', sms, (c) => c, NOW, { outcome: 'send', channel: 'sms' }],
    [
      'SMS never opted in',
      sms,
      consent('confirmed', 'none'),
      NOW,
      { outcome: 'skipped', reason: 'no_consent' },
    ],
    [
      'SMS opted out',
      sms,
      consent('confirmed', 'opted_out'),
      NOW,
      { outcome: 'skipped', reason: 'unsubscribed' },
    ],
    [
      'SMS at 08:59 local waits for 09:00',
      smsAllDay,
      (c) => c,
      new Date('2026-03-14T08:59:00Z'),
      { outcome: 'send', channel: 'sms', notBefore: new Date('2026-03-14T09:00:00Z') },
    ],
    [
      'SMS at 20:00 local waits for 09:00 the next day',
      smsAllDay,
      (c) => c,
      new Date('2026-03-14T20:00:00Z'),
      { outcome: 'send', channel: 'sms', notBefore: new Date('2026-03-15T09:00:00Z') },
    ],
    [
      'SMS at 19:59 local',
      smsAllDay,
      (c) => c,
      new Date('2026-03-14T19:59:00Z'),
      { outcome: 'send', channel: 'sms' },
    ],
    [
      'SMS quiet hours in the person’s zone (10:00 UTC is 21:00 in Sydney: 09:00 AEDT tomorrow)',
      smsAllDay,
      (c) => ({ ...c, timeZone: 'Australia/Sydney' }),
      NOW,
      { outcome: 'send', channel: 'sms', notBefore: new Date('2026-03-14T22:00:00Z') },
    ],
    [
      'email before the campaign’s send window waits for it to open (08:00 → 09:00 local)',
      email,
      (c) => c,
      new Date('2026-03-14T08:00:00Z'),
      { outcome: 'send', channel: 'email', notBefore: new Date('2026-03-14T09:00:00Z') },
    ],
    [
      'email after the window waits for tomorrow’s (11:00 → 09:00 the next day)',
      email,
      (c) => c,
      new Date('2026-03-14T11:00:00Z'),
      { outcome: 'send', channel: 'email', notBefore: new Date('2026-03-15T09:00:00Z') },
    ],
    [
      'SMS campaign whose window never meets the quiet hours (06:00–08:00)',
      campaignOf({ channel: 'sms', sendWindow: { start: '06:00', end: '08:00' } }),
      (c) => c,
      new Date('2026-03-14T06:30:00Z'),
      { outcome: 'skipped', reason: 'quiet_hours' },
    ],
    ['email-then-SMS with email confirmed', either, (c) => c, NOW, { outcome: 'send', channel: 'email' }],
    [
      'email-then-SMS falls back to SMS',
      either,
      consent('pending', 'opted_in'),
      NOW,
      { outcome: 'send', channel: 'sms' },
    ],
    [
      'email-then-SMS with neither',
      either,
      consent('pending', 'none'),
      NOW,
      { outcome: 'skipped', reason: 'no_consent' },
    ],
    ['in the audience', catLovers, (c) => c, NOW, { outcome: 'send', channel: 'email' }],
    [
      'outside the audience',
      catLovers,
      (c) => ({ ...c, interests: [] }),
      NOW,
      { outcome: 'skipped', reason: 'not_in_audience' },
    ],
    [
      'campaign paused',
      campaignOf({ status: 'paused' }),
      (c) => c,
      NOW,
      { outcome: 'skipped', reason: 'campaign_paused' },
    ],
    [
      'campaign switched off',
      campaignOf({ enabled: false }),
      (c) => c,
      NOW,
      { outcome: 'skipped', reason: 'disabled' },
    ],
  ])('%s', (_name, campaign, patch, now, expected) => {
    expect(decide(patch(base), campaign, now, settings)).toEqual(expected);
  });

  it('holds out only people who would have been messaged, on the channel they would have had', () => {
    const all = campaignOf({ holdoutPercent: 50 });
    const decisions = Array.from({ length: 200 }, (_, i) =>
      decide({ ...base, customerId: `cus_${i}` }, all, NOW, settings),
    );
    expect(decisions.filter((d) => d.outcome === 'held_out').length).toBeGreaterThan(60);
    expect(decisions.every((d) => d.outcome !== 'skipped' && d.channel === 'email')).toBe(true);
    const unsubscribed = decide(consent('unsubscribed', 'none')(base), all, NOW, settings);
    expect(unsubscribed).toEqual({ outcome: 'skipped', reason: 'unsubscribed' });
  });
});

describe('holdout', () => {
  it('holds out 10% ± 2 points of 10,000 customers', () => {
    const held = Array.from({ length: 10_000 }, (_, i) => inHoldout(`cus_${i}`, 'birthday', 10)).filter(
      Boolean,
    ).length;
    expect(held / 10_000).toBeGreaterThanOrEqual(0.08);
    expect(held / 10_000).toBeLessThanOrEqual(0.12);
  });

  it('is the same on every run and independent across campaigns', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `cus_${(i * 7919).toString(36)}`);
    const birthday = ids.filter((id) => inHoldout(id, 'birthday', 10));
    expect(ids.filter((id) => inHoldout(id, 'birthday', 10))).toEqual(birthday);
    const both = birthday.filter((id) => inHoldout(id, 'repurchase', 10)).length;
    // Independent: about 10% of one campaign's holdout is in the other's.
    expect(both / birthday.length).toBeGreaterThan(0.06);
    expect(both / birthday.length).toBeLessThan(0.14);
  });

  it('spreads buckets evenly (each tenth within 10% ± 1.5 points)', () => {
    const tenths = new Array(10).fill(0);
    for (let i = 0; i < 20_000; i++) tenths[Math.floor(holdoutBucket(`c-${i}`, 'win-back') / 1000)]++;
    for (const count of tenths) expect(Math.abs(count / 20_000 - 0.1)).toBeLessThan(0.015);
  });
});
