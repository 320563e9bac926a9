import type { SendRequest } from '../domain/campaigns/delivery';

/** The queue between the planner and the sender; the sender's concurrency throttles sending. */
export interface SendQueue {
  enqueue(requests: readonly SendRequest[]): Promise<void>;
}
