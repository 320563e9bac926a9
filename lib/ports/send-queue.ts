import type { SendRequest } from '../domain/campaigns/delivery';

/** The queue between the planner and the sender; the sender's concurrency throttles sending. */
export interface SendQueue {
  /** `delaySeconds` (0–900, SQS's limit): the messages become visible to the sender that much later. */
  enqueue(requests: readonly SendRequest[], options?: { delaySeconds?: number }): Promise<void>;
}

/** The longest delay a queue message can carry (SQS: 15 minutes). */
export const MAX_QUEUE_DELAY_SECONDS = 900;
