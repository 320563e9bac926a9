import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LastOrderKeys } from '../../domain/campaigns/last-order-keys';
import type { LastOrderIndex } from '../../ports/last-order-index';

/** `lastOrderKey` / `lastOrderOffset` on the Customers item: one update, only when they change. */
export class DynamoLastOrderIndex implements LastOrderIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async save(customerId: string, keys: LastOrderKeys | undefined): Promise<void> {
    try {
      const _out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { customerId },
          UpdateExpression: keys
            ? 'SET lastOrderKey = :key, lastOrderOffset = :offset'
            : 'REMOVE lastOrderKey, lastOrderOffset',
          ConditionExpression: 'attribute_exists(customerId)',
          ...(keys && {
            ExpressionAttributeValues: { ':key': keys.lastOrderKey, ':offset': keys.lastOrderOffset },
          }),
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err; // the profile is gone
    }
  }
}
