import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { indexPartitions } from '../../domain/occasion-keys';
import type { DueCustomers } from '../../ports/due-customers';
import * as z from '../../zod';

const KeysSchema = z.object({ customerId: z.string() });

/**
 * The Customers table's sparse byBirthday / byNextOrder / byLastOrder indexes (keys only): one query
 * per range and write shard (`indexShards`, see occasion-keys.ts).
 */
export class DynamoDueCustomers implements DueCustomers {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly indexShards = 1,
  ) {}

  byBirthday(monthDay: string, lowOffset: number, highOffset: number): Promise<string[]> {
    return this.query('byBirthday', 'birthdayKey', 'birthdayOffset', monthDay, lowOffset, highOffset);
  }

  byNextOrder(date: string, lowOffset: number, highOffset: number): Promise<string[]> {
    return this.query('byNextOrder', 'nextOrderKey', 'nextOrderOffset', date, lowOffset, highOffset);
  }

  byLastOrder(date: string, lowOffset: number, highOffset: number): Promise<string[]> {
    return this.query('byLastOrder', 'lastOrderKey', 'lastOrderOffset', date, lowOffset, highOffset);
  }

  private async query(
    index: string,
    partition: string,
    sort: string,
    day: string,
    low: number,
    high: number,
  ): Promise<string[]> {
    const shards = await Promise.all(
      indexPartitions(day, this.indexShards).map((key) =>
        this.queryOne(index, partition, sort, key, low, high),
      ),
    );
    return shards.flat();
  }

  private async queryOne(
    index: string,
    partition: string,
    sort: string,
    key: string,
    low: number,
    high: number,
  ): Promise<string[]> {
    const ids: string[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        IndexName: index,
        KeyConditionExpression: '#pk = :key AND #sk BETWEEN :low AND :high',
        ExpressionAttributeNames: { '#pk': partition, '#sk': sort },
        ExpressionAttributeValues: { ':key': key, ':low': low, ':high': high },
        ProjectionExpression: 'customerId',
        ReturnConsumedCapacity: 'INDEXES',
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) ids.push(KeysSchema.parse(item).customerId);
    }
    return ids;
  }
}
