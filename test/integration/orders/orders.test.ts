import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthTemplates } from '../../../infra/synth';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';
import { deliverBatch } from '../../support/streams';

// Orders end to end on the local runtime: HTTP and the app's event bus in, Orders table, stream,
// metrics on the profile; and the replay test: the same stream batch three times, and shuffled,
// leaves the metrics exactly as one in-order delivery did.

let runtime: TestRuntime;
let db: DynamoDBDocumentClient;
let events: EventBridgeClient;
const local = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

const table = (name: string): string => {
  const found = runtime.tableNames[name];
  if (!found) throw new Error(`no ${name} table`);
  return found;
};

const order = (orderId: string, email: string, orderedAt: string, amount: number, category = 'cat food') => ({
  orderId,
  customer: { email },
  orderedAt,
  totalAmount: amount,
  currency: 'GBP',
  lineItems: [
    { sku: `${category.toUpperCase().replace(/ /g, '-')}-1`, category, quantity: 1, unitPrice: amount },
  ],
});

const postOrder = (body: unknown) =>
  fetch(`${runtime.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY },
    body: JSON.stringify(body),
  });

async function profile(email: string) {
  const response = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(email)}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { customerId: string; metrics: Record<string, unknown> };
}

const busEvent = (detailType: string, detail: unknown) =>
  events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: 'precis',
          Source: 'shop.example',
          DetailType: detailType,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );

beforeAll(async () => {
  runtime = await startTestRuntime(synthTemplates());
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.dynamoEndpoint, ...local }));
  events = new EventBridgeClient({ endpoint: runtime.localAwsEndpoint, ...local });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('orders reach the profile metrics', () => {
  const email = 'quarterly.buyer@example.com';

  it('needs the admin key: without it, 401 and nothing stored', async () => {
    const response = await fetch(`${runtime.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(order('o-unauth', email, '2025-01-10T12:00:00Z', 10)),
    });
    expect(response.status).toBe(401);
    const claim = await db.send(
      new GetCommand({ TableName: table('OrderIds'), Key: { orderId: 'o-unauth' } }),
    );
    expect(claim.Item).toBeUndefined();
  });

  it('keeps metrics current from the order history, counting a retried order once', async () => {
    for (const [i, day] of ['2025-01-10', '2025-04-10', '2025-07-10', '2025-10-10'].entries()) {
      expect((await postOrder(order(`q-${i}`, email, `${day}T12:00:00Z`, 3000))).status).toBe(202);
    }
    expect((await postOrder(order('q-3', email, '2025-10-10T12:00:00Z', 3000))).status).toBe(202);
    expect((await postOrder(order('q-3', email, '2025-10-10T12:00:00Z', 1))).status).toBe(409);
    await runtime.settled();
    expect((await profile(email)).metrics).toMatchObject({
      orderCount: 4,
      repeatOrderCount: 3,
      totalSpend: 12000,
      averageOrderValue: 3000,
      medianInterPurchaseDays: 91,
    });
    expect(runtime.failures()).toEqual([]);
  });

  it('replays: the same batch three times, and shuffled, leaves exactly the same metrics', async () => {
    const before = await profile(email);
    const stored = await db.send(
      new QueryCommand({
        TableName: table('Orders'),
        KeyConditionExpression: 'customerId = :c',
        ExpressionAttributeValues: { ':c': before.customerId },
      }),
    );
    const records = (stored.Items ?? []).map((item, i) => ({
      eventID: `replay-${i}`,
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        Keys: marshall({ customerId: item.customerId, orderKey: item.orderKey }),
        NewImage: marshall(item, { removeUndefinedValues: true }),
        SequenceNumber: String(1000 + i),
      },
    }));
    expect(records).toHaveLength(4);
    const fn = runtime.functions.get('OrdersStream');
    const shuffled = [records[2]!, records[0]!, records[3]!, records[1]!];
    for (const batch of [records, [...records, ...records], shuffled]) {
      expect(await deliverBatch(fn!, batch)).toEqual({ batchItemFailures: [] });
    }
    await runtime.settled();
    expect(await profile(email)).toEqual(before);
  });
});

describe('orders from the shop on the app event bus', () => {
  const email = 'bus.buyer@example.com';

  it('stores OrderPlaced like a POST, and OrderCancelled takes the order out of the metrics', async () => {
    await busEvent('OrderPlaced', order('bus-1', email, '2026-03-01T09:00:00Z', 40));
    await busEvent('OrderPlaced', order('bus-2', email, '2026-04-01T09:00:00Z', 60, 'toys'));
    await busEvent('OrderPlaced', order('bus-2', email, '2026-04-01T09:00:00Z', 60, 'toys'));
    await runtime.settled();
    expect((await profile(email)).metrics).toMatchObject({ orderCount: 2, totalSpend: 100 });

    await busEvent('OrderCancelled', { orderId: 'bus-2', cancelledAt: '2026-04-02T09:00:00Z' });
    await busEvent('OrderCancelled', { orderId: 'bus-2', cancelledAt: '2026-04-02T09:00:00Z' });
    await runtime.settled();
    expect((await profile(email)).metrics).toMatchObject({ orderCount: 1, totalSpend: 40 });
  });

  it('keeps an invalid event whole in the failure queue after bounded retries, storing nothing', async () => {
    const before = runtime.failures().length;
    await busEvent('OrderPlaced', {
      ...order('bus-bad', email, '2026-05-01T09:00:00Z', 10),
      totalAmount: -10,
    });
    await runtime.settled();
    const failures = runtime.failures().slice(before);
    expect(failures).toEqual([
      expect.objectContaining({
        kind: 'event',
        functionName: 'OrderEvents',
        detailType: 'OrderPlaced',
        approximateInvokeCount: 3,
      }),
    ]);
    const claim = await db.send(
      new GetCommand({ TableName: table('OrderIds'), Key: { orderId: 'bus-bad' } }),
    );
    expect(claim.Item).toBeUndefined();
  });
});
