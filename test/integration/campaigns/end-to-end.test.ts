import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { synthTemplates } from '../../../infra/synth';
import { DynamoModelRepository } from '../../../lib/adapters/dynamodb/dynamo-model-repository';
import type { OutboxEntry } from '../../../lib/cli/commands/campaigns';
import { isScheduledTrigger } from '../../../lib/domain/campaigns/campaign';
import type { Customer } from '../../../lib/domain/customer';
import { unfittedModel } from '../../../lib/domain/scoring-model';
import { instantOf } from '../../../lib/domain/zoned-time';
import { runCli } from '../../support/cli';
import { campaignTexts, verifyPhone, verifyTokenOf } from '../../support/phone';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';
import { deliverBatch, streamRecords } from '../../support/streams';
import { readLedger, readProfile } from '../../support/tables';

// Campaigns end to end on the local runtime, wired from the synthesized templates: signups over
// HTTP → the Customers stream derives the birthday / next-order index keys → the planner (the
// hourly schedule, or `precis planner --at` through POST /planner/runs) finds who is due in their
// local send window → ledger claim → SQS send queue → the sender → the SES v2 emulator and the SMS
// sink → `precis outbox`. Holdout is set to 0 here (it is measured in the unit tests), so every
// eligible person gets their message.

const SUITE = `e2e${Date.now().toString(36)}`;
const address = (name: string) => `${name}.${SUITE}@example.com`;
const config = loadConfig(() => undefined, '/nonexistent');
// The scheduled campaigns only: the event-driven ones (welcome after confirmation, win-back on
// entering At Risk, which the historical orders below may pass through on their way in) and the
// double opt-in email are covered by lifecycle.test.ts (that email is left out of this outbox).
const campaigns = config.campaigns
  .filter((c) => isScheduledTrigger(c.trigger))
  .map((c) => ({ ...c, holdoutPercent: 0 }));

let runtime: TestRuntime;
let dynamo: DynamoDBClient;
const ids: Record<string, string> = {};
/** Each signup's answer (the phone verification token when texts were asked for). */
const answers: Record<string, unknown> = {};

const AUCKLAND = 'Pacific/Auckland';
/** "Today" for the birthday people: 15 June 2026 in Auckland (NZST, +12:00). */
const localInstant = (zone: string, date: string, time: string) =>
  new Date(instantOf(`${date}T${time}`, zone) as number).toISOString();

async function signup(name: string, extra: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${runtime.url}/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      firstName: name,
      email: address(name),
      consent: { email: true, sms: false },
      locale: 'en-NZ',
      ...extra,
    }),
  });
  expect(response.status).toBe(202);
  answers[name] = await response.json();
  const found = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(address(name))}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  return ((await found.json()) as { customerId: string }).customerId;
}

/** Sets attributes straight on the item (consent flows are not part of this suite). */
async function patch(customerId: string, values: Record<string, unknown>): Promise<void> {
  const names = Object.keys(values);
  await dynamo.send(
    new UpdateItemCommand({
      TableName: runtime.tableNames.Customers!,
      Key: { customerId: { S: customerId } },
      UpdateExpression: `SET ${names.map((n) => `#${n} = :${n}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
      ExpressionAttributeValues: marshall(Object.fromEntries(names.map((n) => [`:${n}`, values[n]]))),
    }),
  );
}

const confirmed = { status: 'confirmed', updatedAt: '2026-01-01T00:00:00.000Z', source: 'test' };
const consent = (
  email: Record<string, unknown>,
  sms: Record<string, unknown> = { ...confirmed, status: 'none' },
) => ({
  consent: { email, sms },
});

const profile = (customerId: string): Promise<Customer> =>
  readProfile(dynamo, runtime.tableNames.Customers!, customerId);

const ledger = (customerId: string): Promise<Record<string, unknown>[]> =>
  readLedger(dynamo, runtime.tableNames.Deliveries!, customerId);

