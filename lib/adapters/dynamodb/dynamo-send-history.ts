import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RecentSend } from '../../domain/customer';
import type { SendHistory } from '../../ports/send-history';

/** `recentSends` on the customer item: one update per claimed message (no version bump). */
export class DynamoSendHistory implements SendHistory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(
    customerId: string,
    seenLength: number,
    next: readonly RecentSend[],
    added: RecentSend,
  ): Promise<void> {
    try {
      const _out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { customerId },
          UpdateExpression: 'SET recentSends = :next',
          // Replace (and prune) only the list we read; a concurrent append changes its size.
          ConditionExpression:
            seenLength === 0
              ? 'attribute_exists(customerId) AND (attribute_not_exists(recentSends) OR size(recentSends) = :zero)'
              : 'attribute_exists(customerId) AND size(recentSends) = :seen',
          ExpressionAttributeValues: {
            ':next': next,
            ...(seenLength === 0 ? { ':zero': 0 } : { ':seen': seenLength }),
          },
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const _out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { customerId },
          UpdateExpression: 'SET recentSends = list_append(if_not_exists(recentSends, :empty), :added)',
          ConditionExpression: 'attribute_exists(customerId)',
          ExpressionAttributeValues: { ':empty': [], ':added': [added] },
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
    }
  }
}
