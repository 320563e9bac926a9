import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthTemplates } from '../../../infra/synth';
import { HmacLinkSigner } from '../../../lib/adapters/crypto/hmac-link-signer';
import { DynamoCampaignStatsStore } from '../../../lib/adapters/dynamodb/dynamo-campaign-stats-store';
import type { Delivery, DeliveryStatus } from '../../../lib/domain/campaigns/delivery';
import type { MeasurementGroup } from '../../../lib/domain/measurement/campaign-stats';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';
import { deliverBatch, streamRecords } from '../../support/streams';

// Measurement end to end on the local runtime, wired from the synthesized templates: ledger rows
// change (as the planner, the sender and SES feedback change them) → the Deliveries stream →
// delivery-stream → funnel counters; orders over HTTP and cancellations on the app's bus → the
// Orders table → its stream's second consumer, attribution-stream → conversions and revenue.
// Then every record of both streams is replayed three times straight into the two functions: the
// counters do not move.

const SUITE = `m${Date.now().toString(36)}`;
/** The link-signing secret's value in this runtime (the local Secrets Manager's). */
const LINK_KEY = 'measurement-e2e-link-key-of-32-chars';
const local = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const BIRTHDAY = '2026-05-17T08:00:00.000Z';
const DAY = 'day#2026-05-17';

let runtime: TestRuntime;
let db: DynamoDBDocumentClient;
let stats: DynamoCampaignStatsStore;

const table = (name: string): string => {
  const found = runtime.tableNames[name];
  if (!found) throw new Error(`no ${name} table`);
  return found;
};

beforeAll(async () => {
  runtime = await startTestRuntime(synthTemplates(), {
    batchingWindowCapMs: 0,
    secrets: { LinkSigningKey: LINK_KEY },
  });
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.dynamoEndpoint, ...local }));
  stats = new DynamoCampaignStatsStore(db, table('CampaignStats'));
});

afterAll(async () => {
  await runtime?.stop();
});

const counters = (group: MeasurementGroup, period = 'all') => stats.counters('birthday', period, group);

/** A customer created by a signup over HTTP (email pending confirmation, so a link can unsubscribe). */
async function customer(name: string): Promise<string> {
  const email = `${name}.${SUITE}@example.com`;
  const signup = await fetch(`${runtime.url}/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ firstName: name, email, consent: { email: true, sms: false } }),
  });
  expect(signup.status).toBe(202);
  const found = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(email)}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  return ((await found.json()) as { customerId: string }).customerId;
}

/** The birthday ledger row as the planner claims it (`queued`, or `held_out` for the control group). */
async function claim(
  customerId: string,
  status: 'queued' | 'held_out',
  valueTier: 'vip' | 'standard' = 'standard',
) {
  const row: Delivery = {
    customerId,
    deliveryKey: 'birthday#2026',
    campaignId: 'birthday',
    occasion: '2026',
    channel: 'email',
    status,
    plannedAt: BIRTHDAY,
    claimedAt: BIRTHDAY,
    updatedAt: BIRTHDAY,
    valueTier,
  };
  await db.send(new PutCommand({ TableName: table('Deliveries'), Item: row }));
}

/** Moves the row as the sender and the feedback function do. */
async function move(customerId: string, status: DeliveryStatus) {
  await db.send(
    new UpdateCommand({
      TableName: table('Deliveries'),
      Key: { customerId, deliveryKey: 'birthday#2026' },
      UpdateExpression: 'SET #s = :s, updatedAt = :u',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status, ':u': new Date().toISOString() },
    }),
  );
  await runtime.settled();
}

async function order(orderId: string, customerId: string, orderedAt: string, amount: number) {
  const response = await fetch(`${runtime.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY },
    body: JSON.stringify({
      orderId: `${SUITE}-${orderId}`,
      customer: { customerId },
      orderedAt,
      totalAmount: amount,
      currency: 'GBP',
      lineItems: [{ sku: 'CAKE-1', category: 'cake', quantity: 1, unitPrice: amount }],
    }),
  });
  expect(response.status).toBe(202);
}

async function cancel(orderId: string) {
  const events = new EventBridgeClient({ endpoint: runtime.localAwsEndpoint, ...local });
  const out = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: 'precis',
          Source: 'shop.example',
          DetailType: 'OrderCancelled',
          Detail: JSON.stringify({ orderId: `${SUITE}-${orderId}`, cancelledAt: '2026-05-21T10:00:00Z' }),
        },
      ],
    }),
  );
  events.destroy();
  expect(out.FailedEntryCount).toBe(0);
}