/** Runs the CLI against the runtime, capturing what it prints. */
const cli = (...argv: string[]) => runCli(runtime, ...argv);

async function planner(
  at: string,
): Promise<{ due: number; queued: number; heldOut: number; skipped: Record<string, number> }> {
  const result = await cli('planner', '--at', at, '--json');
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.out);
}

/** This suite's messages in the outbox (the SES emulator is shared by the whole test run). */
async function outbox(): Promise<OutboxEntry[]> {
  const result = await cli('outbox', '--json');
  expect(result.code).toBe(0);
  return (JSON.parse(result.out) as OutboxEntry[]).filter(
    (e) =>
      (e.to.includes(SUITE) || Object.values(phones).includes(e.to)) &&
      e.campaign !== 'confirmation' &&
      e.campaign !== 'phone-verification',
  );
}
const phones: Record<string, string> = { sam: '+64211234567' };
const messagesTo = async (name: string) =>
  (await outbox()).filter((e) => e.to === address(name) || e.to === phones[name]);

/** The app's streams and the functions that consume them. */
const STREAM_CONSUMERS = [
  ['Customers', ['profile-stream']],
  ['Orders', ['orders-stream', 'attribution-stream']],
  ['Deliveries', ['delivery-stream']],
] as const;

const fnOf = (role: string) => {
  const fn = [...runtime.functions.values()].find((f) => f.entry === `functions/${role}/handler.ts`);
  if (!fn) throw new Error(`no ${role} function in the templates`);
  return fn;
};

