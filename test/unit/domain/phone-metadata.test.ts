import { getExampleNumber, parsePhoneNumberFromString as parseMobile } from 'libphonenumber-js/mobile';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { phoneProblem, toE164 } from '../../../lib/domain/signup';

// Signup and the manage form parse phones with libphonenumber's mobile metadata trimmed of its
// display formats (lib/domain/phone-metadata.json, bin/phone-tables.ts). Here they are held to
// libphonenumber-js/mobile itself, as typed in every region's ways: E.164, international with
// spaces, national with the country given, and seeded neighbours of each (valid or not).

type Region = Parameters<typeof getExampleNumber>[0];

function typedNumbers(): [input: string, region: string][] {
  let seed = 11;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const inputs: [string, string][] = [];
  for (const region of Object.keys(examples)) {
    const example = getExampleNumber(region as Region, examples);
    if (!example) continue;
    const variants = [example.number];
    for (let i = 0; i < 40; i++) {
      const keep = 3 + Math.floor(random() * (example.number.length - 3));
      let phone = example.number.slice(0, keep);
      const length = example.number.length + Math.floor(random() * 3) - 1;
      while (phone.length < length) phone += Math.floor(random() * 10);
      variants.push(phone);
    }
    for (const phone of variants) {
      const parsed = parseMobile(phone);
      inputs.push([phone, region]);
      if (parsed) inputs.push([parsed.formatInternational(), region], [parsed.formatNational(), region]);
    }
  }
  return inputs;
}

const reference = (phone: string, region: string) => {
  const parsed = parseMobile(phone, region as Region);
  return {
    e164: parsed?.isValid() ? parsed.number : undefined,
    smsTo: parsed?.isValid() ? (parsed.country ?? '') : undefined,
  };
};

describe('phones parsed with the trimmed mobile metadata', () => {
  it('give libphonenumber-js/mobile answers for every region, valid or not', () => {
    const inputs = typedNumbers();
    expect(inputs.length).toBeGreaterThan(15_000);
    expect(inputs.filter(([phone, region]) => toE164(phone, region) !== undefined).length).toBeGreaterThan(
      2_000,
    );
    const differ = inputs.filter(([phone, region]) => {
      const { e164, smsTo } = reference(phone, region);
      const allowed = phoneProblem(phone, region, { sms: true, countries: [smsTo ?? '-'] }) === undefined;
      return toE164(phone, region) !== e164 || allowed !== (smsTo !== undefined);
    });
    expect(differ).toEqual([]);
  });
});
