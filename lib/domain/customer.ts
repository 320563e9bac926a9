import * as z from '../zod';
import { PhoneCodeSchema, requestVerification } from './phone-verification';
import { ProfileMetricsSchema } from './profile-metrics';
import { SatisfactionSchema } from './satisfaction';
import { LtvSchema, SegmentsSchema } from './scoring';
import type { Signup } from './signup';

/**
 * The customer profile: what the person told us, their consent per channel, and (kept by the
 * stream functions) derived keys for the scheduled jobs. One customer per email address.
 */

export const EMAIL_CONSENT = ['none', 'pending', 'confirmed', 'unsubscribed'] as const;
/** SMS: `pending` = consent given for a number not yet verified (no texts until it is: phone-verification.ts). */
export const SMS_CONSENT = ['none', 'pending', 'opted_in', 'opted_out'] as const;

const ConsentRecordSchema = <T extends readonly [string, ...string[]]>(statuses: T) =>
  z.object({
    status: z.enum(statuses),
    /** When the status last changed, and through which form or process. */
    updatedAt: z.string(),
    source: z.string(),
  });

export const EmailConsentSchema = z.extend(ConsentRecordSchema(EMAIL_CONSENT), {
  /** Double opt-in: when the person last asked to subscribe (the confirmation email is due). */
  requestedAt: z.optional(z.string()),
  /** When the confirmation email for the pending request was sent (at most one per 24 h). */
  confirmationSentAt: z.optional(z.string()),
});
export const SmsConsentSchema = ConsentRecordSchema(SMS_CONSENT);

const SuppressedSchema = z.object({ reason: z.string(), at: z.string() });
export const SuppressionSchema = z.object({
  email: z.optional(SuppressedSchema),
  sms: z.optional(SuppressedSchema),
});
export type Suppression = z.infer<typeof SuppressionSchema>;

export const CustomerSchema = z.object({
  customerId: z.string(),
  /** Absent for a customer first known from an order (no signup yet) and after erasure. */
  firstName: z.optional(z.string()),
  lastName: z.optional(z.string()),
  email: z.optional(z.string()),
  phone: z.optional(z.string()),
  birthday: z.optional(z.string()),
  timeZone: z.string(),
  locale: z.string(),
  interests: z.array(z.string()),
  consent: z.object({ email: EmailConsentSchema, sms: SmsConsentSchema }),
  source: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Bumped on every change a person or process makes; derived-key updates leave it alone. */
  version: z.number().check(z.int()),
  /** Kept by the orders stream, recomputed from the whole order history (absent before any order). */
  metrics: z.optional(ProfileMetricsSchema),
  /** Kept by the surveys stream, recomputed from the whole survey history (absent before any answer). */
  satisfaction: z.optional(SatisfactionSchema),
  /** Set when the person's data was erased: the record stays only as anonymous aggregates. */
  erasedAt: z.optional(z.string()),
  /** Derived by the profile stream: sparse keys of the birthday index (absent = not indexed). */
  birthdayKey: z.optional(z.string()),
  birthdayOffset: z.optional(z.number()),
  /** Lifetime value, scored with the current model on every metrics change and after each refit. */
  ltv: z.optional(LtvSchema),
  /** Segment memberships, scored with the LTV (see lib/domain/scoring.ts). */
  segments: z.optional(SegmentsSchema),
  /** Derived: sparse keys of the next-order index (absent = not indexed). */
  nextOrderKey: z.optional(z.string()),
  nextOrderOffset: z.optional(z.number()),
  /** Derived: sparse keys of the last-order index, for the post-purchase survey (absent = not indexed). */
  lastOrderKey: z.optional(z.string()),
  lastOrderOffset: z.optional(z.number()),
  /** Campaigns: channels that must not be messaged (hard bounce, complaint, carrier opt-out). */
  suppression: z.optional(SuppressionSchema),
  /**
   * Preference centre: the campaigns (by id) the person asked not to get, on any channel. Set only
   * through the signed "manage your details" page; honoured by the consent rule (eligibility.ts).
   */
  campaignOptOuts: z.optional(z.array(z.string())),
  /**
   * The number waiting to be verified (phone-verification.ts), and when it was asked: the profile's
   * own number after a signup with SMS ticked, or a new number given on the manage page, which is
   * never texted and not the profile's `phone` until a verification confirms it
   * (`verifyPendingPhone` in preferences.ts).
   */
  pendingPhone: z.optional(z.object({ phone: z.string(), requestedAt: z.string() })),
  /** The one-time code texted for `pendingPhone` (a digest only; bookkeeping, no version bump). */
  phoneCode: z.optional(PhoneCodeSchema),
  /** When a manage-your-details link was last emailed on request (bookkeeping, no version bump). */
  manageLinkSentAt: z.optional(z.string()),
});
export type Customer = z.infer<typeof CustomerSchema>;
export type EmailConsent = z.infer<typeof EmailConsentSchema>;
export type SmsConsent = z.infer<typeof SmsConsentSchema>;

