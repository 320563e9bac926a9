/** What a signed link carries: who, for what, on which channel. Nothing else, and no address. */
export interface LinkClaims {
  purpose: 'unsubscribe' | 'confirm' | 'manage';
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
}
