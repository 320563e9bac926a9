import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { synthTemplates } from '../../../infra/synth';
import { encodeSesTag } from '../../../lib/domain/campaigns/ses-tags';
import { instantOf } from '../../../lib/domain/zoned-time';
import { LOG_EVERYTHING, startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';
import { readLedger } from '../../support/tables';

// A crash between the provider accepting a message and the ledger update, on the local runtime
// wired from the real templates: the email is in the SES emulator, the ledger row still says
// `unknown` (as the crash left it). Two birthdays crash so:
//   Ana's: SES's own `Email Sent` event (with our tags) arrives → the row is `sent`; neither the
//     redelivered message nor any planner pass sends her a second email.
//   Ben's: no event → reported while the 15-minute quiet period runs, then a planner pass takes the
//     row back and sends it, exactly once more. (His first copy is in the emulator, but no Send
//     event for it ever reaches Precis: to Precis that is a crash before SES took the message, the
//     one case the retry is for; hence two copies in the emulator, one per attempt.)
// Texts, the same two cases: Cai's row resolved by End User Messaging's TEXT_QUEUED event (our ids in
// its `context`, delivered by the SMS configuration set's SNS topic), Dee's retried once past the SMS
// quiet period (15 minutes by default).

const SUITE = `unk${Date.now().toString(36)}`;
const ZONE = 'Pacific/Auckland';
const AT = new Date(instantOf('2026-06-15T09:30', ZONE) as number).toISOString();
const minutesAfter = (minutes: number) => new Date(Date.parse(AT) + minutes * 60_000).toISOString();
// The birthday campaign only: the welcome that a confirmation triggers is sent at once by day
// but delayed to 08:00 local by night (the real hour in Auckland), and settled() would wait for it.
const campaigns = loadConfig(() => undefined, '/nonexistent')
  .campaigns.filter((c) => c.id === 'birthday')
  .map((c) => ({ ...c, holdoutPercent: 0 }));
const local = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

let runtime: TestRuntime;
let dynamo: DynamoDBClient;
const people = {
  ana: { email: `ana.${SUITE}@example.com`, id: '' },
  ben: { email: `ben.${SUITE}@example.com`, id: '' },
  cai: { email: `cai.${SUITE}@example.com`, id: '', phone: '+64211000001' },
  dee: { email: `dee.${SUITE}@example.com`, id: '', phone: '+64211000002' },
};
const texted = (person: Person): person is 'cai' | 'dee' => person === 'cai' || person === 'dee';
type Person = keyof typeof people;

const plannerRun = async (at: string) => {
  const response = await fetch(`${runtime.url}/planner/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY },
    body: JSON.stringify({ at }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    due: number;
    queued: number;
    requeued: number;
    unknown: number;
    retried: number;
  };
};

/** The birthday emails to one person in the SES emulator (shared by the test run). */
const birthdayEmailsTo = async (person: Person) => {
  const store = (await (await fetch(`${runtime.sesEndpoint}/store`)).json()) as {
    emails: { destination: { to: string[] }; headers?: { name: string; value: string }[] }[];
  };
  const birthday = (e: (typeof store.emails)[number]) =>
    e.headers?.some((h) => h.name === 'X-Precis-Campaign' && h.value === 'birthday') ?? false;
  return store.emails.filter((e) => e.destination.to.includes(people[person].email) && birthday(e));
};

/** The birthday texts to one person in the SMS stand-in. */
const birthdayTextsTo = (person: 'cai' | 'dee') =>
  runtime
    .smsMessages()
    .filter((m) => m.phoneNumber === people[person].phone && m.context.campaign === 'birthday');

const birthdayRow = async (person: Person) =>
  (await readLedger(dynamo, runtime.tableNames.Deliveries!, people[person].id)).find(
    (row) => row.deliveryKey === 'birthday#2026',
  );

/** What the crash leaves: the provider was called, the ledger never told (row `unknown` since `at`). */
const crashLeft = (person: Person, at: string) =>
  dynamo.send(
    new UpdateItemCommand({
      TableName: runtime.tableNames.Deliveries!,
      Key: { customerId: { S: people[person].id }, deliveryKey: { S: 'birthday#2026' } },
      UpdateExpression: 'SET #s = :u, updatedAt = :t REMOVE sentAt, providerMessageId',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':u': { S: 'unknown' }, ':t': { S: at } },
    }),
  );

const signUp = async (person: Person) => {
  const { email } = people[person];
  const signup = await fetch(`${runtime.url}/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      firstName: person.charAt(0).toUpperCase() + person.slice(1),
      email,
      birthday: '1990-06-15',
      timeZone: ZONE,
      consent: { email: true, sms: false },
    }),
  });
  expect(signup.status).toBe(202);
  const found = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(email)}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  people[person].id = ((await found.json()) as { customerId: string }).customerId;
  const consent = (status: string) => ({
    M: { status: { S: status }, updatedAt: { S: '2026-01-01T00:00:00.000Z' }, source: { S: 'test' } },
  });
  // Ana and Ben are emailed; Cai and Dee texted only (a verified number, no email consent).
  await dynamo.send(
    new UpdateItemCommand({
      TableName: runtime.tableNames.Customers!,
      Key: { customerId: { S: people[person].id } },
      ...(texted(person)
        ? {
            UpdateExpression: 'SET phone = :p, consent.sms = :c',
            ExpressionAttributeValues: { ':p': { S: people[person].phone }, ':c': consent('opted_in') },
          }
        : {
            UpdateExpression: 'SET consent.email = :c',
            ExpressionAttributeValues: { ':c': consent('confirmed') },
          }),
    }),
  );
};

