/** What a signed link carries: who, for what, on which channel. Nothing else, and no address. */
export interface LinkClaims {
  /** `verify-phone`: the page where a signup types the code texted to its number. */
  purpose: 'unsubscribe' | 'confirm' | 'manage' | 'verify-phone';
  customerId: string;
  channel: 'email' | 'sms';
  /** The ledger row (`campaign#occasion`) of the message that carried the link, for measurement. */
  deliveryKey?: string;
}

/** Signs and verifies the tokens of unsubscribe, confirmation and manage-your-details links. */
export interface LinkSigner {
  sign(claims: LinkClaims, expiresAt: Date): string;
  /** The claims of a valid, unexpired token; undefined for anything else. */
  verify(token: string, now: Date): LinkClaims | undefined;
  /**
   * A keyed digest (HMAC under the newest key) of a short secret that must not be stored as is (a
   * one-time code with what it is bound to).
   */
  digest(value: string): string;
  /** Whether `digest(value)` under any of the keys is `expected`, compared in constant time. */
  matchesDigest(value: string, expected: string): boolean;
}
