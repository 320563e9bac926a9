import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { synthTemplates } from '../../../infra/synth';
import { encodeSesTag } from '../../../lib/domain/campaigns/ses-tags';
import type { BusEvent } from '../../../lib/local/event-bus';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';
import { readLedger } from '../../support/tables';

// Only what real SES takes, on the local runtime wired from the real templates. A signup's double
// opt-in email carries its occasion as an ISO instant (the request time), which SES refuses as a
// tag value: it now reaches SES encoded, SES's events carry it encoded, and an event finds the
// ledger row all the same. A send SES refuses (here: a sender address SES cannot take) ends the
// row `failed` with SES's reason, once: nothing lost, nothing retried.

const SUITE = `ses${Date.now().toString(36)}`;
const address = (name: string) => `${name}.${SUITE}@example.com`;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
// No campaign beyond the built-in confirmation is needed here.
const campaigns = loadConfig(() => undefined, '/nonexistent').campaigns.filter((c) => c.id === 'birthday');

interface Mail {
  messageId: string;
  timestamp: string;
  destination: string[];
  tags: Record<string, string[]>;
}

async function signup(runtime: TestRuntime, name: string): Promise<string> {
  const response = await fetch(`${runtime.url}/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ firstName: name, email: address(name), consent: { email: true, sms: false } }),
  });
  expect(response.status).toBe(202);
  await runtime.settled();
  const found = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(address(name))}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  return ((await found.json()) as { customerId: string }).customerId;
}

const dynamoOf = (runtime: TestRuntime) =>
  new DynamoDBClient({ endpoint: runtime.dynamoEndpoint, region: 'local', credentials });

const confirmationRow = async (runtime: TestRuntime, dynamo: DynamoDBClient, customerId: string) => {
  const rows = await readLedger(dynamo, runtime.tableNames.Deliveries!, customerId);
  return rows.find((row) => row.campaignId === 'confirmation');
};

const mailTo = async (runtime: TestRuntime, name: string): Promise<number> => {
  const store = (await (await fetch(`${runtime.sesEndpoint}/store`)).json()) as {
    emails: { destination: { to: string[] } }[];
  };
  return store.emails.filter((e) => e.destination.to.includes(address(name))).length;
};

describe('an ISO-instant occasion', () => {
  let runtime: TestRuntime;
  let dynamo: DynamoDBClient;

  beforeAll(async () => {
    runtime = await startTestRuntime(synthTemplates({ campaigns }), { batchingWindowCapMs: 0 });
    dynamo = dynamoOf(runtime);
  });

  afterAll(async () => {
    dynamo?.destroy();
    await runtime?.stop();
  });

  it('reaches SES with encoded tags, and a feedback event finds its ledger row', async () => {
    const customerId = await signup(runtime, 'ana');
    expect(await mailTo(runtime, 'ana')).toBe(1);
    const row = await confirmationRow(runtime, dynamo, customerId);
    expect(row).toMatchObject({ status: 'sent', occasion: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) });
    const occasion = row?.occasion as string;

    // What SES published when it took the email: our tags, in its alphabet.
    const recent = (await (await fetch(`${runtime.localAwsEndpoint}/events`)).json()) as {
      event: BusEvent;
    }[];
    const sent = recent
      .map((entry) => entry.event)
      .find(
        (event) =>
          event['detail-type'] === 'Email Sent' &&
          (event.detail as { mail: Mail }).mail.messageId === row?.providerMessageId,
      );
    const mail = (sent?.detail as { mail: Mail } | undefined)?.mail;
    expect(mail?.tags).toMatchObject({
      campaign: ['confirmation'],
      occasion: [encodeSesTag(occasion)],
      customer: [encodeSesTag(customerId)],
    });
    for (const [name, values] of Object.entries(mail?.tags ?? {})) {
      if (!name.startsWith('ses:')) expect([name, ...values].join('')).toMatch(/^[A-Za-z0-9_-]+$/);
    }

    // SES delivers it and says so, with the same mail object: the row moves to `delivered`.
    const events = new EventBridgeClient({
      endpoint: runtime.localAwsEndpoint,
      region: 'local',
      credentials,
    });
    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'aws.ses',
            DetailType: 'Email Delivered',
            Detail: JSON.stringify({
              eventType: 'Delivery',
              mail,
              delivery: { timestamp: new Date().toISOString(), recipients: mail?.destination },
            }),
          },
        ],
      }),
    );
    events.destroy();
    expect(out.FailedEntryCount).toBe(0);
    await runtime.settled();
    expect(await confirmationRow(runtime, dynamo, customerId)).toMatchObject({
      status: 'delivered',
      occasion,
    });
    expect(runtime.failures()).toEqual([]);
  });
});

describe('a send SES refuses', () => {
  let runtime: TestRuntime;
  let dynamo: DynamoDBClient;

  beforeAll(async () => {
    // A sender address without a top-level domain: SES refuses every send from it.
    runtime = await startTestRuntime(synthTemplates({ campaigns }), {
      batchingWindowCapMs: 0,
      env: { SENDER_EMAIL: 'hello@localhost' },
    });
    dynamo = dynamoOf(runtime);
  });

  afterAll(async () => {
    dynamo?.destroy();
    await runtime?.stop();
  });

  it('ends the row `failed` with SES reason, once: nothing reaches the inbox, nothing is retried', async () => {
    const customerId = await signup(runtime, 'bo');
    expect(await confirmationRow(runtime, dynamo, customerId)).toMatchObject({
      status: 'failed',
      reason: 'BadRequestException',
    });
    expect(await mailTo(runtime, 'bo')).toBe(0);
    const queues = (await (await fetch(`${runtime.localAwsEndpoint}/queues`)).json()) as {
      name: string;
      messages: unknown[];
    }[];
    expect(queues.filter((q) => q.messages.length > 0).map((q) => q.name)).toEqual([]);
    expect(runtime.failures()).toEqual([]);
  });
});
