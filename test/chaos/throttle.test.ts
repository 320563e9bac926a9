import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../infra/config';
import { synthTemplates } from '../../infra/synth';
import { instantOf } from '../../lib/domain/zoned-time';
import { verifyPhone, verifyTokenOf } from '../support/phone';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../support/runtime';

// The providers throttling a birthday morning: 30% of the answers to SES SendEmail and End User
// Messaging SendTextMessage are `TooManyRequestsException` (429) / `ThrottlingException`, as they
// answer a send over the account's rate. Every due person still gets exactly one birthday message —
// an email, or a text for those who gave only SMS consent (paced at 1 a second for Japan, so most texts wait or are deferred
// for the rate too): a throttled message goes back on the queue with a back-off (the row stays
// `queued`), nothing is dropped, nothing ends in the dead-letter queue, nothing is sent twice. The
// sender's send calls make one attempt each (no SDK retries), so every throttle is one the sender
// itself handles. Prints calls, throttled, sent, duplicates, lost.

const PEOPLE = Number(process.env.CHAOS_THROTTLE_PEOPLE ?? 120);
/** Of them, this many with SMS consent only: their birthday message is a text. */
const TEXTED = Number(process.env.CHAOS_THROTTLE_TEXTED ?? 20);
const SHARE = 0.3;
const SUITE = `thr${Date.now().toString(36)}`;
const ZONE = 'Asia/Tokyo';
// Inside the birthday window (09:00–11:00 local): the clock runs on from here while the pass and
// every deferred retry are sent.
const AT = new Date(instantOf('2026-06-15T09:15', ZONE) as number).toISOString();
const local = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

const config = loadConfig(() => undefined, '/nonexistent');
const campaigns = config.campaigns
  .filter((c) => c.id === 'birthday')
  .map((c) => ({ ...c, holdoutPercent: 0 }));
const people = Array.from({ length: PEOPLE }, (_, i) => `p${i}.${SUITE}@example.com`);
// Japanese mobile numbers (090…), one per texted person.
const phoneOf = (i: number) =>
  `+8190${String(10_000_000 + i * 7919 + (Date.now() % 1000) * 10_000).slice(-8)}`;
const phones = new Map(people.slice(0, TEXTED).map((email, i) => [email, phoneOf(i)]));

let runtime: TestRuntime;
let dynamo: DynamoDBClient;

/** A seeded sequence in [0, 1) (mulberry32): which calls are throttled is the same every run. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${runtime.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY, ...init.headers },
  });

const signUpConfirmed = async (email: string) => {
  const phone = phones.get(email);
  const signup = await api('/signups', {
    method: 'POST',
    body: JSON.stringify({
      firstName: 'Ana',
      email,
      ...(phone ? { phone } : {}),
      birthday: '1990-06-15',
      timeZone: ZONE,
      consent: { email: !phone, sms: phone !== undefined },
    }),
  });
  expect(signup.status).toBe(202);
  // SMS consent is pending until the number is verified: the code texted to it, typed back.
  if (phone) return verifyPhone(runtime, verifyTokenOf(await signup.json()), phone);
  const found = await api(`/customers?${new URLSearchParams({ email })}`);
  const { customerId } = (await found.json()) as { customerId: string };
  // Confirmed, as if the double opt-in link had been followed: the birthday email may go.
  await dynamo.send(
    new UpdateItemCommand({
      TableName: runtime.tableNames.Customers,
      Key: { customerId: { S: customerId } },
      UpdateExpression: 'SET consent.email = :c',
      ExpressionAttributeValues: {
        ':c': {
          M: {
            status: { S: 'confirmed' },
            updatedAt: { S: '2026-01-01T00:00:00.000Z' },
            source: { S: 'test' },
          },
        },
      },
    }),
  );
};

beforeAll(async () => {
  dynamo = new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), ...local });
  runtime = await startTestRuntime(synthTemplates({ campaigns }), {
    batchingWindowCapMs: 0,
    throttleRandom: seeded(0x5eed),
  });
  for (let i = 0; i < people.length; i += 8) await Promise.all(people.slice(i, i + 8).map(signUpConfirmed));
  await runtime.settled();
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

describe('a birthday pass with 30% of SES and SMS send calls throttled', () => {
  it('sends every due person exactly one birthday message: 0 lost, 0 duplicated, 0 in the dead-letter queue', async () => {
    runtime.throttle.share = SHARE;
    runtime.throttle.calls = 0;
    runtime.throttle.throttled = 0;
    // The clock moves to 09:15 in Tokyo and runs on from there (not only for the pass), so a message
    // the back-off brings back seconds later is still inside the window.
    runtime.clock.set(new Date(AT));
    const started = performance.now();
    const pass = await api('/planner/runs', { method: 'POST', body: JSON.stringify({ at: AT }) });
    expect(pass.status).toBe(200);
    const planned = (await pass.json()) as { due: number; queued: number };
    // Delayed (throttled) messages included: until the queue is empty.
    await runtime.settled(600_000, { includeParked: true });
    const seconds = (performance.now() - started) / 1000;
    runtime.throttle.share = 0;

    const store = (await (await fetch(`${runtime.sesEndpoint}/store`)).json()) as {
      emails: { destination: { to: string[] }; headers?: { name: string; value: string }[] }[];
    };
    const perPerson = new Map<string, number>();
    for (const email of store.emails) {
      const to = email.destination.to[0] ?? '';
      const birthday = email.headers?.some((h) => h.name === 'X-Precis-Campaign' && h.value === 'birthday');
      if (birthday && people.includes(to)) perPerson.set(to, (perPerson.get(to) ?? 0) + 1);
    }
    const byPhone = new Map([...phones].map(([email, phone]) => [phone, email]));
    for (const text of runtime.smsMessages()) {
      const to = byPhone.get(text.phoneNumber ?? '');
      if (to && text.context.campaign === 'birthday') perPerson.set(to, (perPerson.get(to) ?? 0) + 1);
    }
    const sent = [...perPerson.values()].reduce((sum, n) => sum + n, 0);
    const figures = {
      people: PEOPLE,
      due: planned.due,
      queued: planned.queued,
      calls: runtime.throttle.calls,
      throttled: runtime.throttle.throttled,
      sent,
      texts: runtime
        .smsMessages()
        .filter((m) => byPhone.has(m.phoneNumber ?? '') && m.context.campaign === 'birthday').length,
      duplicates: [...perPerson.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0),
      lost: people.filter((p) => !perPerson.has(p)).length,
      deadLettered: runtime.failures().filter((f) => f.kind === 'queue').length,
      seconds: Number(seconds.toFixed(1)),
    };
    console.log(`throttle chaos: ${JSON.stringify(figures)}`);

    expect(figures.due).toBe(PEOPLE);
    expect(figures.throttled).toBeGreaterThan(0);
    expect(figures.calls).toBe(figures.sent + figures.throttled);
    expect(figures).toMatchObject({ sent: PEOPLE, duplicates: 0, lost: 0, deadLettered: 0 });
  });
});
