import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Order } from '../../domain/order';
import type { ClaimOutcome, OrderClaim, OrderRepository, StoredOrder } from '../../ports/order-repository';
import * as z from '../../zod';

export interface OrderTables {
  /** pk `customerId`, sk `orderKey` = `orderedAt#orderId`: one customer's history in one query. */
  orders: string;
  /** pk `orderId`: makes an order id unique across customers, with its content fingerprint. */
  orderIds: string;
}

const ClaimItemSchema = z.object({
  orderId: z.string(),
  fingerprint: z.optional(z.string()),
  customerId: z.optional(z.string()),
  orderedAt: z.optional(z.string()),
  cancelledAt: z.optional(z.string()),
});

const StoredOrderSchema = z.object({
  customerId: z.string(),
  orderId: z.string(),
  orderedAt: z.string(),
  totalAmount: z.number(),
  currency: z.string(),
  reportingAmount: z.number(),
  lineItems: z.array(
    z.object({ sku: z.string(), category: z.string(), quantity: z.number(), unitPrice: z.number() }),
  ),
  status: z.enum(['placed', 'cancelled']),
  cancelledAt: z.optional(z.string()),
});

const hash = (fingerprint: string) => createHash('sha256').update(fingerprint).digest('hex');
export const orderKey = (orderedAt: string, orderId: string) => `${orderedAt}#${orderId}`;

/** The OrderIds item that claims an order id for a customer, with the hash of the order's fingerprint. */
export const orderClaimItem = (
  order: Pick<Order, 'orderId' | 'orderedAt'>,
  fingerprint: string,
  customerId: string,
) => ({
  orderId: order.orderId,
  fingerprint: hash(fingerprint),
  customerId,
  orderedAt: order.orderedAt,
});

/** The Orders item of a stored order. */
export const orderItem = (order: StoredOrder) => ({
  ...order,
  orderKey: orderKey(order.orderedAt, order.orderId),
});

const toClaim = ({ fingerprint: _f, ...claim }: z.infer<typeof ClaimItemSchema>): OrderClaim => claim;

export class DynamoOrderRepository implements OrderRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: OrderTables,
  ) {}

  async claim(order: Order, fingerprint: string, customerId: string): Promise<ClaimOutcome> {
    const claim = orderClaimItem(order, fingerprint, customerId);
    try {
      const _out = await this.db.send(
        new PutCommand({
          TableName: this.tables.orderIds,
          Item: claim,
          ConditionExpression: 'attribute_not_exists(orderId)',
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      return { status: 'claimed' };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const existing = await this.findClaimItem(order.orderId);
      if (existing?.fingerprint === undefined && existing) return this.completeTombstone(claim, existing);
      return this.compare(claim, existing);
    }
  }

  /** The order of an earlier cancellation has arrived: fill in the tombstone, keep the cancellation. */
  private async completeTombstone(
    claim: { orderId: string; fingerprint: string; customerId: string; orderedAt: string },
    tombstone: z.infer<typeof ClaimItemSchema>,
  ): Promise<ClaimOutcome> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tables.orderIds,
          Key: { orderId: claim.orderId },
          UpdateExpression: 'SET fingerprint = :f, customerId = :c, orderedAt = :o',
          ConditionExpression: 'attribute_not_exists(fingerprint)',
          ExpressionAttributeValues: {
            ':f': claim.fingerprint,
            ':c': claim.customerId,
            ':o': claim.orderedAt,
          },
        }),
      );
      return { status: 'claimed', ...(tombstone.cancelledAt && { cancelledAt: tombstone.cancelledAt }) };
    } catch (err) {
      // Lost a race to fill the tombstone: compare with whoever won.
      if (err instanceof ConditionalCheckFailedException)
        return this.compare(claim, await this.findClaimItem(claim.orderId));
      throw err;
    }
  }

  private compare(
    claim: { fingerprint: string },
    existing: z.infer<typeof ClaimItemSchema> | undefined,
  ): ClaimOutcome {
    if (!existing) throw new Error('an order claim vanished after a failed condition');
    return existing.fingerprint === claim.fingerprint
      ? { status: 'duplicate', claim: toClaim(existing) }
      : { status: 'conflict' };
  }

  private async findClaimItem(orderId: string) {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tables.orderIds,
        Key: { orderId },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    return out.Item ? ClaimItemSchema.parse(out.Item) : undefined;
  }

  async findClaim(orderId: string): Promise<OrderClaim | undefined> {
    const item = await this.findClaimItem(orderId);
    return item && toClaim(item);
  }

  async store(order: StoredOrder): Promise<void> {
    try {
      const _out = await this.db.send(
        new PutCommand({
          TableName: this.tables.orders,
          Item: orderItem(order),
          ConditionExpression: 'attribute_not_exists(customerId)',
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err; // already stored: nothing to do
    }
  }

  async recordCancellation(orderId: string, cancelledAt: string): Promise<OrderClaim> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tables.orderIds,
        Key: { orderId },
        UpdateExpression: 'SET cancelledAt = if_not_exists(cancelledAt, :at)',
        ExpressionAttributeValues: { ':at': cancelledAt },
        ReturnValues: 'ALL_NEW',
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    return toClaim(ClaimItemSchema.parse(out.Attributes));
  }

  async markCancelled(
    customerId: string,
    orderedAt: string,
    orderId: string,
    cancelledAt: string,
  ): Promise<void> {
    try {
      const _out = await this.db.send(
        new UpdateCommand({
          TableName: this.tables.orders,
          Key: { customerId, orderKey: orderKey(orderedAt, orderId) },
          UpdateExpression: 'SET #status = :cancelled, cancelledAt = if_not_exists(cancelledAt, :at)',
          ConditionExpression: 'attribute_exists(customerId) AND #status <> :cancelled',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':cancelled': 'cancelled', ':at': cancelledAt },
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
    } catch (err) {
      // Already cancelled (a replay), or the order is not stored yet (the claim carries the cancellation).
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async history(customerId: string): Promise<StoredOrder[]> {
    const orders: StoredOrder[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tables.orders,
          KeyConditionExpression: 'customerId = :c',
          ExpressionAttributeValues: { ':c': customerId },
          ConsistentRead: true,
          ExclusiveStartKey,
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      for (const item of out.Items ?? []) orders.push(StoredOrderSchema.parse(item));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return orders;
  }
}