describe('campaign measurement on the local runtime', () => {
  let ana: string;
  let bo: string;
  let cy: string;

  it('counts a birthday email sent → delivered → opened → clicked once per stage, and events that skip steps', async () => {
    [ana, bo, cy] = [await customer('ana'), await customer('bo'), await customer('cy')];
    await claim(ana, 'queued', 'vip');
    await claim(bo, 'held_out');
    await claim(cy, 'queued');
    await runtime.settled();
    for (const status of ['unknown', 'sent', 'delivered', 'opened', 'clicked'] as const)
      await move(ana, status);
    // Cy's delivery and open events were lost: the click implies them.
    await move(cy, 'unknown');
    await move(cy, 'clicked');
    for (const period of ['all', DAY]) {
      expect(await counters('treated', period)).toMatchObject({
        audience: 2,
        audienceVip: 1,
        sent: 2,
        sentEmail: 2,
        delivered: 2,
        opened: 2,
        clicked: 2,
        bounced: 0,
      });
      expect(await counters('holdout', period)).toMatchObject({ audience: 1, sent: 0 });
    }
  });

  it('counts the unsubscribe link of that email against the campaign', async () => {
    const token = new HmacLinkSigner(LINK_KEY).sign(
      { purpose: 'unsubscribe', customerId: cy, channel: 'email', deliveryKey: 'birthday#2026' },
      new Date(Date.now() + 86_400_000),
    );
    const response = await fetch(`${runtime.url}/unsubscribe?token=${token}`, { method: 'POST' });
    expect(response.status).toBe(200);
    // The same link again changes nothing.
    await fetch(`${runtime.url}/unsubscribe?token=${token}`, { method: 'POST' });
    await runtime.settled();
    expect((await counters('treated')).unsubscribed).toBe(1);
  });

  it('attributes an order 2 days after the email to the treated group, and a held-out purchase on day 3 to the holdout', async () => {
    await order('a1', ana, '2026-05-19T12:00:00Z', 40);
    await order('b1', bo, '2026-05-20T09:00:00Z', 25);
    await runtime.settled();
    expect(await counters('treated')).toMatchObject({
      conversions: 1,
      orders: 1,
      revenue: 40,
      revenueSquares: 1600,
      conversionsVip: 1,
      revenueVip: 40,
    });
    expect(await counters('holdout', DAY)).toMatchObject({ conversions: 1, orders: 1, revenue: 25 });
  });

  it('does not attribute an order on day 8 of the 7-day window', async () => {
    await order('c1', cy, '2026-05-25T09:00:00Z', 99);
    await runtime.settled();
    expect(await counters('treated')).toMatchObject({ conversions: 1, orders: 1, revenue: 40 });
  });

  it('takes a cancelled order back out of revenue, orders and conversions exactly', async () => {
    await order('a2', ana, '2026-05-20T12:00:00Z', 10.5);
    await runtime.settled();
    expect(await counters('treated')).toMatchObject({ orders: 2, revenue: 50.5, revenueSquares: 2550.25 });
    await cancel('a2');
    await cancel('a2');
    await runtime.settled();
    expect(await counters('treated')).toMatchObject({
      conversions: 1,
      orders: 1,
      revenue: 40,
      revenueSquares: 1600,
    });
    await cancel('a1');
    await runtime.settled();
    expect(await counters('treated')).toMatchObject({
      conversions: 0,
      conversionsVip: 0,
      orders: 0,
      revenue: 0,
      revenueSquares: 0,
      revenueVip: 0,
    });
    expect(runtime.failures()).toEqual([]);
  });

  it('replaying every Orders and Deliveries stream record three times changes no counter', async () => {
    const before = await Promise.all([counters('treated'), counters('holdout'), counters('treated', DAY)]);
    for (const [tableName, fnName] of [
      ['Deliveries', 'delivery-stream'],
      ['Orders', 'attribution-stream'],
    ] as const) {
      const records = await streamRecords(runtime.dynamoEndpoint, table(tableName));
      expect(records.length).toBeGreaterThan(5);
      const fn = [...runtime.functions.values()].find((f) => f.entry === `functions/${fnName}/handler.ts`);
      if (!fn) throw new Error(`no ${fnName} function`);
      for (let i = 0; i < 3; i++) {
        expect(await deliverBatch(fn, records)).toEqual({ batchItemFailures: [] });
      }
      // And in reverse order.
      expect(await deliverBatch(fn, [...records].reverse())).toEqual({
        batchItemFailures: [],
      });
    }
    expect(await Promise.all([counters('treated'), counters('holdout'), counters('treated', DAY)])).toEqual(
      before,
    );
  });
});
