import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthTemplates } from '../../../infra/synth';
import { startTestRuntime, type TestRuntime, testIdentityKeys } from '../../support/runtime';

// The first user-visible slice, end to end on the local runtime: HTTP route → signup function →
// Customers table → stream → profile-stream function → derived birthday keys.

let runtime: TestRuntime;
let db: DynamoDBDocumentClient;

const ORIGIN = 'https://shop.example';
const signup = {
  firstName: 'Ana',
  lastName: 'Silva',
  email: 'ana.silva@example.com',
  birthday: '1990-05-17',
  timeZone: 'Europe/Lisbon',
  interests: ['cat food'],
  consent: { email: true, sms: false },
  source: 'footer-form',
};

const post = (body: string, contentType = 'application/json', headers: Record<string, string> = {}) =>
  fetch(`${runtime.url}/signups`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body,
    redirect: 'manual',
  });

async function customerByEmail(email: string) {
  const identity = await db.send(
    new GetCommand({
      TableName: table('Identities'),
      Key: { identity: testIdentityKeys.writeKey('email', email) },
    }),
  );
  const customerId = identity.Item?.customerId as string | undefined;
  if (!customerId) return undefined;
  return (await db.send(new GetCommand({ TableName: table('Customers'), Key: { customerId } }))).Item;
}

function table(name: string): string {
  const found = runtime.tableNames[name];
  if (!found) throw new Error(`no ${name} table in the runtime`);
  return found;
}

const countItems = async (table: string) =>
  (await db.send(new ScanCommand({ TableName: table, Select: 'COUNT' }))).Count ?? 0;

beforeAll(async () => {
  runtime = await startTestRuntime(
    synthTemplates({ allowedOrigins: [ORIGIN], thankYouUrl: 'https://shop.example/thanks' }),
  );
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: runtime.dynamoEndpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
});

afterAll(async () => {
  await runtime?.stop();
});

describe('a web form signup reaches the customer database', () => {
  it('answers 202 and stores the profile; the profile stream adds the birthday index keys', async () => {
    const response = await post(JSON.stringify(signup));
    expect(response.status).toBe(202);
    await runtime.settled();
    expect(await customerByEmail('ana.silva@example.com')).toMatchObject({
      firstName: 'Ana',
      birthday: '1990-05-17',
      consent: { email: { status: 'pending', source: 'footer-form' }, sms: { status: 'none' } },
      birthdayKey: '05-17',
      birthdayOffset: 60, // Lisbon is on summer time (UTC+1) on 17 May
    });
    expect(runtime.failures()).toEqual([]);
  });

  it('answers a known person exactly like a new one, and the same signup twice changes nothing', async () => {
    const before = await customerByEmail('ana.silva@example.com');
    const again = await post(JSON.stringify(signup));
    const stranger = await post(JSON.stringify({ ...signup, email: 'someone.new@example.com' }));
    expect(again.status).toBe(stranger.status);
    expect(await again.text()).toBe(await stranger.text());
    await runtime.settled();
    // Byte for byte as it was, `change` included: the write changed nothing, so no stream record.
    expect(await customerByEmail('ana.silva@example.com')).toEqual(before);
  });

  it('keeps one customer when two signups for a new address race', async () => {
    const body = JSON.stringify({ ...signup, email: 'racer@example.com' });
    const answers = await Promise.all([post(body), post(body), post(body)]);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    await runtime.settled();
    const all = await db.send(new ScanCommand({ TableName: table('Customers') }));
    expect(all.Items?.filter((item) => item.email === 'racer@example.com')).toHaveLength(1);
  });

  it('redirects a plain HTML form to the thank-you page', async () => {
    const response = await post(
      'firstName=Dee&email=dee%40example.com&consent.email=on&timeZone=Pacific%2FAuckland&birthday=--02-29',
      'application/x-www-form-urlencoded',
    );
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('https://shop.example/thanks');
    await runtime.settled();
    expect(await customerByEmail('dee@example.com')).toMatchObject({
      birthdayKey: '02-29',
      timeZone: 'Pacific/Auckland',
    });
  });

  it('refuses bad input field by field and stores nothing', async () => {
    const customers = await countItems(table('Customers'));
    const identities = await countItems(table('Identities'));
    const cases: [string, string][] = [
      [JSON.stringify({ ...signup, email: 'bad email@example.com' }), 'email'],
      [JSON.stringify({ ...signup, birthday: '2023-02-29' }), 'birthday'],
      [JSON.stringify({ ...signup, timeZone: 'Mars/Base' }), 'timeZone'],
      [JSON.stringify({ ...signup, admin: true }), 'admin'],
      ['{not json', ''],
    ];
    for (const [body, path] of cases) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: 'validation_failed',
        fields: expect.arrayContaining([expect.objectContaining({ path })]),
      });
    }
    expect((await post(JSON.stringify({ ...signup, firstName: 'x'.repeat(11_000) }))).status).toBe(413);
    expect((await post('firstName=Ana', 'text/plain')).status).toBe(415);
    await runtime.settled();
    expect(await countItems(table('Customers'))).toBe(customers);
    expect(await countItems(table('Identities'))).toBe(identities);
  });

  it('answers unknown routes with 404 and allows CORS only for the configured origin', async () => {
    expect((await fetch(`${runtime.url}/nothing-here`)).status).toBe(404);
    const preflight = (origin: string) =>
      fetch(`${runtime.url}/signups`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    expect((await preflight(ORIGIN)).headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps the derived keys right when a stream record is replayed', async () => {
    const stored = await customerByEmail('ana.silva@example.com');
    const fn = runtime.functions.get('ProfileStream');
    expect(fn).toBeDefined();
    // Replay the pre-keys image of the profile (what the stream carried on INSERT), three times.
    const { birthdayKey: _k, birthdayOffset: _o, ...insertImage } = stored ?? {};
    const { marshall } = await import('@aws-sdk/util-dynamodb');
    const record = {
      eventID: 'replay-1',
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        Keys: { customerId: { S: stored?.customerId } },
        NewImage: marshall(insertImage, { removeUndefinedValues: true }),
        SequenceNumber: '1',
      },
    };
    for (let i = 0; i < 3; i++) {
      const result = await fn?.invoke({ Records: [record] });
      expect(result).toEqual({ batchItemFailures: [] });
    }
    await runtime.settled();
    // The keys are as they were; `change` only says the last write was a derived one.
    expect({ ...(await customerByEmail('ana.silva@example.com')), change: 'any' }).toEqual({
      ...stored,
      change: 'any',
    });
  });
});
