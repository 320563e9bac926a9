import { type AttributeValue, DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { synthTemplates } from '../../../infra/synth';
import { main } from '../../../lib/cli/main';
import {
  LOG_EVERYTHING,
  startTestRuntime,
  TEST_ADMIN_KEY,
  type TestRuntime,
  testIdentityKeys,
} from '../../support/runtime';

// The customer database end to end on the local runtime, from the synthesized templates: HTTP →
// handler → table → stream → handler. One person signs up, buys twice, answers two surveys; their
// profile, export, erasure and what may or may not bring their data back afterwards. Everything the
// process writes meanwhile is captured: not one of their details may appear in a log line.

const PERSON = {
  firstName: 'Anabela',
  lastName: 'Quaresma',
  email: 'anabela.quaresma@example.com',
  typedPhone: '07911 123457',
  phone: '+447911123457',
  birthday: '1988-05-17',
};
const PII = [
  PERSON.firstName,
  PERSON.lastName,
  PERSON.email,
  PERSON.phone,
  PERSON.typedPhone,
  '7911123457',
  PERSON.birthday,
];

let runtime: TestRuntime;
let dynamo: DynamoDBClient;
let customerId: string;
const written: string[] = [];
/** While set, stdout goes here instead (the CLI's output is the profile itself, not a log). */
let cliOutput: string[] | undefined;

/** Records everything written to stdout/stderr and the console (passing it through). */
function captureOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      if (cliOutput && stream === process.stdout) return cliOutput.push(String(chunk)) > 0;
      written.push(String(chunk));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write);
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method].bind(console);
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      written.push(args.map(String).join(' '));
      original(...args);
    });
  }
}

const api = (path: string, init: RequestInit & { admin?: boolean } = {}) => {
  const { admin = true, ...rest } = init;
  return fetch(`${runtime.url}${path}`, {
    ...rest,
    headers: {
      ...(rest.body !== undefined && { 'content-type': 'application/json' }),
      ...(admin && { 'x-api-key': TEST_ADMIN_KEY }),
      ...(rest.headers as Record<string, string> | undefined),
    },
  });
};
const post = (path: string, body: unknown, admin = true) =>
  api(path, { method: 'POST', body: JSON.stringify(body), admin });
