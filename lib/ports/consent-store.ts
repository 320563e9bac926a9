import type { PhoneCode } from '../domain/phone-verification';
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
  /**
   * Stores the digest of the code texted for the pending number's request `code.requestedAt` (a new
   * code replaces the old): false when that request is no longer the pending one.
   */
  recordPhoneCode(customerId: string, code: PhoneCode): Promise<boolean>;
  /**
   * Counts one try of the code of request `requestedAt` before it is compared: false (nothing
   * counted) when that code has had `max` tries already or is no longer the stored one.
   */
  countPhoneCodeAttempt(customerId: string, requestedAt: string, max: number): Promise<boolean>;
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
