import type { IdentityKind } from './customer-repository';

export interface SuppressionEntry {
  /** A code (`bounce`, `complaint`, `carrier_opt_out`), never a message or an address. */
  reason: string;
  at: string;
}

/**
 * Consent bookkeeping that is not a profile change the person made (no version bump): the
 * confirmation email's send time and channel suppressions from provider feedback.
 */
export interface ConsentStore {
  /** Records on the pending email consent that its confirmation email went out (if still that request). */
  recordConfirmationSent(customerId: string, requestedAt: string, at: string): Promise<void>;
  /** Suppresses one channel of the profile; the first suppression is kept. False when there is no such profile. */
  suppress(customerId: string, channel: 'email' | 'sms', entry: SuppressionEntry): Promise<boolean>;
  /**
   * Claims the right to email a manage-your-details link now: true (and `at` recorded) unless one
   * was sent after `since` — the per-address rate limit of `POST /manage/link`.
   */
  claimManageLinkSend(customerId: string, at: string, since: string): Promise<boolean>;
  /** Marks the address's identity entry (a hash, no address) suppressed, so the mark outlives the profile. */
  suppressIdentity(kind: IdentityKind, value: string, entry: SuppressionEntry): Promise<void>;
}
