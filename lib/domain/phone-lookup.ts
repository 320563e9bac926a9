import * as z from '../zod';

// A phone number typed by an operator to find a customer (`GET /customers?phone=`, `precis customer
// +447700900123`): stored phones are E.164 (the signup API normalises them with libphonenumber), so
// the lookup takes the international form, with the spaces, dots, dashes and brackets people type
// taken out. Deliberately without libphonenumber (it would add ~87 KB to the customers API's bundle):
// a national number ("07700 900123") is refused, naming the form to use, rather than guessed at.

const E164 = /^\+[1-9]\d{6,14}$/;
const SEPARATORS = /[\s().-]/g;

/** The E.164 form of a typed international number, or undefined when it is not one. */
export function phoneForLookup(typed: string): string | undefined {
  // An unencoded `+` in a query string arrives as a space (application/x-www-form-urlencoded).
  const plus = /^\s+\d/.test(typed) ? `+${typed.trimStart()}` : typed.trim();
  const compact = plus.replace(SEPARATORS, '');
  return E164.test(compact) ? compact : undefined;
}

export const PHONE_LOOKUP_PROBLEM =
  'must be a phone number in international format, with + and the country code, such as +447700900123';

export const phoneLookupSchema = z.pipe(
  z.string({ error: 'is required, e.g. ?phone=%2B447700900123' }),
  z.transform((typed, ctx) => {
    const phone = phoneForLookup(typed);
    if (phone === undefined) {
      ctx.issues.push({ code: 'custom', message: PHONE_LOOKUP_PROBLEM, input: typed });
      return z.NEVER;
    }
    return phone;
  }),
);
