import type { IdentityKind } from './customer-repository';

/**
 * How an address (email or phone) becomes the key of its Identities item: a keyed pseudonym, so
 * the table holds nothing a dictionary of addresses can turn back into people (see
 * lib/adapters/crypto/hmac-identity-keys.ts).
 */
export interface IdentityKeys {
  /**
   * Every key the address may be stored under, the one new items are written under first: one per
   * key in the rotation list, newest first, then the plain hash of items written before pseudonyms
   * were keyed (looked up, never written).
   */
  keysOf(kind: IdentityKind, value: string): Promise<string[]>;
  /**
   * The key of a counter about an address that must not be readable either (the confirmation
   * emails per mailbox): `<name>#k:` + the newest key's pseudonym. Counters are short-lived, so a
   * rotation simply starts them afresh.
   */
  counterKey(name: 'mailbox' | 'phone-code', value: string): Promise<string>;
}
