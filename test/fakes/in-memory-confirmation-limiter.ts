import {
  MAILBOX_CONFIRMATIONS,
  type SendCounter,
} from '../../lib/adapters/dynamodb/dynamo-confirmation-limiter';
import { confirmationAllowed } from '../../lib/domain/campaigns/confirmation';
import type { ConfirmationLimiter } from '../../lib/ports/confirmation-limiter';

/** The confirmation counter per mailbox in memory (contract: test/integration/campaigns/confirmation-limits.test.ts). */
export class InMemoryConfirmationLimiter implements ConfirmationLimiter {
  readonly sentAt = new Map<string, string[]>();

  constructor(private readonly counter: SendCounter = MAILBOX_CONFIRMATIONS) {}

  async tryCount(address: string, at: Date): Promise<boolean> {
    const mailbox = this.counter.addressOf(address);
    const decision = confirmationAllowed(this.sentAt.get(mailbox) ?? [], at, this.counter.limits);
    if (!decision.allowed) return false;
    this.sentAt.set(mailbox, decision.next);
    return true;
  }
}
