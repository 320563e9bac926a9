import { describe, expect, it } from 'vitest';
import { isPastQuietPeriod, isStuckUnknown } from '../../../lib/domain/campaigns/delivery';

// When a row a crash left `unknown` may be sent again: only once its channel's quiet period has
// passed with no provider event (SES publishes `Send` within seconds), and never for SMS by default.

const quiet = { emailMinutes: 15, smsMinutes: null };
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
    ['sms', 16, true, false],
    ['sms', 60 * 24 * 3, true, false],
  ] as const)('%s, %d minutes ago: reported %s, sent again %s', (channel, minutes, reported, retried) => {
    expect(isStuckUnknown(row(channel, minutes), now)).toBe(reported);
    expect(isPastQuietPeriod(row(channel, minutes), now, quiet)).toBe(retried);
  });

  it('an SMS is sent again only when an operator sets an SMS quiet period', () => {
    expect(isPastQuietPeriod(row('sms', 31), now, { emailMinutes: 15, smsMinutes: 30 })).toBe(true);
    expect(isPastQuietPeriod(row('sms', 29), now, { emailMinutes: 15, smsMinutes: 30 })).toBe(false);
  });

  it('a row the Send event resolved (sent) is never sent again, however old', () => {
    expect(isPastQuietPeriod(row('email', 600, 'sent'), now, quiet)).toBe(false);
  });
});
