import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { synthTemplates } from '../../../infra/synth';
import { instantOf, localDate } from '../../../lib/domain/zoned-time';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';
import { readLedger } from '../../support/tables';

// The send-time guard on the local runtime, wired from the real templates: the sender checks every
// rule again when a message would leave, after whatever delay it went through, and each outcome —
// send, defer, skip — is on the ledger row and in the person's message history (GET /customers/{id}).

const SUITE = `grd${Date.now().toString(36)}`;
const address = (name: string) => `${name}.${SUITE}@example.com`;
const LONDON = 'Europe/London';
const london = (date: string, time: string) => new Date(instantOf(`${date}T${time}`, LONDON) as number);
// Without the welcome email (it answers the confirmation, at whatever hour the suite runs).
const campaigns = loadConfig(() => undefined, '/nonexistent')
  .campaigns.filter((c) => c.id !== 'welcome')
  .map((c) => ({ ...c, holdoutPercent: 0 }));

let runtime: TestRuntime;
let dynamo: DynamoDBClient;

/** Streams drained and due messages sent; a deferred message, delayed on the queue for real minutes, is not waited for. */
const settle = () => runtime.settled(300_000, { ignoreHidden: true });

/** A signed-up, confirmed customer (consent set straight on the item), born on `birthday`. */
async function customer(name: string, birthday: string): Promise<string> {
  const signup = await fetch(`${runtime.url}/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      firstName: name,
      email: address(name),
      birthday,
      timeZone: LONDON,
      consent: { email: true, sms: false },
    }),
  });
  expect(signup.status).toBe(202);
  const found = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(address(name))}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  const { customerId } = (await found.json()) as { customerId: string };
  await dynamo.send(
    new UpdateItemCommand({
      TableName: runtime.tableNames.Customers!,
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
  await settle();
  return customerId;
}

/** The campaign emails to one person in the SES emulator (the double opt-in email left out). */
async function campaignMail(name: string): Promise<string[]> {
  const store = (await (await fetch(`${runtime.sesEndpoint}/store`)).json()) as {
    emails: { destination: { to: string[] }; headers?: { name: string; value: string }[] }[];
  };
  return store.emails
    .filter((e) => e.destination.to.includes(address(name)))
    .map((e) => e.headers?.find((h) => h.name === 'X-Precis-Campaign')?.value ?? '?')
    .filter((campaign) => campaign !== 'confirmation');
}

/** The person's message history as GET /customers/{id} shows it. */
async function messages(customerId: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${runtime.url}/customers/${customerId}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { messages: Record<string, unknown>[] }).messages;
}

const row = async (customerId: string, campaignId: string) =>
  (await readLedger(dynamo, runtime.tableNames.Deliveries!, customerId)).find(
    (r) => r.campaignId === campaignId,
  );

beforeAll(async () => {
  runtime = await startTestRuntime(synthTemplates({ campaigns }), { batchingWindowCapMs: 0 });
  dynamo = new DynamoDBClient({
    endpoint: runtime.dynamoEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

describe('the send-time guard on the local runtime', () => {
  it('send: a birthday planned at 09:30 London leaves at 09:30 London, once', async () => {
    const id = await customer('sian', '1990-06-15');
    const response = await fetch(`${runtime.url}/planner/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY },
      body: JSON.stringify({ at: london('2026-06-15', '09:30').toISOString() }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ due: 1, queued: 1, pending: 0 });
    expect(await campaignMail('sian')).toEqual(['birthday']);
    expect(await messages(id)).toContainEqual(
      expect.objectContaining({ campaignId: 'birthday', status: 'sent', sentAt: expect.any(String) }),
    );
  });

  it('defer: queued at 10:55 London for the 09:00–11:00 window, delayed by a backlog until 11:20, waits for 09:00 the next day', async () => {
    const id = await customer('dora', '1991-06-16');
    // A late planner pass: as of 10:55 (its scheduled hour), running while the runtime's clock says
    // 11:20 — the message it queues reaches the sender after the window closed.
    runtime.clock.set(london('2026-06-16', '11:20'));
    try {
      const outcome = await runtime.scheduler.runScheduleNow(
        'CampaignsPlannerSchedule',
        london('2026-06-16', '10:55'),
      );
      expect(outcome).toMatchObject({ status: 'succeeded', result: { due: 1, queued: 1 } });
      await settle();
    } finally {
      runtime.clock.reset();
    }
    const next = london('2026-06-17', '09:00').toISOString();
    expect(await row(id, 'birthday')).toMatchObject({
      status: 'queued',
      plannedAt: london('2026-06-16', '10:55').toISOString(),
      notBefore: next,
      deferReason: 'send_window',
    });
    expect(await campaignMail('dora')).toEqual([]);
    expect(await messages(id)).toContainEqual(
      expect.objectContaining({
        campaignId: 'birthday',
        status: 'queued',
        deferReason: 'send_window',
        notBefore: next,
      }),
    );
  });

  it('skip: a win-back for someone no longer at risk is skipped, the reason in their message history', async () => {
    // Wes is a prospect (no orders): a SegmentEntered event that the stream has since overtaken.
    const id = await customer('wes', '1992-01-01');
    const events = new EventBridgeClient({
      endpoint: runtime.localAwsEndpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const now = london(localDate(Date.now(), LONDON) as string, '09:30');
    runtime.clock.set(now);
    try {
      await events.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'precis',
              DetailType: 'SegmentEntered',
              EventBusName: 'precis',
              Detail: JSON.stringify({
                version: 1,
                customerId: id,
                kind: 'lifecycle',
                segment: 'at_risk',
                at: now.toISOString(),
                eventId: `${SUITE}-wes`,
              }),
            },
          ],
        }),
      );
      await settle();
    } finally {
      events.destroy();
      runtime.clock.reset();
    }
    expect(await row(id, 'win-back')).toMatchObject({ status: 'skipped', reason: 'left_segment' });
    expect(await campaignMail('wes')).toEqual([]);
    expect(await messages(id)).toContainEqual(
      expect.objectContaining({ campaignId: 'win-back', status: 'skipped', reason: 'left_segment' }),
    );
  });
});
