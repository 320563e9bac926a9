import * as z from '../zod';
import type { Customer } from './customer';

// Phone verification before any SMS (double opt-in for texts, as Klaviyo and Braze do it): a number
// gets no marketing text until the person proves it is theirs by typing back a one-time code we
// texted to it. The outstanding request is the profile's `pendingPhone` (a signup with SMS ticked:
// the profile's own number; the manage page: a new number, which becomes the profile's phone once
// verified); SMS consent given for an unverified number is `pending`, and the consent rule skips it
// (`phone_unverified`, eligibility.ts). Pure: the rules of the code; the sender makes and texts it,
// the consent pages check it (lib/use-cases/verify-phone.ts).
//
// The code: 6 random digits, kept only as a keyed digest (HMAC under the link-signing key, bound to
// the customer and the request), usable for VERIFICATION_CODE_MINUTES after it was sent and for
// VERIFICATION_MAX_ATTEMPTS tries (each try is counted before the code is compared), compared in
// constant time. A new request (a new signup, a new number) makes a new code; the old one stops working.

/** The reserved campaign id of the code text (transactional, like the confirmation email). */
export const PHONE_CODE_CAMPAIGN = 'phone-verification';
export const VERIFICATION_CODE_DIGITS = 6;
/** How long a code works after it was sent. */
export const VERIFICATION_CODE_MINUTES = 10;
/** Tries per code (a wrong one counts; so does the right one after the fifth wrong). */
export const VERIFICATION_MAX_ATTEMPTS = 5;
/** A repeated signup asks for a new code only once the last one has expired. */
export const VERIFICATION_RENEW_MINUTES = VERIFICATION_CODE_MINUTES;
/**
 * Code texts one number may get, whatever profiles or signups ask for them (counted per number under
 * a keyed pseudonym): a public form must not become a way to text someone, or to pump SMS.
 */
export const PHONE_CODE_LIMITS = [
  { count: 3, hours: 24 },
  { count: 5, hours: 7 * 24 },
] as const;
/** How long the signup's verification token works (the page where the code is typed). */
export const VERIFY_TOKEN_HOURS = 24;

/** The code's state as stored (bookkeeping on the profile, written by the consent store only). */
export const PhoneCodeSchema = z.object({
  /** The request (`pendingPhone.requestedAt`) this code answers. */
  requestedAt: z.string(),
  /** HMAC of the code (see `codeBinding`), never the code. */
  codeHash: z.string(),
  sentAt: z.string(),
  attempts: z.number().check(z.int(), z.nonnegative()),
});
export type PhoneCode = z.infer<typeof PhoneCodeSchema>;

export type PendingPhone = NonNullable<Customer['pendingPhone']>;

/** A new request for `phone`, unless the same number's request is younger than the renewal time. */
export function requestVerification(
  current: PendingPhone | undefined,
  phone: string,
  now: string,
): PendingPhone {
  if (
    current?.phone === phone &&
    Date.parse(now) - Date.parse(current.requestedAt) < VERIFICATION_RENEW_MINUTES * 60_000
  )
    return current;
  return { phone, requestedAt: now };
}

/**
 * Whether a profile change asks for a code text: a pending number with a request the previous image
 * did not have. Erased profiles ask for nothing.
 */
export function verificationRequested(
  before: { pendingPhone?: { requestedAt?: unknown; phone?: unknown } } | undefined,
  after: Customer,
): PendingPhone | undefined {
  const pending = after.pendingPhone;
  if (!pending || after.erasedAt !== undefined) return undefined;
  const same =
    before?.pendingPhone?.requestedAt === pending.requestedAt && before.pendingPhone.phone === pending.phone;
  return same ? undefined : pending;
}

/** What is HMAC'd: the code bound to its customer and request, so no digest works for another. */
export const codeBinding = (customerId: string, requestedAt: string, code: string): string =>
  `phone-code\u0000${customerId}\u0000${requestedAt}\u0000${code}`;

/** A typed code as the person may type it ("123 456", "123-456"), or undefined if it cannot be one. */
export function normaliseCode(typed: string): string | undefined {
  const digits = typed.replace(/[\s-]/g, '');
  return new RegExp(`^\\d{${VERIFICATION_CODE_DIGITS}}$`).test(digits) ? digits : undefined;
}

/** A code from a uniform random integer in [0, 10^digits): zero-padded. */
export const formatCode = (n: number): string => String(n).padStart(VERIFICATION_CODE_DIGITS, '0');

export type CodeState =
  | { usable: true; code: PhoneCode; pending: PendingPhone }
  | { usable: false; reason: 'no_request' | 'no_code' | 'expired' | 'too_many_attempts' };

/** Whether the profile holds a code that may still be tried at `now`, for its outstanding request. */
export function codeState(customer: Pick<Customer, 'pendingPhone' | 'phoneCode'>, now: Date): CodeState {
  const pending = customer.pendingPhone;
  if (!pending) return { usable: false, reason: 'no_request' };
  const code = customer.phoneCode;
  if (!code || code.requestedAt !== pending.requestedAt) return { usable: false, reason: 'no_code' };
  if (now.getTime() - Date.parse(code.sentAt) >= VERIFICATION_CODE_MINUTES * 60_000)
    return { usable: false, reason: 'expired' };
  if (code.attempts >= VERIFICATION_MAX_ATTEMPTS) return { usable: false, reason: 'too_many_attempts' };
  return { usable: true, code, pending };
}

/** The text that carries the code: the brand, the code, how long it works, what to do if unasked. */
export function renderCodeText(brandName: string, code: string): string {
  return (
    `${code} is your ${brandName} verification code. It expires in ${VERIFICATION_CODE_MINUTES} minutes. ` +
    'If you did not ask for it, ignore this message.'
  );
}
