import { describe, expect, it } from 'vitest';
import { confirmationAllowed } from '../../../lib/domain/campaigns/confirmation';

// At most 1 confirmation email per mailbox per 24 h and 3 per 7 days (issue 10 item 6).

const at = (iso: string) => new Date(iso);

describe('confirmation emails per mailbox', () => {
  it('allows the first, and keeps its time', () => {
    expect(confirmationAllowed([], at('2026-05-01T09:00:00Z'))).toEqual({
      allowed: true,
      next: ['2026-05-01T09:00:00.000Z'],
    });
  });

  it('refuses a second within 24 hours, saying when the next may go', () => {
    expect(confirmationAllowed(['2026-05-01T09:00:00.000Z'], at('2026-05-02T08:59:00Z'))).toEqual({
      allowed: false,
      retryAt: at('2026-05-02T09:00:00Z'),
    });
    expect(confirmationAllowed(['2026-05-01T09:00:00.000Z'], at('2026-05-02T09:00:00Z')).allowed).toBe(true);
  });

  it('allows one a day for three days, then refuses until the first of them is a week old', () => {
    const sent = ['2026-05-01T09:00:00.000Z', '2026-05-02T10:00:00.000Z', '2026-05-03T11:00:00.000Z'];
    expect(confirmationAllowed(sent, at('2026-05-05T12:00:00Z'))).toEqual({
      allowed: false,
      retryAt: at('2026-05-08T09:00:00Z'),
    });
    const later = confirmationAllowed(sent, at('2026-05-08T09:00:00Z'));
    // The send of May 1 has left the week: it is dropped, the other two and this one are kept.
    expect(later).toEqual({
      allowed: true,
      next: ['2026-05-02T10:00:00.000Z', '2026-05-03T11:00:00.000Z', '2026-05-08T09:00:00.000Z'],
    });
  });

  it('ignores unreadable or ancient times', () => {
    expect(confirmationAllowed(['garbage', '2020-01-01T00:00:00.000Z'], at('2026-05-01T09:00:00Z'))).toEqual({
      allowed: true,
      next: ['2026-05-01T09:00:00.000Z'],
    });
  });
});
