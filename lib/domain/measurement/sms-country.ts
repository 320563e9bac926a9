import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * The ISO 3166 region of an E.164 number (SMS is priced per destination country), from
 * libphonenumber's full metadata, so shared calling codes resolve (+1 → US or CA, +44 → GB, JE, …).
 * Undefined when it cannot be told; the report counts those under `ZZ`.
 */
export function smsCountry(phone: string | undefined): string | undefined {
  if (!phone) return undefined;
  return parsePhoneNumberFromString(phone)?.country;
}
