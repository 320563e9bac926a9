import { escapeHtml } from '../../lib/domain/html';
import { VERIFICATION_CODE_MINUTES } from '../../lib/domain/phone-verification';
import type { VerifyPhoneOutcome } from '../../lib/use-cases/verify-phone';

// The page where a person types the code texted to their number (GET /verify-phone?token=…, the
// manage page's pending number), posted to POST /verify-phone with the signed token in a hidden field.

export const VERIFY_PHONE_TITLE = 'Verify your phone number';
export const PHONE_VERIFIED_TITLE = 'Your phone number is verified';

/** One answer to every code that does not work: it never says which check failed, or for whom. */
export const CODE_NOT_ACCEPTED =
  'That code does not work: it may be mistyped, expired or used up. Ask for a new one by signing up ' +
  'again with the same number, or from your manage-your-details page.';

export function verifyPhoneForm(token: string, error?: string): string {
  return (
    (error
      ? `<p role="alert" id="code-error"><strong style="color:#b00">${escapeHtml(error)}</strong></p>`
      : '') +
    '<form method="post" action="/verify-phone">' +
    `<input type="hidden" name="token" value="${escapeHtml(token)}">` +
    `<p><label for="code">The ${6}-digit code we texted you</label><br>` +
    `<small id="code-hint">It works for ${VERIFICATION_CODE_MINUTES} minutes.</small><br>` +
    '<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required' +
    ` aria-describedby="code-hint${error ? ' code-error' : ''}"${error ? ' aria-invalid="true"' : ''}></p>` +
    '<p><button type="submit">Verify my number</button></p></form>'
  );
}

/** The JSON answer to `POST /verify-phone`: 200 when verified, else one 400 for every other outcome. */
export function verifyPhoneAnswer(outcome: VerifyPhoneOutcome): { statusCode: number; body: unknown } {
  if (outcome.status === 'verified')
    return { statusCode: 200, body: { status: 'verified', message: PHONE_VERIFIED_TITLE } };
  if (outcome.status === 'malformed')
    return {
      statusCode: 400,
      body: {
        error: 'validation_failed',
        fields: [{ path: 'code', message: 'the code is the 6 digits of the text we sent' }],
      },
    };
  return { statusCode: 400, body: { error: 'code_not_accepted', message: CODE_NOT_ACCEPTED } };
}
