import { type MetadataJson, parsePhoneNumberFromString as parseWith } from 'libphonenumber-js/core';
import * as z from '../zod';
import { parseBirthday } from './calendar';
import { emailSchema } from './email-address';
import mobileMetadata from './phone-metadata.json';
import { isValidTimeZone } from './zoned-time';

/**
 * What a web form sends to `POST /signups`, and the normalised signup it becomes.
 * The same schema serves JSON posts and plain HTML forms (see `formFieldsToSignupInput`).
 */

const NO_MARKUP = /^[^<>\p{Cc}]*$/u;
/** A person's name: trimmed text, no markup or control characters. */
export const name = (max: number) =>
  z
    .string({ error: 'must be text' })
    .check(
      z.trim(),
      z.minLength(1, 'must not be empty'),
      z.maxLength(max, `must be at most ${max} characters`),
      z.regex(NO_MARKUP, 'must not contain < > or control characters'),
    );

const COUNTRY = /^[A-Z]{2}$/;
const TAG = /^[\p{L}\p{N}][\p{L}\p{N} _-]*$/u;

export interface SignupDefaults {
  timeZone: string;
  locale: string;
  /** Countries (ISO 3166 alpha-2) whose mobile numbers may be given SMS consent; default DEFAULT_SMS_COUNTRIES. */
  smsCountries?: readonly string[];
  /** Today's date (UTC `YYYY-MM-DD`): birthdays after it are rejected. */
  today: string;
}

/** The person's details, field by field: shared by the signup form and the manage-details page. */
export const phoneInputSchema = z
  .string({ error: 'must be text' })
  .check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(32, 'is too long'));
export const countrySchema = z
  .string({ error: 'must be text' })
  .check(z.trim(), z.toUpperCase(), z.regex(COUNTRY, 'must be a two-letter country code such as GB'));
export const birthdaySchema = (today: string) =>
  z.string({ error: 'must be text' }).check(
    z.refine(
      (value) => parseBirthday(value) !== undefined,
      'must be a real date as YYYY-MM-DD, or --MM-DD without the year',
    ),
    z.refine((value) => {
      const year = parseBirthday(value)?.year;
      return year === undefined || (year >= 1900 && value <= today);
    }, 'must be a date between 1900 and today'),
  );
export const timeZoneSchema = z
  .string({ error: 'must be text' })
  .check(z.refine((zone) => isValidTimeZone(zone), 'must be an IANA time zone such as Europe/London'));
export const localeSchema = z.pipe(
  z.string({ error: 'must be text' }).check(z.maxLength(35, 'is too long')),
  z.transform((locale, ctx) => {
    try {
      const [canonical] = Intl.getCanonicalLocales(locale);
      if (canonical) return canonical;
    } catch {
      // fall through to the field error below
    }
    ctx.issues.push({ code: 'custom', message: 'must be a language tag such as en-GB', input: locale });
    return z.NEVER;
  }),
);
export const PHONE_MESSAGE = 'must be a valid phone number with its country code, such as +44 7911 123456';

export function signupSchema(defaults: SignupDefaults) {
  return z.pipe(
    z
      .strictObject({
        firstName: name(100),
        lastName: z.optional(name(100)),
        email: z.optional(emailSchema),
        phone: z.optional(phoneInputSchema),
        country: z.optional(countrySchema),
        birthday: z.optional(birthdaySchema(defaults.today)),
        timeZone: z.optional(timeZoneSchema),
        locale: z.optional(localeSchema),
        interests: z.optional(
          z
            .array(
              z
                .string({ error: 'must be text' })
                .check(
                  z.trim(),
                  z.toLowerCase(),
                  z.minLength(1, 'must not be empty'),
                  z.maxLength(50, 'must be at most 50 characters'),
                  z.regex(TAG, 'may hold letters, digits, spaces, - and _ only'),
                ),
              { error: 'must be a list of tags' },
            )
            .check(z.maxLength(50, 'at most 50 interests')),
        ),
        consent: z.strictObject(
          {
            email: z.boolean({ error: 'must be true or false' }),
            sms: z.boolean({ error: 'must be true or false' }),
          },
          { error: 'must say, for email and sms, whether the person consents' },
        ),
        source: z.optional(name(100)),
        // Honeypot: hidden from people by the form, filled in by bots.
        website: z.optional(z.string({ error: 'must be text' }).check(z.maxLength(1000, 'is too long'))),
      })
      .check(
        z.superRefine((input, ctx) => {
          if (input.email === undefined && input.phone === undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['email'],
              message: 'an email or a phone number is required',
            });
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
          if (input.phone !== undefined) {
            const problem = phoneProblem(input.phone, input.country, {
              sms: input.consent.sms,
              countries: defaults.smsCountries ?? DEFAULT_SMS_COUNTRIES,
            });
            if (problem) ctx.addIssue({ code: 'custom', path: ['phone'], message: problem });
          }
        }),
      ),
    z.transform(
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
    ),
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

/**
 * Where SMS consent may be given when the deployment names no list (`sms.allowedCountries`): the
 * countries the default SMS prices cover, the Crown Dependencies that share +44 with the UK, and
 * the demo's regions. Set your own: every other destination is refused at signup, which is what
 * stops "SMS pumping" to exotic numbers.
 */
export const DEFAULT_SMS_COUNTRIES = [
  'GB',
  'GG',
  'IM',
  'JE',
  'IE',
  'FR',
  'DE',
  'PT',
  'US',
  'CA',
  'JP',
  'AU',
  'NZ',
];

type CountryCode = Parameters<typeof parseWith>[1];

// libphonenumber's mobile metadata without its display formats (bin/phone-tables.ts): half the
// weight in the signup and consent bundles, the same answers (test/unit/domain/phone-metadata.test.ts).
const parsePhone = (phone: string, country: string | undefined) =>
  parseWith(phone, country as CountryCode, mobileMetadata as unknown as MetadataJson);

// The public form takes mobile numbers only, read with libphonenumber's mobile metadata: a number
// is valid only when its type is MOBILE (or FIXED_LINE_OR_MOBILE where the numbering plan cannot
// tell, as in +1). Landlines, premium-rate (UK 09…), shared-cost (UK 084…/087…), toll-free and
// other non-mobile ranges are not valid here, so they are never stored and never texted.
const NOT_MOBILE =
  'must be a mobile number that can receive texts (not a landline, premium-rate or shared-cost number), with its country code, such as +44 7911 123456';

/** The E.164 form of a mobile number, or undefined when it is not one (see NOT_MOBILE). */
export function toE164(phone: string, country?: string): string | undefined {
  const parsed = parsePhone(phone, country);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** Why the form's phone is refused: not a mobile number, or SMS consent to a country not allowed. */
export function phoneProblem(
  phone: string,
  country: string | undefined,
  rules: { sms: boolean; countries: readonly string[] },
): string | undefined {
  const parsed = parsePhone(phone, country);
  if (!parsed?.isValid()) return NOT_MOBILE;
  if (rules.sms && !rules.countries.includes(parsed.country ?? '')) {
    return `cannot receive texts from us: we send SMS only to numbers in ${rules.countries.join(', ')}`;
  }
  return undefined;
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
