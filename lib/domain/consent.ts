import type { Customer } from './customer';

// Consent changes a person makes through a signed link (double opt-in confirmation, one-click
// unsubscribe). Pure: each returns the next profile, or the same object when nothing changes, so a
// link clicked twice writes nothing the second time.

/** The consent source recorded when a person confirms through the emailed link. */
export const CONFIRMATION_SOURCE = 'confirmation';
/** The consent source recorded when a person unsubscribes through a link or List-Unsubscribe. */
export const UNSUBSCRIBE_SOURCE = 'unsubscribe-link';

/** How long a confirmation link works, and an unsubscribe link (a mail may be opened much later). */
export const CONFIRM_LINK_DAYS = 7;
export const UNSUBSCRIBE_LINK_DAYS = 365;

export type ConsentChange = 'changed' | 'unchanged';

/**
 * Double opt-in: a pending email consent becomes confirmed. Anything else is left alone: confirmed
 * stays confirmed, and an old confirmation link never re-subscribes someone who unsubscribed since.
 */
export function confirmEmail(customer: Customer, now: string): Customer {
  const email = customer.consent.email;
  if (email.status !== 'pending' || customer.erasedAt !== undefined) return customer;
  return {
    ...customer,
    consent: {
      ...customer.consent,
      email: {
        status: 'confirmed',
        updatedAt: now,
        source: CONFIRMATION_SOURCE,
        ...(email.requestedAt !== undefined && { requestedAt: email.requestedAt }),
        ...(email.confirmationSentAt !== undefined && { confirmationSentAt: email.confirmationSentAt }),
      },
    },
    updatedAt: now,
    version: customer.version + 1,
  };
}

/** Withdraws consent on one channel (email → unsubscribed, SMS → opted_out); idempotent. */
export function unsubscribe(customer: Customer, channel: 'email' | 'sms', now: string): Customer {
  if (channel === 'email') {
    if (customer.consent.email.status === 'unsubscribed') return customer;
    return {
      ...customer,
      consent: {
        ...customer.consent,
        email: { status: 'unsubscribed', updatedAt: now, source: UNSUBSCRIBE_SOURCE },
      },
      updatedAt: now,
      version: customer.version + 1,
    };
  }
  if (customer.consent.sms.status === 'opted_out') return customer;
  return {
    ...customer,
    consent: {
      ...customer.consent,
      sms: { status: 'opted_out', updatedAt: now, source: UNSUBSCRIBE_SOURCE },
    },
    updatedAt: now,
    version: customer.version + 1,
  };
}

/**
 * Whether a change of the profile asks for a confirmation email: the email consent is pending with
 * a request the previous image did not have (a new signup, or a renewal a day later). Signups renew
 * a request at most once per 24 h (see applySignup), so this fires at most once per 24 h.
 */
export function confirmationRequested(
  before: { consent?: { email?: { requestedAt?: unknown } } } | undefined,
  after: Customer,
): string | undefined {
  const email = after.consent.email;
  if (email.status !== 'pending' || email.requestedAt === undefined || after.email === undefined) return;
  if (after.erasedAt !== undefined) return;
  return before?.consent?.email?.requestedAt === email.requestedAt ? undefined : email.requestedAt;
}

/** Whether a change confirmed the email address (pending → confirmed): the welcome trigger. */
export function emailConfirmed(
  before: { consent?: { email?: { status?: unknown } } } | undefined,
  after: Customer,
): boolean {
  return after.consent.email.status === 'confirmed' && before?.consent?.email?.status === 'pending';
}
