import type { Customer } from './customer';

/**
 * Erasure of a person's data (the right to be forgotten). The customer record stays as anonymous
 * aggregates (order metrics, satisfaction) so reports still add up; everything the person told us
 * goes, and consent is withdrawn on every channel so nothing can be sent to the record again.
 */

export const ERASURE_SOURCE = 'erasure';

/** Attributes that identify or describe the person; none survives an erasure. */
export const PERSONAL_ATTRIBUTES = [
  'firstName',
  'lastName',
  'email',
  'phone',
  'birthday',
  'pendingPhone',
] as const satisfies readonly (keyof Customer)[];

/** Derived from personal data (the birthday, the number's code), so removed with it. */
export const DERIVED_PERSONAL_ATTRIBUTES = [
  'birthdayKey',
  'birthdayOffset',
  'phoneCode',
] as const satisfies readonly (keyof Customer)[];

/** Every address a customer can be found or messaged by: their suppression entries after erasure. */
export function identitiesOf(customer: Customer): { kind: 'email' | 'phone'; value: string }[] {
  return [
    ...(customer.email !== undefined ? [{ kind: 'email' as const, value: customer.email }] : []),
    ...(customer.phone !== undefined ? [{ kind: 'phone' as const, value: customer.phone }] : []),
  ];
}

/** Erased, and nothing personal has come back since. */
export function isErased(customer: Customer): boolean {
  return (
    customer.erasedAt !== undefined &&
    customer.interests.length === 0 &&
    [...PERSONAL_ATTRIBUTES, ...DERIVED_PERSONAL_ATTRIBUTES].every((name) => customer[name] === undefined) &&
    customer.consent.email.status === 'unsubscribed' &&
    customer.consent.sms.status === 'opted_out'
  );
}

/**
 * The record after erasure: personal attributes and interests gone, consent withdrawn on both
 * channels by the erasure, aggregates kept. The version moves on, so a stream record of the old
 * profile can no longer write anything derived from it.
 */
export function eraseProfile(customer: Customer, now: string): Customer {
  const {
    firstName: _firstName,
    lastName: _lastName,
    email: _email,
    phone: _phone,
    birthday: _birthday,
    birthdayKey: _birthdayKey,
    birthdayOffset: _birthdayOffset,
    pendingPhone: _pendingPhone,
    phoneCode: _phoneCode,
    ...kept
  } = customer;
  return {
    ...kept,
    interests: [],
    consent: {
      email: { status: 'unsubscribed', updatedAt: now, source: ERASURE_SOURCE },
      sms: { status: 'opted_out', updatedAt: now, source: ERASURE_SOURCE },
    },
    erasedAt: customer.erasedAt ?? now,
    updatedAt: now,
    version: customer.version + 1,
  };
}
