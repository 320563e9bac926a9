import {
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
  memberPartition,
  memberPartitions,
} from '../../lib/domain/segment-members';
import type { MembersPage, SegmentMembers } from '../../lib/ports/segment-members';

/** The SegmentMembers contract in memory (partition → sorted ids); the contract suite runs it and DynamoDB alike. */
export class InMemorySegmentMembers implements SegmentMembers {
  readonly partitions = new Map<string, Set<string>>();
  writes = 0;

  constructor(private readonly shards = 1) {}

  async apply(customerId: string, change: { entered: readonly string[]; exited: readonly string[] }) {
    for (const segment of change.entered) {
      const partition = memberPartition(segment, customerId, this.shards);
      const members = this.partitions.get(partition) ?? new Set<string>();
      members.add(customerId);
      this.partitions.set(partition, members);
      this.writes++;
    }
    for (const segment of change.exited) {
      this.partitions.get(memberPartition(segment, customerId, this.shards))?.delete(customerId);
      this.writes++;
    }
  }

  async page(segment: string, options: { limit: number; cursor?: string }): Promise<MembersPage> {
    const position = options.cursor === undefined ? { shard: 0 } : decodeCursor(options.cursor);
    const partitions = memberPartitions(segment, this.shards);
    if (!position || position.shard >= partitions.length)
      throw new InvalidCursorError('not a members cursor');
    const customerIds: string[] = [];
    let { shard } = position;
    let after = position.after;
    while (shard < partitions.length && customerIds.length < options.limit) {
      const ids = [...(this.partitions.get(partitions[shard] as string) ?? [])]
        .sort()
        .filter((id) => after === undefined || id > after);
      const taken = ids.slice(0, options.limit - customerIds.length);
      customerIds.push(...taken);
      if (taken.length < ids.length) {
        after = taken.at(-1);
      } else {
        shard++;
        after = undefined;
      }
    }
    const more = shard < partitions.length;
    return {
      customerIds,
      ...(more && { cursor: encodeCursor({ shard, ...(after !== undefined && { after }) }) }),
    };
  }

  async count(segment: string): Promise<number> {
    return memberPartitions(segment, this.shards).reduce(
      (sum, partition) => sum + (this.partitions.get(partition)?.size ?? 0),
      0,
    );
  }
}
