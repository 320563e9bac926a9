import { describe, expect, it } from 'vitest';
import { CampaignSettingsSchema } from '../../../lib/domain/campaigns/campaign';
import { isPastQuietPeriod, isStuckUnknown } from '../../../lib/domain/campaigns/delivery';

// When a row a crash left `unknown` may be sent again: only once its channel's quiet period has
// passed with no provider event (SES publishes `Send`, End User Messaging TEXT_QUEUED, within
// seconds): 15 minutes for both by default; an SMS never when an operator sets null.

const quiet = { emailMinutes: 15, smsMinutes: 15 };
const now = new Date('2026-06-15T09:30:00.000Z');
const row = (channel: 'email' | 'sms', minutesAgo: number, status: 'unknown' | 'sent' = 'unknown') => ({
  channel,
  status,
  updatedAt: new Date(now.getTime() - minutesAgo * 60_000).toISOString(),
});

describe('a birthday message left `unknown` by a crash', () => {
  it.each([
    ['email', 1, false, false],
    ['email', 3, true, false],
    ['email', 14, true, false],
    ['email', 15, true, false],
    ['email', 16, true, true],
    ['sms', 14, true, false],
    ['sms', 16, true, true],
  ] as const)('%s, %d minutes ago: reported %s, sent again %s', (channel, minutes, reported, retried) => {
    expect(isStuckUnknown(row(channel, minutes), now)).toBe(reported);
    expect(isPastQuietPeriod(row(channel, minutes), now, quiet)).toBe(retried);
  });

  it('an SMS follows its own quiet period, and is never sent again when it is null', () => {
    expect(isPastQuietPeriod(row('sms', 31), now, { emailMinutes: 15, smsMinutes: 30 })).toBe(true);
    expect(isPastQuietPeriod(row('sms', 29), now, { emailMinutes: 15, smsMinutes: 30 })).toBe(false);
    expect(isPastQuietPeriod(row('sms', 60 * 24 * 3), now, { emailMinutes: 15, smsMinutes: null })).toBe(
      false,
    );
  });

  it('the default settings: 15 minutes for both channels, SMS 5 to 1,440 or null like email', () => {
    expect(CampaignSettingsSchema.parse({}).unknownQuietPeriod).toEqual({ emailMinutes: 15, smsMinutes: 15 });
    expect(CampaignSettingsSchema.safeParse({ unknownQuietPeriod: { smsMinutes: null } }).success).toBe(true);
    expect(CampaignSettingsSchema.safeParse({ unknownQuietPeriod: { smsMinutes: 4 } }).success).toBe(false);
    expect(CampaignSettingsSchema.safeParse({ unknownQuietPeriod: { smsMinutes: 1441 } }).success).toBe(
      false,
    );
  });

  it('a row the Send event resolved (sent) is never sent again, however old', () => {
    expect(isPastQuietPeriod(row('email', 600, 'sent'), now, quiet)).toBe(false);
  });
});
