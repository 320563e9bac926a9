import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type Delivery, DeliverySchema, type DeliveryStatus } from '../../domain/campaigns/delivery';
import { systemClock } from '../../ports/clock';
import type {
  ClaimResult,
  DeliveryKey,
  DeliveryLedger,
  DeliveryUnsubscribes,
} from '../../ports/delivery-ledger';

// BatchGetItem takes at most 100 keys.
const BATCH = 100;

/** The Deliveries table (pk customerId, sk deliveryKey = `campaign#occasion`). */
export class DynamoDeliveryLedger implements DeliveryLedger, DeliveryUnsubscribes {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async claim(delivery: Delivery): Promise<ClaimResult> {
    try {
      const _out = await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: delivery,
          ConditionExpression: 'attribute_not_exists(customerId)',
          // The winner's row comes back with the failure: no second read to report it.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      return { status: 'claimed' };
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException && err.Item) {
        return { status: 'exists', existing: DeliverySchema.parse(unmarshall(err.Item)) };
      }
      throw err;
    }
  }

  async history(customerId: string): Promise<Delivery[]> {
    const rows: Delivery[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'customerId = :c',
          ExpressionAttributeValues: { ':c': customerId },
          ExclusiveStartKey,
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      for (const item of out.Items ?? []) rows.push(DeliverySchema.parse(item));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return rows;
  }

  async getMany(keys: readonly DeliveryKey[]): Promise<Delivery[]> {
    const found: Delivery[] = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      let pending: Record<string, unknown>[] | undefined = keys
        .slice(i, i + BATCH)
        .map(({ customerId, deliveryKey }) => ({ customerId, deliveryKey }));
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        const out = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } },
            ReturnConsumedCapacity: 'INDEXES',
          }),
        );
        for (const item of out.Responses?.[this.table] ?? []) found.push(DeliverySchema.parse(item));
        pending = out.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return found;
  }

  async transition(
    key: DeliveryKey,
    from: DeliveryStatus,
    to: DeliveryStatus,
    fields: Partial<
      Pick<Delivery, 'sentAt' | 'providerMessageId' | 'reason' | 'country' | 'notBefore' | 'deferReason'>
    > = {},
  ): Promise<boolean> {
    const set = { ...fields, status: to, updatedAt: systemClock.now().toISOString() };
    const names = Object.keys(set);
    try {
      const _out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { customerId: key.customerId, deliveryKey: key.deliveryKey },
          UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
          ExpressionAttributeValues: {
            ...Object.fromEntries(Object.entries(set).map(([name, value]) => [`:${name}`, value])),
            ':from': from,
          },
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async requeueUnknown(key: DeliveryKey, updatedAt: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { customerId: key.customerId, deliveryKey: key.deliveryKey },
          UpdateExpression: 'SET #status = :queued, updatedAt = :now',
          ConditionExpression: '#status = :unknown AND updatedAt = :read',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':queued': 'queued',
            ':unknown': 'unknown',
            ':read': updatedAt,
            ':now': systemClock.now().toISOString(),
          },
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async markUnsubscribed(key: DeliveryKey, at: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { customerId: key.customerId, deliveryKey: key.deliveryKey },
          UpdateExpression: 'SET unsubscribedAt = :at, updatedAt = :at',
          ConditionExpression: 'attribute_exists(customerId) AND attribute_not_exists(unsubscribedAt)',
          ExpressionAttributeValues: { ':at': at },
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
