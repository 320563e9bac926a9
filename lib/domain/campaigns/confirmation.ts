import type { Customer } from '../customer';
import { escapeHtml } from '../html';
import type { RenderedMessage } from './message';

// The double opt-in confirmation email: a transactional message, not a campaign. It goes through
// the same ledger → send queue → sender path as campaign messages (so a bounce or complaint on it is
// fed back like any other), under the reserved campaign id `confirmation`, with the occasion being
// the request it answers (`confirmation#<requestedAt>`: one email per request, whatever replays).
// Being transactional, it ignores the frequency cap and the holdout, and carries no unsubscribe
// headers (the person has not subscribed yet; ignoring it is the way to say no).

export const CONFIRMATION_CAMPAIGN = 'confirmation';

export function renderConfirmation(
  customer: Pick<Customer, 'firstName'>,
  brandName: string,
  confirmUrl: string,
  validDays: number,
): Extract<RenderedMessage, { channel: 'email' }> {
  const name = customer.firstName ?? '';
  const greeting = name ? `Hi ${name},` : 'Hello,';
  return {
    channel: 'email',
    subject: `Please confirm your email address for ${brandName}`,
    html:
      `<p>${escapeHtml(greeting)}</p>` +
      `<p>Please confirm that you would like to hear from ${escapeHtml(brandName)} by email.</p>` +
      `<p><a href="${escapeHtml(confirmUrl)}">Yes, confirm my address</a></p>` +
      `<p style="font-size:12px;color:#666">The link works for ${validDays} days. ` +
      'If you did not sign up, ignore this message and you will hear nothing more.</p>',
    text:
      `${greeting}\n\nPlease confirm that you would like to hear from ${brandName} by email:\n\n` +
      `Confirm: ${confirmUrl}\n\nThe link works for ${validDays} days. ` +
      'If you did not sign up, ignore this message and you will hear nothing more.\n',
  };
}

/**
 * Confirmation emails one mailbox may get, whatever addresses are posted (`ana+1@`, `ana+2@`, …
 * count as one: see mailboxOf): at most 1 per 24 hours and 3 per 7 days. A signup form anyone can
 * post must not become a way to mail-bomb someone, or to burn the sender's reputation.
 */
export const CONFIRMATION_LIMITS = [
  { count: 1, hours: 24 },
  { count: 3, hours: 7 * 24 },
] as const;

/** The longest window of the limits: sends older than this no longer count. */
export const CONFIRMATION_LIMIT_HOURS = Math.max(...CONFIRMATION_LIMITS.map((limit) => limit.hours));

/** Sends allowed per sliding window: at most `count` in any `hours`. */
export type SendLimits = readonly { readonly count: number; readonly hours: number }[];

/**
 * Whether one more confirmation email may go to a mailbox that was sent them at `sentAt` (ISO
 * instants), as of `now`; and the send times to keep when it may (those still inside the longest
 * window, plus this one). Pure: the adapter stores the list with a conditional write. The same rule
 * counts the verification code texts per number, with their own `limits` (PHONE_CODE_LIMITS).
 */
export function confirmationAllowed(
  sentAt: readonly string[],
  now: Date,
  limits: SendLimits = CONFIRMATION_LIMITS,
): { allowed: true; next: string[] } | { allowed: false; retryAt: Date } {
  const at = now.getTime();
  const longest = Math.max(...limits.map((limit) => limit.hours));
  const recent = sentAt
    .map((iso) => Date.parse(iso))
    .filter((t) => Number.isFinite(t) && at - t < longest * 3_600_000)
    .sort((a, b) => a - b);
  for (const { count, hours } of limits) {
    const inWindow = recent.filter((t) => at - t < hours * 3_600_000);
    if (inWindow.length >= count) {
      const oldest = inWindow[inWindow.length - count] as number;
      return { allowed: false, retryAt: new Date(oldest + hours * 3_600_000) };
    }
  }
  return { allowed: true, next: [...recent.map((t) => new Date(t).toISOString()), now.toISOString()] };
}