beforeAll(async () => {
  runtime = await startTestRuntime(synthTemplates({ campaigns }), {
    batchingWindowCapMs: 0,
    env: LOG_EVERYTHING,
  });
  dynamo = new DynamoDBClient({ endpoint: runtime.dynamoEndpoint, ...local });
  for (const person of ['ana', 'ben', 'cai', 'dee'] as const) await signUp(person);
  await runtime.settled();
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

describe('a crash between the provider call and the ledger update', () => {
  let anaMessageId: string;

  let caiMessageId: string;

  it('sends each birthday email and text once; the crash leaves all four rows `unknown`', async () => {
    expect(await plannerRun(AT)).toMatchObject({ due: 4, queued: 4 });
    expect(await birthdayEmailsTo('ana')).toHaveLength(1);
    expect(await birthdayEmailsTo('ben')).toHaveLength(1);
    expect(birthdayTextsTo('cai')).toHaveLength(1);
    expect(birthdayTextsTo('dee')).toHaveLength(1);
    // The text carried our ids in Context, and its TEXT_QUEUED event went through the SNS path.
    expect(birthdayTextsTo('cai')[0]?.context).toEqual({
      campaign: 'birthday',
      occasion: '2026',
      customer: people.cai.id,
    });
    anaMessageId = (await birthdayRow('ana'))?.providerMessageId as string;
    caiMessageId = (await birthdayRow('cai'))?.providerMessageId as string;
    expect(anaMessageId).toBeTruthy();
    expect(caiMessageId).toBe(birthdayTextsTo('cai')[0]?.messageId);
    for (const person of ['ana', 'ben', 'cai', 'dee'] as const) await crashLeft(person, AT);
    await runtime.settled();
  });

  it("SES's Send event for Ana's email (our tags on it) moves her row to sent", async () => {
    const events = new EventBridgeClient({ endpoint: runtime.localAwsEndpoint, ...local });
    try {
      // As SES carries them: encoded to its tag alphabet (a customer id's `_` is `_5F`).
      const tags = { campaign: ['birthday'], occasion: ['2026'], customer: [encodeSesTag(people.ana.id)] };
      const detail = {
        eventType: 'Send',
        mail: { messageId: anaMessageId, timestamp: AT, destination: [people.ana.email], tags },
        send: {},
      };
      const put = await events.send(
        new PutEventsCommand({
          Entries: [{ Source: 'aws.ses', DetailType: 'Email Sent', Detail: JSON.stringify(detail) }],
        }),
      );
      expect(put.FailedEntryCount ?? 0).toBe(0);
    } finally {
      events.destroy();
    }
    await runtime.settled();
    expect(await birthdayRow('ana')).toMatchObject({ status: 'sent', providerMessageId: anaMessageId });
    expect((await birthdayRow('ben'))?.status).toBe('unknown');
  });

  it("End User Messaging's TEXT_QUEUED event for Cai's text (our ids in its context, via SNS) moves her row to sent", async () => {
    const feedback = [...runtime.functions.values()].find((fn) => fn.entry.includes('ses-feedback'));
    const record = {
      eventType: 'TEXT_QUEUED',
      eventVersion: '1.0',
      eventTimestamp: Date.parse(AT) + 1000,
      isFinal: false,
      originationPhoneNumber: '+15555550100',
      destinationPhoneNumber: people.cai.phone,
      isInternationalSend: false,
      messageId: caiMessageId,
      messageRequestTimestamp: Date.parse(AT),
      messageEncoding: 'GSM',
      messageType: 'PROMOTIONAL',
      messageStatus: 'QUEUED',
      messageStatusDescription: 'Message is queued for delivery',
      context: { campaign: 'birthday', occasion: '2026', customer: people.cai.id },
      totalMessageParts: 1,
    };
    // As SNS invokes a subscribed function: one record, the event record as its Message.
    const outcome = await feedback?.invoke({
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          Sns: { Type: 'Notification', MessageId: 'sns-1', Message: JSON.stringify(record), Timestamp: AT },
        },
      ],
    });
    expect(outcome).toEqual({ row: 'resolved', suppressed: false });
    expect(await birthdayRow('cai')).toMatchObject({ status: 'sent', providerMessageId: caiMessageId });
    expect((await birthdayRow('dee'))?.status).toBe('unknown');
  });

  it('inside the quiet period the redelivered messages send nothing, and the sender reports Ben’s and Dee’s rows', async () => {
    const queues = (await (await fetch(`${runtime.localAwsEndpoint}/queues`)).json()) as {
      name: string;
      url: string;
    }[];
    const sendQueue = queues.find((q) => /SendQueue/.test(q.name) && !/Dead|Dlq|Failure/i.test(q.name));
    expect(sendQueue).toBeDefined();
    const sqs = new SQSClient({ endpoint: runtime.localAwsEndpoint, ...local });
    const body = (person: Person) =>
      JSON.stringify({
        version: 1,
        customerId: people[person].id,
        campaignId: 'birthday',
        occasion: '2026',
        channel: texted(person) ? 'sms' : 'email',
        plannedAt: AT,
      });
    // The handlers run in this process: their structured log lines go to stdout/stderr.
    const logged: string[] = [];
    const capture = (chunk: unknown) => {
      logged.push(String(chunk));
      return true;
    };
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const writeError = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    // SQS redelivers after the visibility timeout (3 minutes): well inside the quiet period.
    runtime.clock.set(new Date(minutesAfter(5)));
    try {
      for (const person of ['ana', 'ben', 'cai', 'dee'] as const) {
        await sqs.send(new SendMessageCommand({ QueueUrl: sendQueue?.url, MessageBody: body(person) }));
      }
      await runtime.settled();
    } finally {
      runtime.clock.reset();
      write.mockRestore();
      writeError.mockRestore();
      sqs.destroy();
    }
    expect(await birthdayEmailsTo('ana')).toHaveLength(1);
    expect(await birthdayEmailsTo('ben')).toHaveLength(1);
    expect(birthdayTextsTo('cai')).toHaveLength(1);
    expect(birthdayTextsTo('dee')).toHaveLength(1);
    expect((await birthdayRow('ben'))?.status).toBe('unknown');
    expect((await birthdayRow('dee'))?.status).toBe('unknown');
    const reported = logged.filter((line) => line.includes('message state unknown'));
    expect(reported).toHaveLength(2);
    expect(reported.some((line) => line.includes(people.ben.id))).toBe(true);
    expect(reported.some((line) => line.includes(people.dee.id))).toBe(true);
    for (const line of reported) {
      expect(line).toContain('interrupted');
      expect(line).not.toContain(people.ben.email);
      expect(line).not.toContain(people.dee.phone);
    }
  });

  it('a planner pass inside the quiet period counts Ben’s and Dee’s rows unknown and queues nothing', async () => {
    expect(await plannerRun(minutesAfter(10))).toMatchObject({ due: 4, queued: 0, unknown: 2, retried: 0 });
    await runtime.settled();
    expect(await birthdayEmailsTo('ben')).toHaveLength(1);
    expect(birthdayTextsTo('dee')).toHaveLength(1);
  });

  it('past the quiet period with no event, a planner pass sends Ben his email and Dee her text once more; Ana and Cai get nothing', async () => {
    expect(await plannerRun(minutesAfter(20))).toMatchObject({ due: 4, queued: 0, unknown: 0, retried: 2 });
    await runtime.settled();
    expect(await birthdayEmailsTo('ben')).toHaveLength(2);
    expect(await birthdayEmailsTo('ana')).toHaveLength(1);
    expect(birthdayTextsTo('dee')).toHaveLength(2);
    expect(birthdayTextsTo('cai')).toHaveLength(1);
    expect((await birthdayRow('ben'))?.status).toBe('sent');
    // Dee's second text is resolved by its own TEXT_QUEUED too: the row names the new message.
    expect(await birthdayRow('dee')).toMatchObject({
      status: 'sent',
      providerMessageId: birthdayTextsTo('dee')[0]?.messageId,
    });
    // Another pass (or the hourly one) sends nothing more.
    expect(await plannerRun(minutesAfter(30))).toMatchObject({ queued: 0, unknown: 0, retried: 0 });
    await runtime.settled();
    expect(await birthdayEmailsTo('ben')).toHaveLength(2);
    expect(await birthdayEmailsTo('ana')).toHaveLength(1);
    expect(birthdayTextsTo('dee')).toHaveLength(2);
    expect(birthdayTextsTo('cai')).toHaveLength(1);
  });
});
