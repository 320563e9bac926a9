import type { Customer } from '../customer';
import type { RenderedMessage } from './message';

// The double opt-in confirmation email: a transactional message, not a campaign. It goes through
// the same ledger → send queue → sender path as campaign messages (so a bounce or complaint on it is
// fed back like any other), under the reserved campaign id `confirmation`, with the occasion being
// the request it answers (`confirmation#<requestedAt>`: one email per request, whatever replays).
// Being transactional, it ignores the frequency cap and the holdout, and carries no unsubscribe
// headers (the person has not subscribed yet; ignoring it is the way to say no).

export const CONFIRMATION_CAMPAIGN = 'confirmation';

const escapeHtml = (text: string): string =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' })[c] ?? c,
  );

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