const getJson = async (path: string) => {
  const response = await api(path);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const order = (orderId: string, totalAmount: number) => ({
  orderId,
  customer: { email: PERSON.email },
  orderedAt: new Date(Date.now() - 86_400_000).toISOString(),
  totalAmount,
  currency: 'GBP',
  lineItems: [{ sku: 'CAT-2KG', category: 'Cat food', quantity: 1, unitPrice: totalAmount }],
});

const rawItem = async (table: string, key: Record<string, AttributeValue>) =>
  (
    await dynamo.send(
      new GetItemCommand({ TableName: runtime.tableNames[table], Key: key, ConsistentRead: true }),
    )
  ).Item;
const rawPartition = async (table: string, id: string) =>
  (
    await dynamo.send(
      new QueryCommand({
        TableName: runtime.tableNames[table],
        KeyConditionExpression: 'customerId = :c',
        ExpressionAttributeValues: { ':c': { S: id } },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

/** The function whose handler is functions/<role>/handler.ts. */
const fnOf = (role: string) => {
  const fn = [...runtime.functions.values()].find((f) => f.entry === `functions/${role}/handler.ts`);
  if (!fn) throw new Error(`no ${role} function in the templates`);
  return fn;
};
let sequence = 9_000;
const streamEvent = (
  table: string,
  image: Record<string, AttributeValue>,
  keys: string[],
): DynamoDBStreamEvent => ({
  Records: [
    {
      eventID: `replay-${++sequence}`,
      eventName: 'MODIFY',
      eventSource: 'aws:dynamodb',
      eventSourceARN: `arn:aws:dynamodb:local:000000000000:table/${runtime.tableNames[table]}/stream/replay`,
      awsRegion: 'local',
      dynamodb: {
        Keys: Object.fromEntries(keys.map((k) => [k, image[k]])) as never,
        NewImage: image as never,
        OldImage: image as never,
        SequenceNumber: String(sequence).padStart(21, '0'),
        SizeBytes: 100,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    },
  ],
});

beforeAll(async () => {
  captureOutput();
  runtime = await startTestRuntime(synthTemplates(), { env: LOG_EVERYTHING });
  dynamo = new DynamoDBClient({
    endpoint: runtime.dynamoEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
  vi.restoreAllMocks();
});

const oldImages: Record<string, Record<string, AttributeValue>> = {};

describe('a customer, end to end on the local runtime', () => {
  it('signs up, buys twice, answers two surveys; the profile shows metrics and satisfaction', async () => {
    const signup = await post(
      '/signups',
      {
        firstName: PERSON.firstName,
        lastName: PERSON.lastName,
        email: PERSON.email,
        phone: PERSON.typedPhone,
        country: 'GB',
        birthday: PERSON.birthday,
        interests: ['cat food'],
        consent: { email: true, sms: true },
      },
      false,
    );
    expect(signup.status).toBe(202);
    const found = await getJson(`/customers?email=${encodeURIComponent(PERSON.email)}`);
    expect(found.status).toBe(200);
    customerId = String(found.body.customerId);

    expect((await post('/orders', order('e2e-1', 30))).status).toBe(202);
    expect((await post('/orders', order('e2e-2', 54.9))).status).toBe(202);
    const first = await post('/surveys', {
      customer: { email: PERSON.email },
      score: 5,
      surveyId: 'e2e-s1',
      answeredAt: new Date(Date.now() - 3_600_000).toISOString(),
    });
    expect(await first.json()).toEqual({ status: 'recorded', surveyId: 'e2e-s1', customerId });
    const second = await post('/surveys', {
      customer: { customerId },
      score: 2,
      orderId: 'e2e-2',
      comment: `${PERSON.firstName} here, call me on ${PERSON.phone}`,
    });
    expect(second.status).toBe(202);
    // The same answer again (a retry) is stored once.
    expect(
      (await post('/surveys', { customer: { email: PERSON.email }, score: 5, surveyId: 'e2e-s1' })).status,
    ).toBe(202);
    await runtime.settled();

    const profile = await getJson(`/customers/${customerId}`);
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({
      customerId,
      firstName: PERSON.firstName,
      lastName: PERSON.lastName,
      email: PERSON.email,
      phone: PERSON.phone,
      birthday: PERSON.birthday,
      consent: { email: { status: 'pending' }, sms: { status: 'pending' } },
      metrics: {
        orderCount: 2,
        totalSpend: 84.9,
        averageOrderValue: 42.45,
        satisfaction: { latest: 2, mean: 3.5, count: 2 },
      },
    });
    for (const internal of ['birthdayKey', 'birthdayOffset', 'version']) {
      expect(profile.body).not.toHaveProperty(internal);
    }
    // The profile stream did derive the birthday index key on the item itself.
    const item = await rawItem('Customers', { customerId: { S: customerId } });
    expect(item?.birthdayKey).toEqual({ S: '05-17' });
    expect(runtime.failures()).toEqual([]);

    oldImages.customer = item!;
    oldImages.order = (await rawPartition('Orders', customerId))[0]!;
    oldImages.survey = (await rawPartition('Surveys', customerId)).find((i) => i.comment !== undefined)!;
    expect(oldImages.survey).toBeDefined();
  });

  it('is refused without the admin key, and routes are IAM-only', async () => {
    expect((await api(`/customers/${customerId}`, { admin: false })).status).toBe(401);
    expect((await post('/surveys', { customer: { customerId }, score: 3 }, false)).status).toBe(401);
  });

  it('prints the profile with the CLI', async () => {
    vi.stubEnv('PORT', new URL(runtime.url).port);
    vi.stubEnv('PRECIS_ADMIN_KEY', TEST_ADMIN_KEY);
    cliOutput = [];
    try {
      expect(await main(['customer', PERSON.email, '--json'])).toBe(0);
      expect(JSON.parse(cliOutput.join(''))).toMatchObject({ customerId, metrics: { orderCount: 2 } });
      cliOutput = [];
      expect(await main(['customer', customerId])).toBe(0);
      expect(cliOutput.join('')).toMatch(/^satisfaction\s+3\.5 mean of 2 answers/m);
    } finally {
      cliOutput = undefined;
      vi.unstubAllEnvs();
    }
  });

  it('exports everything held about the person', async () => {
    const exported = await getJson(`/customers/${customerId}/export`);
    expect(exported.status).toBe(200);
    // The export is the profile view without the message history, which it carries in full below.
    const { messages, ...profile } = (await getJson(`/customers/${customerId}`)).body as {
      messages: { campaignId: string }[];
    };
    expect(exported.body.customer).toEqual(profile);
    expect((exported.body.deliveries as { campaignId: string }[]).map((d) => d.campaignId).sort()).toEqual(
      messages.map((m) => m.campaignId).sort(),
    );
    expect((exported.body.orders as { orderId: string }[]).map((o) => o.orderId).sort()).toEqual([
      'e2e-1',
      'e2e-2',
    ]);
    expect(exported.body.surveys).toHaveLength(2);
    expect(exported.body.surveys).toContainEqual(
      expect.objectContaining({ score: 2, orderId: 'e2e-2', comment: expect.any(String) }),
    );
    // The double opt-in email the signup asked for: ids and status, no content.
    expect(exported.body.deliveries).toEqual([
      expect.objectContaining({ campaignId: 'confirmation', channel: 'email', status: 'sent' }),
      // Texts were asked for: the verification code text (its code never stored, only its digest).
      expect.objectContaining({ campaignId: 'phone-verification', channel: 'sms', status: 'sent' }),
    ]);
    expect(JSON.stringify(exported.body.deliveries)).not.toContain(PERSON.email);
  });

  it('erases the person: 204 (twice), 404 for an unknown id, and their email finds nobody', async () => {
    expect((await api(`/customers/${customerId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/customers/${customerId}`, { method: 'DELETE' })).status).toBe(204);
    const unknown = await api('/customers/cus_never', { method: 'DELETE' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'not_found' });
    await runtime.settled();

    expect((await getJson(`/customers?email=${encodeURIComponent(PERSON.email)}`)).status).toBe(404);
    const anonymous = await getJson(`/customers/${customerId}`);
    expect(anonymous.body).toMatchObject({
      customerId,
      interests: [],
      erasedAt: expect.any(String),
      consent: {
        email: { status: 'unsubscribed', source: 'erasure' },
        sms: { status: 'opted_out', source: 'erasure' },
      },
      metrics: { orderCount: 2, satisfaction: { mean: 3.5, count: 2 } },
    });
  });

  it('keeps the hashed identities as erased suppression entries', async () => {
    for (const [kind, value] of [
      ['email', PERSON.email],
      ['phone', PERSON.phone],
    ] as const) {
      const identity = await rawItem('Identities', {
        identity: { S: testIdentityKeys.writeKey(kind, value) },
      });
      expect(identity && unmarshall(identity)).toEqual({
        identity: testIdentityKeys.writeKey(kind, value),
        customerId,
        erasedAt: expect.any(String),
      });
    }
  });

  const storedText = async () =>
    JSON.stringify([
      await rawItem('Customers', { customerId: { S: customerId } }),
      await rawPartition('Surveys', customerId),
      await rawPartition('Orders', customerId),
    ]);

  it('leaves no personal data in any table: no name, address, birthday, comment or index key', async () => {
    const text = await storedText();
    for (const value of PII) expect(text).not.toContain(value);
    expect(text).not.toContain('birthdayKey');
    expect(text).not.toContain('"comment"');
  });

  it('replayed stream records of the old profile, order and survey bring nothing back', async () => {
    await fnOf('profile-stream').invoke(streamEvent('Customers', oldImages.customer!, ['customerId']));
    await fnOf('orders-stream').invoke(streamEvent('Orders', oldImages.order!, ['customerId', 'orderKey']));
    await fnOf('surveys-stream').invoke(
      streamEvent('Surveys', oldImages.survey!, ['customerId', 'surveyKey']),
    );
    await runtime.settled();
    const text = await storedText();
    for (const value of PII) expect(text).not.toContain(value);
    expect(text).not.toContain('birthdayKey');
    expect((await getJson(`/customers/${customerId}`)).body).toMatchObject({
      metrics: { satisfaction: { count: 2 } },
    });
  });

  it('a late order by the erased email counts on the anonymous record without bringing the email back', async () => {
    const late = await post('/orders', order('e2e-3', 10));
    expect(await late.json()).toMatchObject({ status: 'accepted', customerId });
    await runtime.settled();
    const anonymous = await getJson(`/customers/${customerId}`);
    expect(anonymous.body).toMatchObject({ metrics: { orderCount: 3 } });
    expect(anonymous.body).not.toHaveProperty('email');
    const text = await storedText();
    for (const value of PII) expect(text).not.toContain(value);
  });

  it('a repeat signup is a new customer with new consent; the erased record stays anonymous', async () => {
    const again = await post(
      '/signups',
      { firstName: PERSON.firstName, email: PERSON.email, consent: { email: true, sms: false } },
      false,
    );
    expect(again.status).toBe(202);
    await runtime.settled();
    const fresh = await getJson(`/customers?email=${encodeURIComponent(PERSON.email)}`);
    expect(fresh.status).toBe(200);
    expect(fresh.body.customerId).not.toBe(customerId);
    expect(fresh.body).toMatchObject({
      email: PERSON.email,
      consent: { email: { status: 'pending' }, sms: { status: 'none' } },
      metrics: { orderCount: 0, satisfaction: null },
    });
    const text = await storedText();
    for (const value of PII) expect(text).not.toContain(value);
    expect(runtime.failures()).toEqual([]);
  });

  it('wrote no email, phone, first or last name to any log', () => {
    const logs = [...written, ...runtime.logs].join('\n');
    // The capture saw the handlers' structured logs (it is not vacuous)…
    expect(logs).toContain('"message":"survey handled"');
    expect(logs).toContain('"message":"customer erasure handled"');
    expect(logs).toContain('"message":"signup handled"');
    // …and none of the person's details.
    for (const value of PII) expect(logs).not.toContain(value);
    expect(logs.toLowerCase()).not.toContain(PERSON.email.toLowerCase());
  });
});
