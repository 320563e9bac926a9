import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpretSesEvent, SesEventDetailSchema } from '../../../lib/domain/campaigns/feedback';
import {
  decodeSesTag,
  encodeSesTag,
  fromSesTags,
  isValidSesTag,
  SES_TAG_MAX_LENGTH,
  SesTagError,
  toSesTags,
} from '../../../lib/domain/campaigns/ses-tags';

// Tags as SES takes them (ASCII letters, digits, `_`, `-`; at most 256 characters) and back.

describe('SES tag encoding', () => {
  it.each([
    ['a birthday occasion (a year) passes unchanged', '2026', '2026'],
    ['a repurchase occasion (a day) passes unchanged', '2026-03-14', '2026-03-14'],
    ['a campaign slug passes unchanged', 'win-back', 'win-back'],
    [
      'a customer id (UUID) passes unchanged',
      '7c9e6679-7425-40de-944b-e07fc1f98a12',
      '7c9e6679-7425-40de-944b-e07fc1f98a12',
    ],
    [
      'an abandoned-basket occasion (an ISO instant)',
      '2026-12-07T09:00:00.000Z',
      '2026-12-07T09_3A00_3A00_2E000Z',
    ],
    ['an underscore is escaped too, so decoding is unambiguous', 'cus_ana', 'cus_5Fana'],
    ['a name in another script, per UTF-8 byte', 'Zoë', 'Zo_C3_AB'],
    ['the empty value', '', ''],
  ])('%s', (_what, value, encoded) => {
    expect(encodeSesTag(value)).toBe(encoded);
    expect(isValidSesTag(encoded)).toBe(true);
    expect(decodeSesTag(encoded)).toBe(value);
  });

  it.each([
    ['an ISO instant sent before the encoding', '2026-12-07T09:00:00.000Z'],
    ['an id with an underscore', 'cus_ana'],
    ["SES's own tag names", 'ses:configuration-set'],
    ['an underscore and hex digits that are not UTF-8', 'order_FF'],
  ])('a value that was never encoded decodes to itself: %s', (_what, value) => {
    expect(decodeSesTag(value)).toBe(value);
  });

  it('refuses a value whose encoding SES would not take (over 256 characters)', () => {
    expect(encodeSesTag('a'.repeat(SES_TAG_MAX_LENGTH))).toHaveLength(SES_TAG_MAX_LENGTH);
    expect(() => encodeSesTag('a'.repeat(SES_TAG_MAX_LENGTH + 1))).toThrow(SesTagError);
    expect(() => encodeSesTag(':'.repeat(86))).toThrow(SesTagError); // 86 × 3 = 258
  });

  it('any text round-trips, in the alphabet and length SES takes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (value) => {
        const encoded = encodeSesTag(value);
        expect(encoded).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(encoded.length).toBeLessThanOrEqual(SES_TAG_MAX_LENGTH);
        expect(decodeSesTag(encoded)).toBe(value);
      }),
    );
  });

  it('text of long runs round-trips or is refused, never sent too long', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (value) => {
        let encoded: string;
        try {
          encoded = encodeSesTag(value);
        } catch (error) {
          expect(error).toBeInstanceOf(SesTagError);
          return;
        }
        expect(isValidSesTag(encoded)).toBe(true);
        expect(decodeSesTag(encoded)).toBe(value);
      }),
    );
  });

  it('decoding is the identity on text without an escape (`_` + two upper-case hex digits)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((value) => !/_[0-9A-F]{2}/.test(value)),
        (value) => {
          expect(decodeSesTag(value)).toBe(value);
        },
      ),
    );
  });

  it('tag names are encoded like values, and come back decoded from an event', () => {
    const sent = toSesTags({ campaign: 'basket', occasion: '2026-12-07T09:00:00.000Z', 'our.tag': 'x' });
    expect(sent).toEqual([
      { Name: 'campaign', Value: 'basket' },
      { Name: 'occasion', Value: '2026-12-07T09_3A00_3A00_2E000Z' },
      { Name: 'our_2Etag', Value: 'x' },
    ]);
    const published = Object.fromEntries(sent.map((tag) => [tag.Name, [tag.Value]]));
    expect(fromSesTags(published)).toEqual({
      campaign: ['basket'],
      occasion: ['2026-12-07T09:00:00.000Z'],
      'our.tag': ['x'],
    });
  });
});

describe('SES events find their ledger row through the encoded tags', () => {
  const delivery = (tags: Record<string, string[]>) =>
    SesEventDetailSchema.parse({
      eventType: 'Delivery',
      mail: { messageId: 'm-1', timestamp: '2026-12-07T09:00:01.000Z', destination: [], tags },
      delivery: { timestamp: '2026-12-07T09:00:03.000Z' },
    });

  it('an abandoned-basket email tagged with an encoded instant finds basket#<instant>', () => {
    const feedback = interpretSesEvent(
      delivery({
        'ses:configuration-set': ['precis-campaigns'],
        campaign: ['basket'],
        occasion: ['2026-12-07T09_3A00_3A00_2E000Z'],
        customer: ['7c9e6679-7425-40de-944b-e07fc1f98a12'],
      }),
    );
    expect(feedback.row).toEqual({
      customerId: '7c9e6679-7425-40de-944b-e07fc1f98a12',
      deliveryKey: 'basket#2026-12-07T09:00:00.000Z',
    });
  });

  it('an event of mail sent before the encoding (raw tags) still finds its row', () => {
    const feedback = interpretSesEvent(
      delivery({ campaign: ['birthday'], occasion: ['2026'], customer: ['cus_ana'] }),
    );
    expect(feedback.row).toEqual({ customerId: 'cus_ana', deliveryKey: 'birthday#2026' });
  });
});
