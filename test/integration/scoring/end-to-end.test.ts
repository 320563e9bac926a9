import { type AttributeValue, DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthTemplates } from '../../../infra/synth';
import { type Customer, CustomerSchema } from '../../../lib/domain/customer';
import { runCli } from '../../support/cli';
import { LOG_EVERYTHING, startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';

// Lifetime value and segments end to end on the local runtime, wired from the synthesized
// templates: signups and orders over HTTP → Orders stream (metrics + scores in one write) →
// Customers stream (segment events on the app bus) → `precis model refit` (POST /model/refit →
// ModelRefitRequested on the bus → the refit function, as the nightly schedule runs it) → every
// profile re-scored with the fitted model → GET /segments and `precis segments`.

const DAY = 86_400_000;
/** Order times are fixed once, so posting an order again is the same order (a duplicate). */
// Noon UTC today: the day arithmetic of the fit is then the same whenever the test runs.
const BASE = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 12 * 3_600_000;
const ANA = { firstName: 'Anabela', email: 'anabela.scoring@example.com' };

let runtime: TestRuntime;
let dynamo: DynamoDBClient;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${runtime.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY, ...init.headers },
  });
const postOrder = (orderId: string, email: string, daysAgo: number, amount: number) =>
  api('/orders', {
    method: 'POST',
    body: JSON.stringify({
      orderId,
      customer: { email },
      orderedAt: new Date(BASE - daysAgo * DAY).toISOString(),
      totalAmount: amount,
      currency: 'GBP',
      lineItems: [{ sku: 'CF-2KG', category: 'cat food', quantity: 1, unitPrice: amount }],
    }),
  });

async function profile(customerId: string): Promise<Customer> {
  const out = await dynamo.send(
    new GetItemCommand({
      TableName: runtime.tableNames.Customers!,
      Key: { customerId: { S: customerId } },
      ConsistentRead: true,
    }),
  );
  return CustomerSchema.parse(unmarshall(out.Item as Record<string, AttributeValue>));
}

interface BusEntry {
  event: { 'detail-type': string; source: string; detail: Record<string, unknown> };
}
const busEvents = async (): Promise<BusEntry[]> =>
  (await (await fetch(`${runtime.localAwsEndpoint}/events`)).json()) as BusEntry[];
const segmentEventsOf = async (customerId: string) =>
  (await busEvents())
    .filter((e) => e.event.detail?.customerId === customerId)
    .map((e) => `${e.event['detail-type']} ${e.event.detail.kind}:${e.event.detail.segment}`);

/** Runs the CLI against the runtime, capturing what it prints. */
const cli = (...argv: string[]) => runCli(runtime, ...argv);

let anaId: string;

