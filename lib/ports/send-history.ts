import type { RecentSend } from '../domain/customer';

/** The bounded recent-sends list on the profile, for the frequency cap across campaigns. */
export interface SendHistory {
  /**
   * Stores `next` (the list as read plus the new send, pruned) if the list still has `seenLength`
   * entries; otherwise appends `added` to whatever is there (pruning waits for the next time).
   */
  record(
    customerId: string,
    seenLength: number,
    next: readonly RecentSend[],
    added: RecentSend,
  ): Promise<void>;
}