/** What a customer is looked up by: their email, or their phone when they gave no email. */
export function identityOf(signup: Pick<Signup, 'email' | 'phone'>): {
  kind: 'email' | 'phone';
  value: string;
} {
  if (signup.email !== undefined) return { kind: 'email', value: signup.email };
  if (signup.phone !== undefined) return { kind: 'phone', value: signup.phone };
  throw new Error('a signup always carries an email or a phone');
}

/** A brand-new customer from their first signup. */
export function newCustomer(signup: Signup, customerId: string, now: string): Customer {
  const none = { updatedAt: now, source: signup.source };
  return applySignup(
    {
      customerId,
      ...(signup.email !== undefined && { email: signup.email }),
      timeZone: signup.timeZone,
      locale: signup.locale,
      interests: [],
      consent: { email: { status: 'none', ...none }, sms: { status: 'none', ...none } },
      source: signup.source,
      createdAt: now,
      updatedAt: now,
      version: 0,
    },
    signup,
    now,
  );
}

/**
 * A customer first known from an order: no name, no marketing consent (buying is not consenting),
 * the deployment's default zone and locale until they sign up.
 */
export function newOrderCustomer(
  email: string,
  customerId: string,
  now: string,
  defaults: { timeZone: string; locale: string },
): Customer {
  const none = { updatedAt: now, source: 'order' };
  return {
    customerId,
    email,
    timeZone: defaults.timeZone,
    locale: defaults.locale,
    interests: [],
    consent: { email: { status: 'none', ...none }, sms: { status: 'none', ...none } },
    source: 'order',
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/**
 * The details a person tells us about themselves. A public signup sets them only on a profile that
 * has never had them (a new address, or a customer known only from orders); on anyone who signed up
 * before they change only through the signed manage-details page (see preferences.ts), so nobody
 * who merely knows an address can rewrite its owner's name, birthday, zone, locale or phone.
 */
export const DETAIL_FIELDS = [
  'firstName',
  'lastName',
  'birthday',
  'timeZone',
  'locale',
  'phone',
] as const satisfies readonly (keyof Customer & keyof Signup)[];

/**
 * Whether the person ever told us their details: a signup always carries a first name, so only a
 * customer created from an order (or an erased one) has none.
 */
export const hasToldDetails = (customer: Pick<Customer, 'firstName'>): boolean =>
  customer.firstName !== undefined;

/**
 * Folds a public signup into a profile. What a signup may change on a known person: it adds
 * consent (email double opt-in: `pending` until the link is followed; SMS only for the number
 * already on the profile, `pending` until a texted code verifies it), interests accumulate, and the consent records its source. It never
 * changes the details (DETAIL_FIELDS) of someone who told us theirs, nor the email address. A form
 * without a ticked box never withdraws consent (only an unsubscribe does); a ticked email box asks to
 * confirm again unless already confirmed. Returns the same object when nothing would change, so a
 * repeated signup writes nothing.
 */
export function applySignup(customer: Customer, signup: Signup, now: string): Customer {
  const details = hasToldDetails(customer) ? {} : detailsOf(signup);
  const phone = 'phone' in details ? details.phone : customer.phone;
  const email = nextEmailConsent(customer.consent.email, signup, now);
  // SMS consent for the profile's own number is `pending` until the number is verified (a code is
  // texted to it: phone-verification.ts); a manage-page number already waiting keeps its request.
  const asksSms =
    signup.consent.sms &&
    signup.phone !== undefined &&
    signup.phone === phone &&
    customer.consent.sms.status !== 'opted_in';
  const sms: SmsConsent =
    asksSms && customer.consent.sms.status !== 'pending'
      ? { status: 'pending', updatedAt: now, source: signup.source }
      : customer.consent.sms;
  const waiting = customer.pendingPhone;
  const pendingPhone =
    asksSms && (waiting === undefined || waiting.phone === phone)
      ? requestVerification(waiting, phone as string, now)
      : waiting;
  const next: Customer = {
    ...customer,
    ...details,
    interests: [...new Set([...customer.interests, ...signup.interests])].sort(),
    consent: { email, sms },
    ...(pendingPhone !== undefined && { pendingPhone }),
  };
  if (sameProfile(customer, next)) return customer;
  return { ...next, updatedAt: now, version: customer.version + 1 };
}

/** The details a signup carries (absent ones left out, so they never erase anything). */
function detailsOf(signup: Signup): Partial<Pick<Customer, (typeof DETAIL_FIELDS)[number]>> {
  return Object.fromEntries(
    DETAIL_FIELDS.filter((field) => signup[field] !== undefined).map((field) => [field, signup[field]]),
  );
}

/** A pending request is renewed (a new confirmation email) at most once per this many hours. */
export const CONFIRMATION_RESEND_HOURS = 24;

function nextEmailConsent(current: EmailConsent, signup: Signup, now: string): EmailConsent {
  if (!signup.consent.email || current.status === 'confirmed') return current;
  if (current.status === 'pending') {
    // Asking again while unconfirmed renews the request (and so the email) once the last one is a
    // day old; within the day nothing changes, so a repeated signup sends nothing.
    const last = Date.parse(current.confirmationSentAt ?? current.requestedAt ?? current.updatedAt);
    if (Date.parse(now) - last < CONFIRMATION_RESEND_HOURS * 3_600_000) return current;
    return { ...current, updatedAt: now, source: signup.source, requestedAt: now };
  }
  return { status: 'pending', updatedAt: now, source: signup.source, requestedAt: now };
}

/** What a person tells us (through a signup or the manage-details page): the profile's own fields. */
export const PROFILE_FIELDS = [
  'firstName',
  'lastName',
  'email',
  'phone',
  'birthday',
  'timeZone',
  'locale',
  'interests',
  'consent',
  'campaignOptOuts',
  'pendingPhone',
] as const satisfies readonly (keyof Customer)[];

function sameProfile(a: Customer, b: Customer): boolean {
  return PROFILE_FIELDS.every((field) => JSON.stringify(a[field]) === JSON.stringify(b[field]));
}

/**
 * What a write to the Customers item changed, stored on the item as `change` so that each stream
 * consumer wakes only for the changes it acts on (FilterCriteria: lib/config/stream-filters.ts):
 * - `facts`: what the person told us or did — signup, manage page, confirmation, unsubscribe, phone
 *   verification, a survey answer, erasure;
 * - `derived`: metrics, lifetime value, scores or index keys, no segment membership changed;
 * - `segments`: the same, with a segment membership change (the profile stream announces it);
 * - `sends`: send bookkeeping — confirmation sent, phone code and its tries, suppression, manage link.
 * Every write to the item sets it (the repository and consent store adapters), so a stale value never
 * outlives the write after it.
 */
export const CHANGE_KINDS = ['facts', 'derived', 'segments', 'sends'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];
export const CHANGE_ATTRIBUTE = 'change';
