import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { IANAZone } from 'luxon';
import * as z from 'zod';
import { parseBirthday } from './calendar';

/**
 * What a web form sends to `POST /signups`, and the normalised signup it becomes.
 * The same schema serves JSON posts and plain HTML forms (see `formFieldsToSignupInput`).
 */

const NO_MARKUP = /^[^<>\p{Cc}]*$/u;
/** A person's name: trimmed text, no markup or control characters. */
export const name = (max: number) =>
  z
    .string({ error: 'must be text' })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(NO_MARKUP, 'must not contain < > or control characters');

// RFC 5321 caps an address at 254 characters; no spaces anywhere, one @, a dotted domain.
const EMAIL = /^[^\s@"<>(),;:\\[\]]+@[^\s@"<>(),;:\\[\]]+\.[^\s@"<>(),;:\\[\].]{2,}$/;
/** An email address as people type it, trimmed and lower-cased (shared by every input that takes one). */
export const emailSchema = z
  .string({ error: 'must be text' })
  .trim()
  .max(254, 'must be at most 254 characters')
  .regex(EMAIL, 'must be an email address such as ana@example.com')
  .transform((email) => email.toLowerCase());

const COUNTRY = /^[A-Z]{2}$/;
const TAG = /^[\p{L}\p{N}][\p{L}\p{N} _-]*$/u;

export interface SignupDefaults {
  timeZone: string;
  locale: string;
  /** Today's date (UTC `YYYY-MM-DD`): birthdays after it are rejected. */
  today: string;
}

/** The person's details, field by field: shared by the signup form and the manage-details page. */
export const phoneInputSchema = z
  .string({ error: 'must be text' })
  .trim()
  .min(1, 'must not be empty')
  .max(32, 'is too long');
export const countrySchema = z
  .string({ error: 'must be text' })
  .trim()
  .toUpperCase()
  .regex(COUNTRY, 'must be a two-letter country code such as GB');
export const birthdaySchema = (today: string) =>
  z
    .string({ error: 'must be text' })
    .refine(
      (value) => parseBirthday(value) !== undefined,
      'must be a real date as YYYY-MM-DD, or --MM-DD without the year',
    )
    .refine((value) => {
      const year = parseBirthday(value)?.year;
      return year === undefined || (year >= 1900 && value <= today);
    }, 'must be a date between 1900 and today');
export const timeZoneSchema = z
  .string({ error: 'must be text' })
  .refine(
    (zone) => (IANAZone.isValidZone(zone) && zone.includes('/')) || zone === 'UTC',
    'must be an IANA time zone such as Europe/London',
  );
export const localeSchema = z
  .string({ error: 'must be text' })
  .max(35, 'is too long')
  .transform((locale, ctx) => {
    try {
      const [canonical] = Intl.getCanonicalLocales(locale);
      if (canonical) return canonical;
    } catch {
      // fall through to the field error below
    }
    ctx.addIssue({ code: 'custom', message: 'must be a language tag such as en-GB' });
    return z.NEVER;
  });
export const PHONE_MESSAGE = 'must be a valid phone number with its country code, such as +44 7911 123456';

export function signupSchema(defaults: SignupDefaults) {
  return z
    .strictObject({
      firstName: name(100),
      lastName: name(100).optional(),
      email: emailSchema.optional(),
      phone: phoneInputSchema.optional(),
      country: countrySchema.optional(),
      birthday: birthdaySchema(defaults.today).optional(),
      timeZone: timeZoneSchema.optional(),
      locale: localeSchema.optional(),
      interests: z
        .array(
          z
            .string({ error: 'must be text' })
            .trim()
            .toLowerCase()
            .min(1, 'must not be empty')
            .max(50, 'must be at most 50 characters')
            .regex(TAG, 'may hold letters, digits, spaces, - and _ only'),
          { error: 'must be a list of tags' },
        )
        .max(50, 'at most 50 interests')
        .optional(),
      consent: z.strictObject(
        {
          email: z.boolean({ error: 'must be true or false' }),
          sms: z.boolean({ error: 'must be true or false' }),
        },
        { error: 'must say, for email and sms, whether the person consents' },
      ),
      source: name(100).optional(),
      // Honeypot: hidden from people by the form, filled in by bots.
      website: z.string({ error: 'must be text' }).max(1000, 'is too long').optional(),
    })
    .superRefine((input, ctx) => {
      if (input.email === undefined && input.phone === undefined) {
        ctx.addIssue({ code: 'custom', path: ['email'], message: 'an email or a phone number is required' });
      }
      if (input.consent.email && input.email === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['consent', 'email'],
          message: 'email consent needs an email address',
        });
      }
      if (input.consent.sms && input.phone === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['consent', 'sms'],
          message: 'sms consent needs a phone number',
        });
      }
      if (input.phone !== undefined && toE164(input.phone, input.country) === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['phone'],
          message: PHONE_MESSAGE,
        });
      }
    })
    .transform(
      (input): Signup => ({
        firstName: input.firstName,
        ...(input.lastName !== undefined && { lastName: input.lastName }),
        ...(input.email !== undefined && { email: input.email }),
        ...(input.phone !== undefined && { phone: toE164(input.phone, input.country) as string }),
        ...(input.birthday !== undefined && { birthday: input.birthday }),
        timeZone: input.timeZone ?? defaults.timeZone,
        locale: input.locale ?? defaults.locale,
        interests: [...new Set(input.interests ?? [])].sort(),
        consent: input.consent,
        source: input.source ?? 'web',
        isBot: (input.website ?? '').trim() !== '',
      }),
    );
}

/** A validated, normalised signup: phone in E.164, email lower-cased, interests sorted and unique. */
export interface Signup {
  firstName: string;
  lastName?: string;
  email?: string;
  phone?: string;
  birthday?: string;
  timeZone: string;
  locale: string;
  interests: string[];
  consent: { email: boolean; sms: boolean };
  source: string;
  /** The honeypot was filled in: answer as usual, store nothing. */
  isBot: boolean;
}

export function toE164(phone: string, country?: string): string | undefined {
  const parsed = parsePhoneNumberFromString(
    phone,
    country as Parameters<typeof parsePhoneNumberFromString>[1],
  );
  return parsed?.isValid() ? parsed.number : undefined;
}

const CHECKED = new Set(['on', 'true', 'yes', '1']);
const LIST_FIELDS = new Set(['interests']);
const CONSENT_FIELDS: Record<string, 'email' | 'sms'> = { 'consent.email': 'email', 'consent.sms': 'sms' };

/**
 * Maps a plain HTML form (`application/x-www-form-urlencoded`) onto the JSON shape: checkboxes
 * `consent.email` / `consent.sms` are consent when checked and absent otherwise; `interests` may repeat.
 * Unknown fields pass through so the schema reports them, as it does for JSON.
 */
export function formFieldsToSignupInput(fields: Iterable<[string, string]>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const consent = { email: false, sms: false };
  for (const [key, value] of fields) {
    const channel = CONSENT_FIELDS[key];
    if (channel) consent[channel] = CHECKED.has(value.toLowerCase());
    else if (LIST_FIELDS.has(key)) input[key] = [...((input[key] as string[] | undefined) ?? []), value];
    else if (value !== '' || key === 'website') input[key] = value;
  }
  input.consent = consent;
  return input;
}
