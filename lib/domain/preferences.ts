import * as z from '../zod';
import { UNSUBSCRIBE_SOURCE } from './consent';
import type { Customer } from './customer';
import { escapeHtml } from './html';
import { requestVerification } from './phone-verification';
import {
  birthdaySchema,
  countrySchema,
  localeSchema,
  name,
  PHONE_MESSAGE,
  phoneInputSchema,
  timeZoneSchema,
  toE164,
} from './signup';

// The "manage your details" page, which is also the preference centre: reached only through a
// signed link sent to the person's address (a footer link in every email, or `POST /manage/link`).
// It is the one place where the details a signup cannot touch change (name, birthday, zone, locale,
// phone), and where the person opts out of a channel or of single campaigns. Pure: the form's
// schema, and the profile after the change.

/** The consent source recorded for changes made on the manage page. */
export const MANAGE_SOURCE = 'manage-page';
/** How long a manage link works (a footer link may be opened weeks later; a fresh one is a form away). */
export const MANAGE_LINK_DAYS = 30;
/** At most one "email me a link" message per address per this many minutes. */
export const MANAGE_LINK_RESEND_MINUTES = 15;

const CHECKED = new Set(['on', 'true', 'yes', '1']);

/**
 * The form as posted (`application/x-www-form-urlencoded`): text fields, checkboxes `email` and `sms`
 * (checked = I want these), and `campaign` repeated once per campaign the person still wants.
 */
export function manageFormSchema(today: string) {
  const optional = <T extends z.ZodMiniType>(schema: T) =>
    z.pipe(
      z.transform((value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value)),
      z.optional(schema),
    );
  return z.pipe(
    z
      .strictObject({
        token: z.string().check(z.maxLength(1000)),
        firstName: name(100),
        lastName: optional(name(100)),
        birthday: optional(birthdaySchema(today)),
        timeZone: timeZoneSchema,
        locale: localeSchema,
        phone: optional(phoneInputSchema),
        country: optional(countrySchema),
        email: z.boolean(),
        sms: z.boolean(),
        campaign: z.array(z.string().check(z.maxLength(40))).check(z.maxLength(100)),
      })
      .check(
        z.superRefine((form, ctx) => {
          if (form.phone !== undefined && toE164(form.phone, form.country) === undefined) {
            ctx.addIssue({ code: 'custom', path: ['phone'], message: PHONE_MESSAGE });
          }
        }),
      ),
    z.transform(
      (form): DetailsChange => ({
        firstName: form.firstName,
        ...(form.lastName !== undefined && { lastName: form.lastName }),
        ...(form.birthday !== undefined && { birthday: form.birthday }),
        timeZone: form.timeZone,
        locale: form.locale,
        ...(form.phone !== undefined && { phone: toE164(form.phone, form.country) as string }),
        email: form.email,
        sms: form.sms,
        campaigns: [...new Set(form.campaign)],
      }),
    ),
  );
}

/** Maps the posted form fields onto the schema's shape (checkboxes present = checked). */
export function manageFormInput(fields: Iterable<[string, string]>): Record<string, unknown> {
  const input: Record<string, unknown> = { email: false, sms: false, campaign: [] };
  for (const [key, value] of fields) {
    if (key === 'email' || key === 'sms') input[key] = CHECKED.has(value.toLowerCase());
    else if (key === 'campaign') (input.campaign as string[]).push(value);
    else input[key] = value;
  }
  return input;
}

/** What the person asked for on the page: their details and what they want to receive. */
export interface DetailsChange {
  firstName: string;
  lastName?: string;
  birthday?: string;
  timeZone: string;
  locale: string;
  /** E.164; a number other than the profile's is kept as `pendingPhone` until verified. */
  phone?: string;
  /** Marketing email wanted (re-subscribing asks to confirm the address again: double opt-in). */
  email: boolean;
  /** Texts wanted (SMS consent `pending` until the number is verified by a texted code). */
  sms: boolean;
  /** The ids of the campaigns the person still wants; the other campaigns shown are opted out. */
  campaigns: string[];
}

/**
 * The profile after the person's own change on the manage page; the same object when nothing
 * changes. `campaignIds`: the campaigns the page offered (opt-outs of campaigns not shown are kept).
 * A new phone number is not texted before it is verified: it waits as `pendingPhone` (see
 * `verifyPendingPhone`); clearing the phone removes it and opts out of texts.
 */
