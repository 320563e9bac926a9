import { CALLING_CODES } from './calling-codes';

/**
 * The ISO 3166 region of an E.164 number (SMS is priced per destination country), as libphonenumber
 * tells it for the mobile numbers signup stores: the calling code, and where regions share one
 * (+1 → US, CA, JM, …; +44 → GB, JE, GG, IM) the first region whose leading digits or mobile
 * pattern the number fits. A generated table (calling-codes.ts) instead of libphonenumber itself,
 * which would add 136-194 KB to the sender's bundle. Undefined when it cannot be told; the report
 * counts those under `ZZ`.
 */
export function smsCountry(phone: string | undefined): string | undefined {
  if (!phone || !/^\+\d+$/.test(phone)) return undefined;
  for (const length of [1, 2, 3]) {
    const regions = CALLING_CODES[phone.slice(1, 1 + length)];
    if (regions === undefined) continue;
    if (typeof regions === 'string') return regions;
    const national = phone.slice(1 + length);
    return regions.find(
      ([, match, lengths]) => match?.test(national) && (!lengths || lengths.includes(national.length)),
    )?.[0];
  }
  return undefined;
}
