import { parsePhoneNumberFromString as parseMax } from 'libphonenumber-js/max';
import { getExampleNumber, parsePhoneNumberFromString as parseMobile } from 'libphonenumber-js/mobile';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { smsCountry } from '../../../lib/domain/measurement/sms-country';

// smsCountry reads a generated table (bin/phone-tables.ts) so the sender carries no
// libphonenumber; here it is held to libphonenumber's own answer (full metadata) for every number
// signup can store: mobile numbers, valid by the mobile metadata.

const storable = (phone: string): boolean => parseMobile(phone)?.isValid() === true;

/** Every region's example mobile number, and numbers around it (seeded, so every run is the same). */
function mobileNumbers(): string[] {
  let seed = 7;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const numbers = new Set<string>();
  for (const region of Object.keys(examples)) {
    const example = getExampleNumber(region as never, examples)?.number;
    if (!example) continue;
    numbers.add(example);
    for (let i = 0; i < 200; i++) {
      const keep = 3 + Math.floor(random() * (example.length - 3));
      let phone = example.slice(0, keep);
      while (phone.length < example.length) phone += Math.floor(random() * 10);
      if (storable(phone)) numbers.add(phone);
    }
  }
  return [...numbers];
}

describe('smsCountry', () => {
  it('names the region libphonenumber names for every storable number', () => {
    const numbers = mobileNumbers();
    expect(numbers.length).toBeGreaterThan(10_000);
    const differ = numbers.filter((phone) => smsCountry(phone) !== parseMax(phone)?.country);
    expect(differ.map((phone) => [phone, smsCountry(phone), parseMax(phone)?.country])).toEqual([]);
  });

  it('tells regions that share a calling code apart', () => {
    expect(smsCountry('+447911123456')).toBe('GG');
    expect(smsCountry('+447797123456')).toBe('JE');
    expect(smsCountry('+447400123456')).toBe('GB');
    expect(smsCountry('+14165550123')).toBe('CA');
    expect(smsCountry('+16175550123')).toBe('US');
    expect(smsCountry('+18765551234')).toBe('JM');
    expect(smsCountry('+77011234567')).toBe('KZ');
    expect(smsCountry('+79161234567')).toBe('RU');
  });

  it('is undefined without a number or when no region fits', () => {
    expect(smsCountry(undefined)).toBeUndefined();
    expect(smsCountry('')).toBeUndefined();
    expect(smsCountry('+15550100999')).toBeUndefined();
    expect(smsCountry('+80012345678')).toBeUndefined();
  });
});
