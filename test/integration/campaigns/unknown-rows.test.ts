import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { synthTemplates } from '../../../infra/synth';
import { LOG_EVERYTHING, startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';
import { readLedger } from '../../support/tables';

// A crash between the provider accepting a message and the ledger update, on the local runtime
// wired from the real templates: the email is in the SES emulator, the ledger row still says
// `unknown` (as the crash left it). Then SQS delivers the same message again (it was never
// deleted) and the next planner pass finds the same person due: the row stays `unknown`, the
// sender reports it ("message state unknown", the MessagesUnknown metric that alarms), the planner
// counts it, and nothing is sent a second time.

const SUITE = `unk${Date.now().toString(36)}`;
const EMAIL = `ana.${SUITE}@example.com`;
const ZONE = 'Pacific/Auckland';
const AT = DateTime.fromISO('2026-06-15T09:30', { zone: ZONE }).toUTC().toISO() as string;
// The birthday campaign only: the welcome that Ana's confirmation triggers is sent at once by day
// but delayed to 08:00 local by night (the real hour in Auckland), and settled() would wait for it.
const campaigns = loadConfig(() => undefined, '/nonexistent')
  .campaigns.filter((c) => c.id === 'birthday')
  .map((c) => ({ ...c, holdoutPercent: 0 }));

let runtime: TestRuntime;
let dynamo: DynamoDBClient;
let customerId: string;

const plannerRun = async () => {
  const response = await fetch(`${runtime.url}/planner/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY },
    body: JSON.stringify({ at: AT }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { due: number; queued: number; requeued: number; unknown: number };
};

/** The birthday emails to Ana in the SES emulator (shared by the test run). */
const emailsToAna = async () => {
  const store = (await (await fetch(`${runtime.sesEndpoint}/store`)).json()) as {
    emails: { destination: { to: string[] }; headers?: { name: string; value: string }[] }[];
  };
  const birthday = (e: (typeof store.emails)[number]) =>
    e.headers?.some((h) => h.name === 'X-Precis-Campaign' && h.value === 'birthday') ?? false;
  return store.emails.filter((e) => e.destination.to.includes(EMAIL) && birthday(e));
};

const birthdayRow = async () =>
  (await readLedger(dynamo, runtime.tableNames.Deliveries!, customerId)).find(
    (row) => row.deliveryKey === 'birthday#2026',
  );

beforeAll(async () => {
  runtime = await startTestRuntime(synthTemplates({ campaigns }), {
    batchingWindowCapMs: 0,
    env: LOG_EVERYTHING,
  });
  dynamo = new DynamoDBClient({
    endpoint: runtime.dynamoEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const signup = await fetch(`${runtime.url}/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      firstName: 'Ana',
      email: EMAIL,
      birthday: '1990-06-15',
      timeZone: ZONE,
      consent: { email: true, sms: false },
    }),
  });
  expect(signup.status).toBe(202);
  const found = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(EMAIL)}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  customerId = ((await found.json()) as { customerId: string }).customerId;
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
  await runtime.settled();
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

describe('a crash after the provider accepted the birthday email', () => {
  it('sends the email once; the crash leaves its row `unknown`', async () => {
    expect(await plannerRun()).toMatchObject({ due: 1, queued: 1 });
    expect(await emailsToAna()).toHaveLength(1);
    // What the crash leaves: the provider has the message, the ledger was never told (10 minutes
    // before the planned instant the next pass runs as of, on the runtime's shared clock).
    await dynamo.send(
      new UpdateItemCommand({
        TableName: runtime.tableNames.Deliveries!,
        Key: { customerId: { S: customerId }, deliveryKey: { S: 'birthday#2026' } },
        UpdateExpression: 'SET #s = :u, updatedAt = :t REMOVE sentAt, providerMessageId',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':u': { S: 'unknown' },
          ':t': { S: new Date(Date.parse(AT) - 10 * 60_000).toISOString() },
        },
      }),
    );
    await runtime.settled();
  });

  it('the redelivered message sends nothing, and the sender reports the row', async () => {
    const queues = (await (await fetch(`${runtime.localAwsEndpoint}/queues`)).json()) as {
      name: string;
      url: string;
    }[];
    const sendQueue = queues.find((q) => /SendQueue/.test(q.name) && !/Dead|Dlq|Failure/i.test(q.name));
    expect(sendQueue).toBeDefined();
    const sqs = new SQSClient({
      endpoint: runtime.localAwsEndpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const body = JSON.stringify({
      version: 1,
      customerId,
      campaignId: 'birthday',
      occasion: '2026',
      channel: 'email',
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
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: sendQueue?.url, MessageBody: body }));
      await runtime.settled();
    } finally {
      write.mockRestore();
      writeError.mockRestore();
      sqs.destroy();
    }
    expect(await emailsToAna()).toHaveLength(1);
    expect((await birthdayRow())?.status).toBe('unknown');
    const reported = logged.filter((line) => line.includes('message state unknown'));
    expect(reported).toHaveLength(1);
    expect(reported[0]).toContain(customerId);
    expect(reported[0]).toContain('interrupted');
    expect(reported[0]).not.toContain(EMAIL);
  });

  it('a planner re-run counts it as unknown and queues nothing', async () => {
    expect(await plannerRun()).toMatchObject({ due: 1, queued: 0, requeued: 0, unknown: 1 });
    await runtime.settled();
    expect(await emailsToAna()).toHaveLength(1);
    expect((await birthdayRow())?.status).toBe('unknown');
  });
});