export function applyDetails(
  customer: Customer,
  change: DetailsChange,
  campaignIds: readonly string[],
  now: string,
): Customer {
  const offered = new Set(campaignIds);
  const optOuts = [
    ...(customer.campaignOptOuts ?? []).filter((id) => !offered.has(id)),
    ...campaignIds.filter((id) => !change.campaigns.includes(id)),
  ].sort();
  const { lastName: _l, birthday: _b, phone: _p, pendingPhone: _pp, campaignOptOuts: _o, ...rest } = customer;
  const phone = change.phone === undefined ? undefined : customer.phone;
  // The number waiting for its code: a new one (a request of its own), or the profile's own number
  // when texts are wanted and it was never verified (SMS consent not `opted_in`). Giving back the
  // profile's number cancels a change that was waiting.
  const wantsUnverifiedTexts =
    change.sms && phone !== undefined && change.phone === phone && customer.consent.sms.status !== 'opted_in';
  const pendingPhone =
    change.phone === undefined
      ? undefined
      : change.phone !== customer.phone || wantsUnverifiedTexts
        ? requestVerification(
            customer.pendingPhone?.phone === change.phone ? customer.pendingPhone : undefined,
            change.phone,
            now,
          )
        : undefined;
  const next: Customer = {
    ...rest,
    firstName: change.firstName,
    ...(change.lastName !== undefined && { lastName: change.lastName }),
    ...(change.birthday !== undefined && { birthday: change.birthday }),
    timeZone: change.timeZone,
    locale: change.locale,
    ...(phone !== undefined && { phone }),
    ...(pendingPhone !== undefined && { pendingPhone }),
    ...(optOuts.length > 0 && { campaignOptOuts: optOuts }),
    consent: {
      email: emailWanted(customer, change.email, now),
      sms: smsWanted(customer, change.sms && (phone !== undefined || pendingPhone !== undefined), now),
    },
  };
  if (PROFILE_KEYS.every((key) => JSON.stringify(customer[key]) === JSON.stringify(next[key])))
    return customer;
  return { ...next, updatedAt: now, version: customer.version + 1 };
}

const PROFILE_KEYS = [
  'firstName',
  'lastName',
  'birthday',
  'timeZone',
  'locale',
  'phone',
  'pendingPhone',
  'campaignOptOuts',
  'consent',
] as const satisfies readonly (keyof Customer)[];

function emailWanted(customer: Customer, wanted: boolean, now: string): Customer['consent']['email'] {
  const current = customer.consent.email;
  const subscribed = current.status === 'confirmed' || current.status === 'pending';
  if (wanted === subscribed || customer.email === undefined) return current;
  if (!wanted) return { status: 'unsubscribed', updatedAt: now, source: UNSUBSCRIBE_SOURCE };
  // Back in: confirmed again through the emailed link (double opt-in), as for a signup.
  return { status: 'pending', updatedAt: now, source: MANAGE_SOURCE, requestedAt: now };
}

function smsWanted(customer: Customer, wanted: boolean, now: string): Customer['consent']['sms'] {
  const current = customer.consent.sms;
  if (wanted === (current.status === 'opted_in')) return current;
  if (!wanted) {
    return current.status === 'none'
      ? current
      : { status: 'opted_out', updatedAt: now, source: MANAGE_SOURCE };
  }
  // Wanted again: `pending` until the number is verified (phone-verification.ts).
  if (current.status === 'pending') return current;
  return { status: 'pending', updatedAt: now, source: MANAGE_SOURCE };
}

/**
 * Phone verification (a one-time code: phone-verification.ts): once the pending number is verified
 * it becomes the profile's phone, and SMS consent given for it (`pending`) becomes `opted_in` — the
 * only way texts are ever switched on. Consent never given or withdrawn stays so.
 */
export function verifyPendingPhone(customer: Customer, phone: string, now: string): Customer {
  if (customer.pendingPhone?.phone !== phone || customer.erasedAt !== undefined) return customer;
  const { pendingPhone: _verified, ...rest } = customer;
  const sms = customer.consent.sms;
  return {
    ...rest,
    phone,
    consent: {
      ...customer.consent,
      sms:
        sms.status === 'pending' ? { status: 'opted_in', updatedAt: now, source: VERIFICATION_SOURCE } : sms,
    },
    updatedAt: now,
    version: customer.version + 1,
  };
}

/** The consent source recorded when a texted code verified the number. */
export const VERIFICATION_SOURCE = 'phone-verification';

/** The email that answers "email me a link": the link, how long it works, and what to do if unasked. */
export function renderManageLinkEmail(
  brandName: string,
  url: string,
): { subject: string; html: string; text: string } {
  const why = `It works for ${MANAGE_LINK_DAYS} days. If you did not ask for it, ignore this message.`;
  return {
    subject: `Your link to manage your details at ${brandName}`,
    html:
      `<p>Here is your link to see and change your details and what you hear from ${escapeHtml(brandName)}:</p>` +
      `<p><a href="${escapeHtml(url)}">Manage my details</a></p>` +
      `<p style="font-size:12px;color:#666">${why}</p>`,
    text: `Here is your link to see and change your details and what you hear from ${brandName}:\n\n${url}\n\n${why}\n`,
  };
}
