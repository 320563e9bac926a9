import { describe, expect, it } from 'vitest';
import { applySignup, type Customer, newOrderCustomer } from '../../../lib/domain/customer';
import { type Signup, signupSchema } from '../../../lib/domain/signup';

// What a public signup may and may not change on a person we already know. Anyone who knows an
// address can post the form; only the owner, through the signed manage-details link, changes the
// details. The table reads as the rule: the field, what the form says, what the profile keeps.

const NOW = '2026-06-01T10:00:00.000Z';
const parse = (input: Record<string, unknown>): Signup =>
  signupSchema({ timeZone: 'Europe/London', locale: 'en-GB', today: '2026-06-01' }).parse({
    email: 'marie@example.com',
    consent: { email: false, sms: false },
    ...input,
  });

/** Marie from Paris, who signed up last year and confirmed her address. */
const marie: Customer = {
  customerId: 'cus_marie',
  firstName: 'Marie',
  lastName: 'Curie',
  email: 'marie@example.com',
  phone: '+33612345678',
  birthday: '1990-11-07',
  timeZone: 'Europe/Paris',
  locale: 'fr-FR',
  interests: ['cat food'],
  consent: {
    email: { status: 'confirmed', updatedAt: '2025-05-01T00:00:00.000Z', source: 'footer-form' },
    sms: { status: 'none', updatedAt: '2025-05-01T00:00:00.000Z', source: 'footer-form' },
  },
  source: 'footer-form',
  createdAt: '2025-05-01T00:00:00.000Z',
  updatedAt: '2025-05-01T00:00:00.000Z',
  version: 3,
};

describe('a signup for an address we know (Marie, who signed up before)', () => {
  it.each<[string, Record<string, unknown>, Partial<Customer>]>([
    ['her first name', { firstName: 'Mallory' }, { firstName: 'Marie' }],
    ['her last name', { firstName: 'Marie', lastName: 'Smith' }, { lastName: 'Curie' }],
    ['her birthday', { firstName: 'Marie', birthday: '1985-01-01' }, { birthday: '1990-11-07' }],
    ['her time zone', { firstName: 'Marie', timeZone: 'America/New_York' }, { timeZone: 'Europe/Paris' }],
    [
      'her time zone, by a form without a zone (the default would be London)',
      { firstName: 'Marie' },
      { timeZone: 'Europe/Paris' },
    ],
    ['her language', { firstName: 'Marie', locale: 'en-US' }, { locale: 'fr-FR' }],
    ['her phone number', { firstName: 'Marie', phone: '+447911123456' }, { phone: '+33612345678' }],
  ])('cannot change %s', (_what, form, kept) => {
    const after = applySignup(marie, parse(form), NOW);
    expect(after).toMatchObject(kept);
    expect(after).toBe(marie); // nothing written at all
  });

  it('may add interests (they accumulate)', () => {
    const after = applySignup(marie, parse({ firstName: 'Marie', interests: ['toys'] }), NOW);
    expect(after.interests).toEqual(['cat food', 'toys']);
    expect(after.version).toBe(4);
  });

  it('may ask for email again after an unsubscribe: pending until the emailed link is followed (double opt-in)', () => {
    const unsubscribed: Customer = {
      ...marie,
      consent: {
        ...marie.consent,
        email: { status: 'unsubscribed', updatedAt: '2026-01-01T00:00:00.000Z', source: 'unsubscribe-link' },
      },
    };
    const after = applySignup(
      unsubscribed,
      parse({ firstName: 'Marie', consent: { email: true, sms: false }, source: 'summer-popup' }),
      NOW,
    );
    expect(after.consent.email).toEqual({
      status: 'pending',
      updatedAt: NOW,
      source: 'summer-popup',
      requestedAt: NOW,
    });
  });

  it('may opt in to texts for the number already on her profile, recording the form as the source', () => {
    const after = applySignup(
      marie,
      parse({
        firstName: 'Marie',
        phone: '+33 6 12 34 56 78',
        consent: { email: false, sms: true },
        source: 'checkout',
      }),
      NOW,
    );
    // Pending until she types back the code texted to the number (phone verification).
    expect(after.consent.sms).toEqual({ status: 'pending', updatedAt: NOW, source: 'checkout' });
    expect(after.pendingPhone).toEqual({ phone: '+33612345678', requestedAt: NOW });
    expect(after.phone).toBe('+33612345678');
  });

  it('asks for a new code only once the last one has expired (10 minutes), whatever is posted meanwhile', () => {
    const form = parse({ firstName: 'Marie', phone: '+33612345678', consent: { email: false, sms: true } });
    const first = applySignup(marie, form, NOW);
    const minutesLater = (m: number) => new Date(Date.parse(NOW) + m * 60_000).toISOString();
    expect(applySignup(first, form, minutesLater(9))).toBe(first);
    const renewed = applySignup(first, form, minutesLater(10));
    expect(renewed.pendingPhone).toEqual({ phone: '+33612345678', requestedAt: minutesLater(10) });
    expect(renewed.consent.sms).toEqual(first.consent.sms);
  });

  it('never texts again without a code once she is verified and opted in', () => {
    const verified = {
      ...marie,
      consent: {
        ...marie.consent,
        sms: { status: 'opted_in' as const, updatedAt: NOW, source: 'phone-verification' },
      },
    };
    const form = parse({ firstName: 'Marie', phone: '+33612345678', consent: { email: false, sms: true } });
    expect(applySignup(verified, form, NOW)).toBe(verified);
  });

  it('cannot opt another number in to texts (the number stays hers, texts stay off)', () => {
    const after = applySignup(
      marie,
      parse({ firstName: 'Marie', phone: '+447911123456', consent: { email: false, sms: true } }),
      NOW,
    );
    expect(after).toBe(marie);
  });

  it('never withdraws consent: an unticked box leaves her confirmed', () => {
    expect(applySignup(marie, parse({ firstName: 'Marie' }), NOW).consent.email.status).toBe('confirmed');
  });

  it('cannot fill in a detail she left out either (only she can, from the manage-details page)', () => {
    const { birthday: _none, ...noBirthday } = marie;
    expect(applySignup(noBirthday, parse({ firstName: 'Marie', birthday: '1985-01-01' }), NOW)).toBe(
      noBirthday,
    );
  });
});

describe('a signup for a customer known only from orders (never told us anything)', () => {
  it('takes the details the form gives, as a first signup would', () => {
    const buyer = newOrderCustomer('marie@example.com', 'cus_marie', '2026-01-01T00:00:00.000Z', {
      timeZone: 'Europe/London',
      locale: 'en-GB',
    });
    const after = applySignup(
      buyer,
      parse({
        firstName: 'Marie',
        birthday: '1990-11-07',
        timeZone: 'Europe/Paris',
        locale: 'fr-FR',
        consent: { email: true, sms: false },
      }),
      NOW,
    );
    expect(after).toMatchObject({
      firstName: 'Marie',
      birthday: '1990-11-07',
      timeZone: 'Europe/Paris',
      locale: 'fr-FR',
      email: 'marie@example.com',
      consent: { email: { status: 'pending' } },
    });
  });
});
