/**
 * Counts double opt-in confirmation emails per mailbox (see CONFIRMATION_LIMITS in
 * lib/domain/campaigns/confirmation.ts), or verification code texts per number (PHONE_CODE_LIMITS),
 * under a keyed pseudonym of the mailbox or number, never the address.
 */
export interface ConfirmationLimiter {
  /** Counts one message to `address` (its mailbox) at `at` if the limits allow it; false if not. */
  tryCount(address: string, at: Date): Promise<boolean>;
}
