import { confirmationAllowed } from '../../lib/domain/campaigns/confirmation';
import { mailboxOf } from '../../lib/domain/email-address';
import type { ConfirmationLimiter } from '../../lib/ports/confirmation-limiter';

/** The confirmation counter per mailbox in memory (contract: test/integration/campaigns/confirmation-limits.test.ts). */
export class InMemoryConfirmationLimiter implements ConfirmationLimiter {
  readonly sentAt = new Map<string, string[]>();

  async tryCount(email: string, at: Date): Promise<boolean> {
    const mailbox = mailboxOf(email);
    const decision = confirmationAllowed(this.sentAt.get(mailbox) ?? [], at);
    if (!decision.allowed) return false;
    this.sentAt.set(mailbox, decision.next);
    return true;
  }
}
