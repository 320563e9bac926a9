/**
 * The segment membership index (see lib/domain/segment-members.ts): who is in an audience
 * (`kind:name`), kept per membership change, read one segment at a time.
 */
export interface SegmentMembers {
  /**
   * Records what one profile write did to its audiences: a member of each `entered`, no longer of
   * each `exited`. Idempotent (a replayed change writes the same items again).
   */
  apply(customerId: string, change: { entered: readonly string[]; exited: readonly string[] }): Promise<void>;
  /**
   * Up to `limit` member ids of one audience, from `cursor` (undefined: the first page), in a stable
   * order (shard by shard, by id within a shard), and the cursor of the next page (absent: no more).
   * Reads that audience's items only. Throws InvalidCursorError for a cursor it did not issue.
   */
  page(segment: string, options: { limit: number; cursor?: string }): Promise<MembersPage>;
  /** How many members one audience has (reads its keys only). */
  count(segment: string): Promise<number>;
}

export interface MembersPage {
  customerIds: string[];
  cursor?: string;
}
