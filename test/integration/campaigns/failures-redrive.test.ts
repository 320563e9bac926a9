import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { synthTemplates } from '../../../infra/synth';
import { DynamoDeliveryLedger } from '../../../lib/adapters/dynamodb/dynamo-delivery-ledger';
import { sendRequestOf } from '../../../lib/domain/campaigns/delivery';
import { instantOf } from '../../../lib/domain/zoned-time';
import { runCli } from '../../support/cli';
import { signUpThroughApi, startTestRuntime, type TestRuntime } from '../../support/runtime';
import { grantConsent, readLedger } from '../../support/tables';

// No message lost, none sent twice: a birthday message forced into the send queue's dead-letter
// queue (its ledger row claimed and `queued`, as a message that died before the sender ever called
// SES leaves it) is listed by `precis failures list`, redriven by `precis failures redrive --all`
// back to the send queue and sent; a second copy of it dead-lettered and redriven (`--id`) sends
// nothing: the sender re-reads the row, which says `sent`.

const SUITE = `fail${Date.now().toString(36)}`;
const ZONE = 'Pacific/Auckland';
const AT = new Date(instantOf('2026-06-15T09:30', ZONE) as number).toISOString();
const campaigns = loadConfig(() => undefined, '/nonexistent')
  .campaigns.filter((c) => c.id === 'birthday')
  .map((c) => ({ ...c, holdoutPercent: 0 }));
const local = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const email = `ana.${SUITE}@example.com`;

let runtime: TestRuntime;
let dynamo: DynamoDBClient;
let sqs: SQSClient;
let customerId = '';
let deadLetterUrl = '';

const birthdayEmails = async () => {
  const store = (await (await fetch(`${runtime.sesEndpoint}/store`)).json()) as {
    emails: { destination: { to: string[] }; headers?: { name: string; value: string }[] }[];
  };
  return store.emails.filter(
    (e) =>
      e.destination.to.includes(email) &&
      (e.headers?.some((h) => h.name === 'X-Precis-Campaign' && h.value === 'birthday') ?? false),
  );
};
const row = async () =>
  (await readLedger(dynamo, runtime.tableNames.Deliveries!, customerId)).find(
    (r) => r.deliveryKey === 'birthday#2026',
  );
const deadLetter = () =>
  sqs.send(
    new SendMessageCommand({
      QueueUrl: deadLetterUrl,
      MessageBody: JSON.stringify(
        sendRequestOf({
          customerId,
          deliveryKey: 'birthday#2026',
          campaignId: 'birthday',
          occasion: '2026',
          channel: 'email',
          plannedAt: AT,
          claimedAt: AT,
          updatedAt: AT,
        }),
      ),
    }),
  );

beforeAll(async () => {
  runtime = await startTestRuntime(synthTemplates({ campaigns }), { batchingWindowCapMs: 0 });
  dynamo = new DynamoDBClient({ endpoint: runtime.dynamoEndpoint, ...local });
  sqs = new SQSClient({ endpoint: runtime.localAwsEndpoint, ...local });
  customerId = await signUpThroughApi(runtime, {
    firstName: 'Ana',
    email,
    birthday: '1990-06-15',
    timeZone: ZONE,
    consent: { email: true, sms: false },
  });
  await grantConsent(dynamo, runtime.tableNames.Customers!, customerId, { email: true });
  await runtime.settled();
  // The planner's claim, as a pass at AT makes it; its message then died (5 receives) in the DLQ.
  const claimed = await new DynamoDeliveryLedger(
    DynamoDBDocumentClient.from(dynamo),
    runtime.tableNames.Deliveries!,
  ).claim({
    customerId,
    deliveryKey: 'birthday#2026',
    campaignId: 'birthday',
    occasion: '2026',
    channel: 'email',
    status: 'queued',
    plannedAt: AT,
    claimedAt: AT,
    updatedAt: AT,
  });
  expect(claimed).toBeTruthy();
  const queues = (await (await fetch(`${runtime.localAwsEndpoint}/queues`)).json()) as {
    name: string;
    url: string;
  }[];
  deadLetterUrl = queues.find((q) => q.name.includes('SendDeadLetters'))?.url ?? '';
  expect(deadLetterUrl).not.toBe('');
  await deadLetter();
  // The sender's send-time guard runs as of the planned morning (inside the birthday window).
  runtime.clock.set(new Date(AT));
});

afterAll(async () => {
  sqs?.destroy();
  dynamo?.destroy();
  await runtime?.stop();
});

describe('precis failures', () => {
  it('lists the dead-lettered message: its queue, the queue it came from, the ledger row it names', async () => {
    const list = await runCli(runtime, 'failures', 'list', '--json');
    expect(list.code).toBe(0);
    const { deadLetters } = JSON.parse(list.out) as {
      deadLetters: { queue: string; sourceQueue: string | null; body?: unknown }[];
    };
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]?.queue).toMatch(/SendDeadLetters/);
    expect(deadLetters[0]?.sourceQueue).toMatch(/Send/);
    expect(deadLetters[0]?.body).toMatchObject({ customerId, campaignId: 'birthday', occasion: '2026' });
    const text = await runCli(runtime, 'failures', 'list');
    expect(text.out).toMatch(/^dead letters 1\n {2}\S+ {2}\S*SendDeadLetters\S* \(from \S+\)/);
  });

  it('redrives it: sent once; a second copy dead-lettered and redriven sends nothing (the ledger decides)', async () => {
    const first = await runCli(runtime, 'failures', 'redrive', '--all');
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toMatch(/^redriven 1\n/);
    await runtime.settled();
    expect(await birthdayEmails()).toHaveLength(1);
    expect((await row())?.status).toBe('sent');

    await deadLetter();
    const list = await runCli(runtime, 'failures', 'list', '--json');
    const [copy] = (JSON.parse(list.out) as { deadLetters: { id: string }[] }).deadLetters;
    const second = await runCli(runtime, 'failures', 'redrive', '--id', copy?.id ?? '?', '--json');
    expect(JSON.parse(second.out)).toMatchObject({ redriven: [{ id: copy?.id }] });
    await runtime.settled();
    expect(await birthdayEmails()).toHaveLength(1);
    expect((await row())?.status).toBe('sent');
    expect(JSON.parse((await runCli(runtime, 'failures', 'list', '--json')).out).deadLetters).toEqual([]);
  });

  it('refuses an unknown id or no choice with one line and a non-zero exit', async () => {
    const unknown = await runCli(runtime, 'failures', 'redrive', '--id', 'no-such-message');
    expect(unknown).toMatchObject({ code: 1, out: '' });
    expect(unknown.err).toBe('precis: no dead-lettered message with this id (precis failures list)\n');
    const neither = await runCli(runtime, 'failures', 'redrive');
    expect(neither.err).toBe('precis: give either --id <id> or --all\n');
  });
});
