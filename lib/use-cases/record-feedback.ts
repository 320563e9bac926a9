import { type Feedback, isAwaitingProvider } from '../domain/campaigns/feedback';
import type { ConsentStore } from '../ports/consent-store';
import type { DeliveryLedger } from '../ports/delivery-ledger';

// One provider event (see domain/campaigns/feedback.ts): suppress the address first (idempotent,
// and the part that protects the sender's reputation), then move the ledger row forward. Replays
// and out-of-order events change nothing they should not: the row moves only from the statuses the
// event allows, conditionally on the status read.

export interface FeedbackDeps {
  ledger: DeliveryLedger;
  consent: Pick<ConsentStore, 'suppress' | 'suppressIdentity'>;
}

export interface FeedbackOutcome {
  /**
   * `unmatched`: no row (mail Precis did not send); `mismatch`: the row holds another message id;
   * `resolved`: updated from `unknown` (or `queued` for a retry): the provider did take the message.
   */
  row: 'updated' | 'resolved' | 'unchanged' | 'unmatched' | 'mismatch';
  /** Whether the profile's email channel is now suppressed by this event. */
  suppressed: boolean;
}

/**
 * A conditional move fails only when another writer moved the row meanwhile, always forward: the
 * longest walk a row can take (queued → unknown → sent → delivered → opened → clicked → complained) is
 * six moves, so seven attempts always either land the event or find it no longer allowed. Three lost
 * a click when the Send, Delivery, Open and Click events of one email arrived together (the local
 * provider events stand-in with delays of 0 does that).
 */
const ATTEMPTS = 7;

export async function recordFeedback(deps: FeedbackDeps, feedback: Feedback): Promise<FeedbackOutcome> {
  let suppressed = false;
  if (feedback.suppress) {
    const entry = { reason: feedback.suppress.reason, at: feedback.at };
    for (const address of feedback.suppress.addresses) {
      await deps.consent.suppressIdentity('email', address, entry);
    }
    if (feedback.row) suppressed = await deps.consent.suppress(feedback.row.customerId, 'email', entry);
  }
  const key = feedback.row;
  if (!key) return { row: 'unmatched', suppressed };
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const [current] = await deps.ledger.getMany([key]);
    if (!current) return { row: 'unmatched', suppressed };
    if (current.providerMessageId !== undefined && current.providerMessageId !== feedback.messageId) {
      return { row: 'mismatch', suppressed };
    }
    if (!feedback.from.includes(current.status)) return { row: 'unchanged', suppressed };
    const resolved = isAwaitingProvider(current.status);
    const moved = await deps.ledger.transition(key, current.status, feedback.status, {
      ...(feedback.reason !== undefined && { reason: feedback.reason }),
      // A row the sender left `unknown` (crash after the provider took it) learns its message id here.
      ...(current.providerMessageId === undefined && { providerMessageId: feedback.messageId }),
      ...(resolved && current.sentAt === undefined && { sentAt: feedback.at }),
    });
    if (moved) return { row: resolved ? 'resolved' : 'updated', suppressed };
  }
  return { row: 'unchanged', suppressed };
}