beforeAll(async () => {
  runtime = await startTestRuntime(synthTemplates(), { env: LOG_EVERYTHING });
  dynamo = new DynamoDBClient({
    endpoint: runtime.dynamoEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const signup = await fetch(`${runtime.url}/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...ANA,
      interests: ['cat food'],
      consent: { email: true, sms: false },
      timeZone: 'America/New_York',
      locale: 'en-US',
    }),
  });
  expect(signup.status).toBe(202);
  // Ana buys cat food every month; 30 other customers buy now and then, most of them more than once.
  for (const [i, days] of [95, 65, 35, 5].entries()) {
    expect((await postOrder(`ana-${i}`, ANA.email, days, 48)).status).toBe(202);
  }
  for (let c = 0; c < 30; c++) {
    const visits = 1 + (c % 4);
    for (let v = 0; v < visits; v++) {
      const response = await postOrder(
        `c${c}-${v}`,
        `shopper${c}@example.com`,
        10 + ((c * 37 + v * 53) % 300),
        15 + ((c * 7) % 40),
      );
      expect(response.status).toBe(202);
    }
  }
  await runtime.settled();
  const found = await api(`/customers?email=${encodeURIComponent(ANA.email)}`);
  anaId = ((await found.json()) as { customerId: string }).customerId;
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

describe('before the first refit', () => {
  it('every order scores the profile with the unfitted model: no predictions, lifecycle from recency', async () => {
    const ana = await profile(anaId);
    expect(ana.ltv).toMatchObject({
      modelVersion: 0,
      pAlive: null,
      clv12m: null,
      nextOrderDate: null,
      historicalClv: expect.any(Number),
      replenishment: { 'cat food': expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) },
    });
    expect(ana.segments).toEqual({
      rfm: null,
      valueTier: 'standard',
      matrix: null,
      lifecycle: 'active',
      rules: [],
    });
    expect(ana).not.toHaveProperty('nextOrderKey');
  });

  it('announced her way from prospect to active on the bus, without personal data', async () => {
    const events = await segmentEventsOf(anaId);
    expect(events).toContain('SegmentEntered lifecycle:prospect');
    expect(events).toContain('SegmentExited lifecycle:prospect');
    expect(events).toContain('SegmentEntered lifecycle:active');
    const raw = JSON.stringify((await busEvents()).filter((e) => e.event.detail?.customerId === anaId));
    expect(raw).not.toContain(ANA.email);
    expect(raw).not.toContain(ANA.firstName);
  });

  it('precis segments says there is no summary yet, in one line', async () => {
    const { code, err } = await cli('segments');
    expect(code).not.toBe(0);
    expect(err).toMatch(/^precis: no segment summary yet/);
  });
});

describe('precis model refit', () => {
  it('refits from every profile and re-scores them; the CLI waits and prints the segments', async () => {
    const { code, out, err } = await cli('model', 'refit', '--wait', '--timeout', '60');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^refit requested \(current model version 0\)$/m);
    expect(out).toMatch(/^Segments as of \d{4}-\d{2}-\d{2} · model version 1 /m);
    expect(out).toMatch(/^31 customers, 31 buyers/m);
    expect(out).toMatch(/^rule\s+cat-lovers\s+1\s+/m);
    await runtime.settled();
    expect(runtime.failures()).toEqual([]);
  });

  it('Ana now has predictions, a next-order date in the index, and is a cat lover', async () => {
    const ana = await profile(anaId);
    expect(ana.ltv).toMatchObject({
      modelVersion: 1,
      nextOrderDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    expect(ana.ltv!.pAlive).toBeGreaterThan(0.6);
    expect(ana.ltv!.clv12m).toBeGreaterThan(0);
    expect(ana.segments!.rules).toEqual(['cat-lovers']);
    expect(ana.segments!.rfm).not.toBeNull();
    // The index is keyed by her local date, sorted by New York's offset at noon that day.
    expect(ana.nextOrderKey).toBe(ana.ltv!.nextOrderDate);
    expect([-300, -240]).toContain(ana.nextOrderOffset);
    const due = await dynamo.send(
      new QueryCommand({
        TableName: runtime.tableNames.Customers!,
        IndexName: 'byNextOrder',
        KeyConditionExpression: 'nextOrderKey = :day AND nextOrderOffset BETWEEN :west AND :east',
        ExpressionAttributeValues: {
          ':day': { S: ana.ltv!.nextOrderDate! },
          ':west': { N: '-360' },
          ':east': { N: '-180' },
        },
      }),
    );
    expect(due.Items?.map((item) => item.customerId?.S)).toContain(anaId);
    expect(await segmentEventsOf(anaId)).toContain('SegmentEntered rule:cat-lovers');
  });

  it('GET /segments returns the stored summary with its day and model version', async () => {
    const response = await api('/segments');
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      asOf: string;
      modelVersion: number;
      segments: { kind: string; customers: number }[];
    };
    expect(body).toMatchObject({ modelVersion: 1, customers: 31, model: { version: 1 } });
    const lifecycle = body.segments
      .filter((s) => s.kind === 'lifecycle')
      .reduce((n, s) => n + s.customers, 0);
    expect(lifecycle).toBe(31);
    expect((await api('/segments', { headers: { 'x-api-key': 'wrong' } })).status).toBe(401);
  });

  it('replayed orders change nothing and announce nothing', async () => {
    const before = await profile(anaId);
    // The bus keeps its latest events, newest first: everything above this one is new.
    const [latest] = await busEvents();
    for (const [i, days] of [95, 65, 35, 5].entries()) {
      // The same order ids and content: duplicates (202), nothing new stored.
      expect((await postOrder(`ana-${i}`, ANA.email, days, 48)).status).toBe(202);
    }
    await runtime.settled();
    const after = await profile(anaId);
    expect(after.ltv).toEqual(before.ltv);
    expect(after.segments).toEqual(before.segments);
    const events = await busEvents();
    const fresh = events.slice(
      0,
      events.findIndex((e) => JSON.stringify(e) === JSON.stringify(latest)),
    );
    expect(fresh.filter((e) => e.event.detail?.customerId === anaId)).toEqual([]);
  });
});
