import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  paginateQuery,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
  memberPartition,
  memberPartitions,
} from '../../domain/segment-members';
import type { MembersPage, SegmentMembers } from '../../ports/segment-members';
import * as z from '../../zod';

const KeysSchema = z.object({ customerId: z.string() });
// BatchWriteItem takes at most 25 requests.
const BATCH = 25;

/**
 * The SegmentMembers table (pk `segment` = `<kind>:<name>[#<shard>]`, sk `customerId`, nothing else
 * stored): one item per membership, written in batches, read by Query one segment shard at a time
 * (eventually consistent: a membership a second old may be missing from a page).
 */
export class DynamoSegmentMembers implements SegmentMembers {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly shards = 1,
  ) {}

  async apply(customerId: string, change: { entered: readonly string[]; exited: readonly string[] }) {
    const key = (segment: string) => ({
      segment: memberPartition(segment, customerId, this.shards),
      customerId,
    });
    const requests = [
      ...change.entered.map((segment) => ({ PutRequest: { Item: key(segment) } })),
      ...change.exited.map((segment) => ({ DeleteRequest: { Key: key(segment) } })),
    ];
    for (let i = 0; i < requests.length; i += BATCH) {
      let pending: typeof requests | undefined = requests.slice(i, i + BATCH);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        if (attempt > 8) throw new Error('SegmentMembers kept items unprocessed: throttled');
        const out = await this.db.send(
          new BatchWriteCommand({
            RequestItems: { [this.table]: pending },
            ReturnConsumedCapacity: 'INDEXES',
          }),
        );
        pending = out.UnprocessedItems?.[this.table] as typeof requests | undefined;
      }
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
      const wanted = options.limit - customerIds.length;
      // One item more than the page needs: a shard that has more is then told apart from one that
      // ends exactly here, so the last page of a segment does not hand out a cursor to nothing.
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'segment' },
          ExpressionAttributeValues: { ':pk': partitions[shard] },
          ProjectionExpression: 'customerId',
          Limit: wanted + 1,
          ...(after !== undefined && {
            ExclusiveStartKey: { segment: partitions[shard], customerId: after },
          }),
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      const ids = (out.Items ?? []).map((item) => KeysSchema.parse(item).customerId);
      customerIds.push(...ids.slice(0, wanted));
      const last = out.LastEvaluatedKey?.customerId;
      if (ids.length > wanted) {
        after = ids[wanted - 1];
      } else if (typeof last === 'string') {
        after = last;
      } else {
        shard++;
        after = undefined;
      }
    }
    const more = shard < partitions.length;
    // A page that ends exactly where a shard ends says so with the next shard's start.
    return {
      customerIds,
      ...(more && { cursor: encodeCursor({ shard, ...(after !== undefined && { after }) }) }),
    };
  }

  async count(segment: string): Promise<number> {
    const counts = await Promise.all(
      memberPartitions(segment, this.shards).map(async (partition) => {
        let count = 0;
        const pages = paginateQuery(
          { client: this.db },
          {
            TableName: this.table,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': 'segment' },
            ExpressionAttributeValues: { ':pk': partition },
            Select: 'COUNT',
            ReturnConsumedCapacity: 'INDEXES',
          },
        );
        for await (const page of pages) count += page.Count ?? 0;
        return count;
      }),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }
}
