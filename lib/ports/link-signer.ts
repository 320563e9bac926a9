/** What a signed link carries: who, for what, on which channel. Nothing else, and no address. */
export interface LinkClaims {
  /**
   * `verify-phone`: the page where a signup types the code texted to its number. `survey`: the
   * post-purchase survey's answer page (survey-links.ts); a token is good for its purpose only.
   */
  purpose: 'unsubscribe' | 'confirm' | 'manage' | 'verify-phone' | 'survey';
  customerId: string;
  channel: 'email' | 'sms';
  /** The ledger row (`campaign#occasion`) of the message that carried the link, for measurement. */
  deliveryKey?: string;
  /** `survey` only: the order the survey asks about (absent when the profile does not name it). */
  orderId?: string;
  /** `survey` only: the score (1–5) the link was for; absent on the "add a comment" link. */
  score?: number;
}

/** Signs and verifies the tokens of unsubscribe, confirmation, manage-your-details and survey links. */
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