beforeAll(async () => {
  runtime = await startTestRuntime(synthTemplates({ campaigns }), { batchingWindowCapMs: 0 });
  dynamo = new DynamoDBClient({
    endpoint: runtime.dynamoEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // A fitted model before anything is scored, so orders give the repurchase customer a next-order date.
  await new DynamoModelRepository(DynamoDBDocumentClient.from(dynamo), runtime.tableNames.Models!).save({
    ...unfittedModel(),
    version: 1,
    fittedAt: '2026-01-01T00:00:00.000Z',
    asOfDay: '2026-01-01',
    bgnbd: { r: 2, alpha: 60, a: 0.3, b: 3, logLikelihood: -1000 },
    gammaGamma: { p: 6, q: 4, v: 15 },
    customers: 100,
    repeatCustomers: 50,
    triples: 80,
  });

  const birthday = { birthday: '1990-06-15', timeZone: AUCKLAND };
  ids.ana = await signup('ana', birthday);
  ids.una = await signup('una', birthday); // never confirms
  ids.ursula = await signup('ursula', birthday);
  ids.bo = await signup('bo', birthday);
  ids.cap = await signup('cap', birthday);
  ids.sam = await signup('sam', { ...birthday, phone: phones.sam, consent: { email: false, sms: true } });
  // Texts only to a verified number: sam types back the code texted to it.
  await verifyPhone(runtime, verifyTokenOf(answers.sam), phones.sam as string);
  ids.rita = await signup('rita', { timeZone: 'Asia/Kolkata', locale: 'en-IN' });
  await patch(ids.ana, consent(confirmed));
  await patch(ids.ursula, consent({ ...confirmed, status: 'unsubscribed' }));
  await patch(ids.bo, {
    ...consent(confirmed),
    suppression: { email: { reason: 'bounce', at: '2026-06-01T00:00:00.000Z' } },
  });
  await patch(ids.cap, consent(confirmed));
  // Two marketing messages actually sent in the 7 days before the birthday: the cap (2 per 7 days).
  for (const sentAt of ['2026-06-11T00:00:00.000Z', '2026-06-13T00:00:00.000Z']) {
    await dynamo.send(
      new PutItemCommand({
        TableName: runtime.tableNames.Deliveries!,
        Item: marshall({
          customerId: ids.cap,
          deliveryKey: `win-back#${sentAt.slice(0, 10)}`,
          campaignId: 'win-back',
          occasion: sentAt.slice(0, 10),
          channel: 'email',
          status: 'sent',
          plannedAt: sentAt,
          claimedAt: sentAt,
          updatedAt: sentAt,
          sentAt,
        }),
      }),
    );
  }
  await patch(ids.rita, consent(confirmed));
  for (const [i, daysAgo] of [95, 65, 35, 5].entries()) {
    const response = await fetch(`${runtime.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY },
      body: JSON.stringify({
        orderId: `${SUITE}-rita-${i}`,
        customer: { email: address('rita') },
        orderedAt: new Date(Date.now() - daysAgo * 86_400_000).toISOString(),
        totalAmount: 48,
        currency: 'GBP',
        lineItems: [{ sku: 'CF-2KG', category: 'cat food', quantity: 1, unitPrice: 48 }],
      }),
    });
    expect(response.status).toBe(202);
  }
  await runtime.settled();
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

describe('a birthday today in Pacific/Auckland', () => {
  const today = '2026-06-15';

  it('is indexed by MM-DD with Auckland’s offset at noon', async () => {
    expect(await profile(ids.ana!)).toMatchObject({ birthdayKey: '06-15', birthdayOffset: 720 });
  });

  it('gets nothing before the send window (08:00 local)', async () => {
    const run = await planner(localInstant(AUCKLAND, today, '08:00'));
    expect(run.due).toBe(0);
    expect(await messagesTo('ana')).toEqual([]);
  });

  it('gets exactly one email at 09:00 local, with their name and offer; the others get nothing, each with a reason', async () => {
    const run = await planner(localInstant(AUCKLAND, today, '09:00'));
    // The frequency cap counts what was actually sent, when the message would leave: cap is queued
    // by the plan and skipped by the sender's send-time guard, the reason on the ledger row.
    expect(run).toMatchObject({ due: 6, queued: 3, heldOut: 0 });
    expect(run.skipped).toEqual({ no_consent: 1, unsubscribed: 1, suppressed: 1 });
    expect(await ledger(ids.cap!)).toContainEqual(
      expect.objectContaining({ deliveryKey: 'birthday#2026', status: 'skipped', reason: 'frequency_cap' }),
    );
    const mail = await messagesTo('ana');
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({
      channel: 'email',
      subject: 'Happy birthday, ana!',
      campaign: 'birthday',
      occasion: '2026',
    });
    expect(mail[0]!.text).toContain('Use code BDAY10');
    // Links point at the API the runtime actually serves (port 0 here: a free port), not a default.
    expect(mail[0]!.text).toContain(`Unsubscribe: ${runtime.url}/unsubscribe?token=`);
    for (const name of ['una', 'ursula', 'bo', 'cap']) expect(await messagesTo(name)).toEqual([]);
    // (Besides the row of the double opt-in email every signup asked for.)
    expect((await ledger(ids.ana!)).filter((row) => row.campaignId !== 'confirmation')).toEqual([
      expect.objectContaining({
        deliveryKey: 'birthday#2026',
        status: 'sent',
        channel: 'email',
        providerMessageId: expect.any(String),
      }),
    ]);
  });

  it('texts the SMS-only customer, promotional, ending with the opt-out line', async () => {
    const texts = await messagesTo('sam');
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatchObject({ channel: 'sms', campaign: 'birthday', occasion: '2026' });
    expect(texts[0]!.text).toMatch(/^Happy birthday sam from Precis!.*Reply STOP to opt out$/);
    const sms = campaignTexts(runtime, phones.sam as string)[0];
    expect(sms?.messageType).toBe('PROMOTIONAL');
  });

  it('sends the email with the one-click unsubscribe headers, through the configuration set', async () => {
    const store = (await (await fetch(`${runtime.sesEndpoint}/store`)).json()) as {
      emails: {
        subject: string;
        destination: { to: string[] };
        headers?: { name: string; value: string }[];
      }[];
    };
    const email = store.emails.find(
      (e) => e.destination.to.includes(address('ana')) && e.subject.startsWith('Happy birthday'),
    );
    const headers = Object.fromEntries((email?.headers ?? []).map((h) => [h.name, h.value]));
    expect(headers['List-Unsubscribe']).toMatch(
      new RegExp(`^<${runtime.url.replaceAll('.', '\\.')}/unsubscribe\\?token=[\\w-]+\\.[\\w-]+>$`),
    );
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  });

  it('gets nothing more in the rest of the window (10:00) or after it (11:00)', async () => {
    const ten = await planner(localInstant(AUCKLAND, today, '10:00'));
    expect(ten.queued).toBe(0);
    expect(ten.skipped.already_claimed).toBe(3);
    const eleven = await planner(localInstant(AUCKLAND, today, '11:00'));
    expect(eleven.due).toBe(0);
    expect(await messagesTo('ana')).toHaveLength(1);
  });
});

describe('a repurchase-due customer', () => {
  it('gets the repurchase email naming their product on the expected next-order date', async () => {
    const rita = await profile(ids.rita!);
    expect(rita.nextOrderKey).toBe(rita.ltv?.nextOrderDate);
    expect(rita.nextOrderOffset).toBe(330);
    const run = await planner(localInstant('Asia/Kolkata', rita.nextOrderKey!, '09:30'));
    expect(run.queued).toBeGreaterThanOrEqual(1);
    const mail = await messagesTo('rita');
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({
      campaign: 'repurchase',
      occasion: rita.nextOrderKey,
      subject: 'Running low on CF-2KG, rita?',
    });
    expect(mail[0]!.text).toContain('Order CF-2KG again');
  });
});

describe('never twice', () => {
  it('re-running the planner 5 times, replaying the streams 3 times and redelivering queue messages sends nothing more', async () => {
    const before = await outbox();
    const rita = await profile(ids.rita!);
    for (let i = 0; i < 5; i++) {
      await planner(localInstant(AUCKLAND, '2026-06-15', '09:30'));
      await planner(localInstant('Asia/Kolkata', rita.nextOrderKey!, '10:00'));
      // The hourly schedule's own path, as of the same hour.
      await runtime.scheduler.runScheduleNow(
        'CampaignsPlannerSchedule',
        new Date(localInstant(AUCKLAND, '2026-06-15', '09:00')),
      );
    }
    const sender = fnOf('message-sender');
    for (let replay = 0; replay < 3; replay++) {
      // Every record of every stream, again, into each of its consumers (as after a Lambda retry).
      for (const [table, roles] of STREAM_CONSUMERS) {
        const records = await streamRecords(runtime.dynamoEndpoint, runtime.tableNames[table]!);
        for (const role of roles) {
          expect(await deliverBatch(fnOf(role), records)).toEqual({ batchItemFailures: [] });
        }
      }
      // Lambda retries and SQS redelivery of messages already sent.
      await sender.invoke(
        sqsEvent([
          { customerId: ids.ana!, campaignId: 'birthday', occasion: '2026', channel: 'email' },
          { customerId: ids.sam!, campaignId: 'birthday', occasion: '2026', channel: 'sms' },
          { customerId: ids.rita!, campaignId: 'repurchase', occasion: rita.nextOrderKey!, channel: 'email' },
        ]),
      );
    }
    await runtime.settled();
    const after = await outbox();
    expect(after).toHaveLength(before.length);
    expect(before.length).toBe(3);
    expect(runtime.failures()).toEqual([]);
  });
});

let sequence = 1;
function sqsEvent(requests: Record<string, string>[]): SQSEvent {
  return {
    Records: requests.map((request, i) => ({
      messageId: `redelivered-${++sequence}-${i}`,
      receiptHandle: 'x',
      body: JSON.stringify({ version: 1, plannedAt: '2026-06-14T21:00:00.000Z', ...request }),
      attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: '0',
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:CampaignsSendQueue',
      awsRegion: 'local',
    })),
  };
}
