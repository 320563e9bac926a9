/**
 * Counts double opt-in confirmation emails per mailbox (see CONFIRMATION_LIMITS in
 * lib/domain/campaigns/confirmation.ts), under a keyed pseudonym of the mailbox, never the address.
 */
export interface ConfirmationLimiter {
  /** Counts one confirmation email to the mailbox of `email` at `at` if the limits allow it; false if not. */
  tryCount(email: string, at: Date): Promise<boolean>;
}
