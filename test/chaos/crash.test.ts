import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../infra/config';
import { synthTemplates } from '../../infra/synth';
import { CONFIRMATION_CAMPAIGN } from '../../lib/domain/campaigns/confirmation';
import { type Delivery, sendRequestOf } from '../../lib/domain/campaigns/delivery';
import { encodeSesTag } from '../../lib/domain/campaigns/ses-tags';
import { instantOf } from '../../lib/domain/zoned-time';
import { REPO_ROOT } from '../../lib/local/runtime';
import { TEST_ADMIN_KEY, TEST_IDENTITY_KEY, uniquePrefix } from '../support/runtime';
import { ChaosRuntime } from './support/chaos-runtime';

// Crashes leave as few people unsent as possible, and never anyone sent twice.
//
// (a) crash: a birthday pass for 200 people on the local runtime, run as a child process that is
//     killed with SIGKILL a dozen times while it sends (after a random 3–25 more sends), then
//     started again on the same tables; each restart's next pass finds what the last one left
//     (rows still `queued`: their queue died with the process; rows `unknown`: the crash fell
//     between the ledger and SES). Then it settles (planner passes past the quiet period, no more
//     crashes), and the SES emulator's store says who got how many birthday emails.
// (b) replay: every stream record again (the stream checkpoints deleted), every ledger row's
//     message on the send queue again, every SES event again.
//
// DynamoDB Local and the SES emulator belong to this process and survive the kills, as DynamoDB and
// SES survive a Lambda crash. SES's events are durable on AWS (EventBridge retries its targets for
// hours); the local stand-in that publishes them dies with the child, so after each restart this
// suite delivers SES's `Email Sent` event again for every email the emulator holds, as AWS would
// deliver the ones in flight (at least once: the feedback rule is idempotent, which (b) checks).
// The first CHAOS_TEXTED of them (default 40) gave SMS consent only: their birthday message is a text
// through the End User Messaging stand-in, which keeps the texts it took in the runtime's data
// folder (they survive the kills, as the provider's do) and, asked after each restart, delivers
// every kept text's TEXT_QUEUED event again through the SNS path (at least once, as SNS would).

const PEOPLE = Number(process.env.CHAOS_PEOPLE ?? 200);
const TEXTED = Math.min(PEOPLE, Number(process.env.CHAOS_TEXTED ?? 40));
const CRASHES = Number(process.env.CHAOS_CRASHES ?? 12);
/** `today`: no retry within the run (the quiet period at its 24-hour maximum), for the figure before. */
const RULE = process.env.CHAOS_RULE === 'today' ? 'today' : 'quiet-period';
const SUITE = `chaos${Date.now().toString(36)}`;
const ZONE = 'Pacific/Auckland';
const AT = new Date(instantOf('2026-06-15T09:30', ZONE) as number).toISOString();
const minutesAfter = (minutes: number) => new Date(Date.parse(AT) + minutes * 60_000).toISOString();
const local = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

const config = loadConfig(() => undefined, '/nonexistent');
const campaigns = config.campaigns
  .filter((c) => c.id === 'birthday')
  .map((c) => ({ ...c, holdoutPercent: 0 }));
const campaignSettings = {
  ...config.campaignSettings,
  ...(RULE === 'today' && { unknownQuietPeriod: { emailMinutes: 1440, smsMinutes: null } }),
};

let runtime: ChaosRuntime;
let dynamo: DynamoDBClient;
const people: { email: string; id: string; phone?: string }[] = Array.from({ length: PEOPLE }, (_, i) => ({
  email: `p${i}.${SUITE}@example.com`,
  id: '',
  // New Zealand mobiles (+64 21 …), one each: texted at 09:30 local, inside SMS quiet hours.
  ...(i < TEXTED && { phone: `+6421${String(1_000_000 + i)}` }),
}));
const idByEmail = new Map<string, string>();

interface PassResult {
  due: number;
  queued: number;
  requeued: number;
  unknown: number;
  retried: number;
}
const figures = {
  rule: RULE,
  people: PEOPLE,
  texted: TEXTED,
  crashes: 0,
  crashesWhileSending: 0,
  passesCut: 0,
  unknownFound: 0,
  retried: 0,
  sendEventsDelivered: 0,
  textEventsDelivered: 0,
  replayedMessages: 0,
  duplicates: 0,
  leftUnsent: 0,
  replayDuplicates: 0,
};

const plannerRun = async (at: string): Promise<PassResult | undefined> => {
  try {
    const response = await fetch(`${runtime.url}/planner/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY },
      body: JSON.stringify({ at }),
    });
    if (response.status !== 200) return undefined;
    return (await response.json()) as PassResult;
  } catch {
    return undefined; // the runtime died under the request
  }
};

interface StoredEmail {
  messageId: string;
  at?: number;
  destination: { to: string[] };
  headers?: { name: string; value: string }[];
}
const campaignOf = (email: StoredEmail) =>
  email.headers?.find((h) => h.name === 'X-Precis-Campaign')?.value ?? '';
const occasionOf = (email: StoredEmail) =>
  email.headers?.find((h) => h.name === 'X-Precis-Occasion')?.value ?? '';

/** This suite's emails in the SES emulator. */
const storedEmails = async (): Promise<StoredEmail[]> => {
  const store = (await (await fetch(`${inject('sesEndpoint')}/store`)).json()) as { emails: StoredEmail[] };
  return store.emails.filter((e) => e.destination.to.some((to) => idByEmail.has(to)));
};

/** This suite's texts in the SMS stand-in (kept across the kills in the runtime's data folder). */
const storedTexts = async () => {
  const emailByPhone = new Map(people.flatMap((p) => (p.phone ? [[p.phone, p.email] as const] : [])));
  const texts = (await (await fetch(`${runtime.localAwsEndpoint}/messages`)).json()) as {
    phoneNumber: string;
    context: Record<string, string>;
  }[];
  return texts.flatMap((text) => {
    const email = emailByPhone.get(text.phoneNumber);
    return email ? [{ email, campaign: text.context.campaign ?? '' }] : [];
  });
};

/** Messages per person and campaign (the confirmation and the birthday: one each at most). */
const countPerPerson = async () => {
  const counts = new Map<string, number>();
  for (const email of await storedEmails()) {
    const key = `${email.destination.to[0]}\u0000${campaignOf(email)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const text of await storedTexts()) {
    const key = `${text.email}\u0000${text.campaign}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const birthdays = people.map((p) => counts.get(`${p.email}\u0000birthday`) ?? 0);
  return {
    duplicates: [...counts.values()].filter((n) => n > 1).reduce((sum, n) => sum + n - 1, 0),
    unsent: birthdays.filter((n) => n === 0).length,
    birthdays: birthdays.reduce((sum, n) => sum + n, 0),
  };
};

/**
 * SES's `Email Sent` event for every birthday email the emulator holds, as SES publishes it (our tags,
 * encoded as SES's alphabet demands): what EventBridge delivers, at least once, whatever crashed.
 */
const deliverSendEvents = async () => {
  const events = new EventBridgeClient({ endpoint: runtime.localAwsEndpoint, ...local });
  try {
    const entries = (await storedEmails())
      .filter((email) => campaignOf(email) === 'birthday')
      .map((email) => {
        const to = email.destination.to[0] as string;
        const tags = {
          campaign: [encodeSesTag('birthday')],
          occasion: [encodeSesTag(occasionOf(email))],
          customer: [encodeSesTag(idByEmail.get(to) as string)],
        };
        const detail = {
          eventType: 'Send',
          mail: {
            messageId: email.messageId,
            timestamp: new Date(email.at ? email.at * 1000 : Date.parse(AT)).toISOString(),
            destination: [to],
            tags,
          },
          send: {},
        };
        return { Source: 'aws.ses', DetailType: 'Email Sent', Detail: JSON.stringify(detail) };
      });
    for (let i = 0; i < entries.length; i += 10) {
      const put = await events.send(new PutEventsCommand({ Entries: entries.slice(i, i + 10) }));
      expect(put.FailedEntryCount ?? 0).toBe(0);
    }
    figures.sendEventsDelivered += entries.length;
  } finally {
    events.destroy();
  }
  const replay = await fetch(`${runtime.localAwsEndpoint}/sms-events/replay`, { method: 'POST' });
  figures.textEventsDelivered += ((await replay.json()) as { replayed: number }).replayed;
  await runtime.settle();
};

const restart = async () => {
  await runtime.start();
  await deliverSendEvents();
};

const forEachLimited = async <T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
};

const seed = async () => {
  await forEachLimited(people, 8, async (person) => {
    const signup = await fetch(`${runtime.url}/signups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        firstName: 'Ana',
        email: person.email,
        birthday: '1990-06-15',
        timeZone: ZONE,
        consent: { email: true, sms: false },
      }),
    });
    expect(signup.status).toBe(202);
    const found = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(person.email)}`, {
      headers: { 'x-api-key': TEST_ADMIN_KEY },
    });
    person.id = ((await found.json()) as { customerId: string }).customerId;
    idByEmail.set(person.email, person.id);
    // Confirmed (the double opt-in's link clicked): the birthday email may go. Or, for the texted
    // ones, a verified number with SMS consent and no email consent: the birthday text may go.
    const consent = (status: string) => ({
      M: { status: { S: status }, updatedAt: { S: '2026-01-01T00:00:00.000Z' }, source: { S: 'test' } },
    });
    await dynamo.send(
      new UpdateItemCommand({
        TableName: runtime.tableNames.Customers,
        Key: { customerId: { S: person.id } },
        ...(person.phone
          ? {
              UpdateExpression: 'SET phone = :p, consent.sms = :c',
              ExpressionAttributeValues: { ':p': { S: person.phone }, ':c': consent('opted_in') },
            }
          : {
              UpdateExpression: 'SET consent.email = :c',
              ExpressionAttributeValues: { ':c': consent('confirmed') },
            }),
      }),
    );
  });
  await runtime.settle();
};

const ledgerRows = async () => {
  const rows: Record<string, unknown>[] = [];
  let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: runtime.tableNames.Deliveries,
        ConsistentRead: true,
        ...(start && { ExclusiveStartKey: start }),
      }),
    );
    rows.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    start = page.LastEvaluatedKey;
  } while (start);
  return rows;
};

/** Birthday rows the sender has taken to the provider so far (`unknown` or later). */
const birthdaysTaken = async (): Promise<number> => {
  let count = 0;
  let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: runtime.tableNames.Deliveries,
        Select: 'COUNT',
        FilterExpression: 'deliveryKey = :k AND #s IN (:unknown, :sent)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':k': { S: 'birthday#2026' },
          ':unknown': { S: 'unknown' },
          ':sent': { S: 'sent' },
        },
        ...(start && { ExclusiveStartKey: start }),
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
};

/** A deterministic sequence in [0, 1) (mulberry32), so a run's crash moments can be told apart only by timing. */
const random = (() => {
  let state = 0x2f6b3a1d;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
})();

beforeAll(async () => {
  dynamo = new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), ...local });
  runtime = new ChaosRuntime({
    // Texts paced at 10 a second (a short code's order), so they keep up with the emails.
    templates: synthTemplates({
      campaigns,
      campaignSettings,
      sendRates: { ...config.sendRates, sms: { default: 10 } },
    }),
    dynamoEndpoint: inject('dynamoEndpoint'),
    sesEndpoint: inject('sesEndpoint'),
    tablePrefix: uniquePrefix(),
    adminKey: TEST_ADMIN_KEY,
    secrets: { IdentityKey: TEST_IDENTITY_KEY },
  });
  await runtime.start();
  await seed();
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
  const line = (label: string, value: string | number) => `  ${label.padEnd(44)} ${value}`;
  const printout = [
    '',
    `chaos: crash and replay (${figures.rule === 'today' ? 'no retry: the rule before' : 'Send events + 15-minute quiet period'})`,
    line('people due (birthday pass)', figures.people),
    line('  of them texted (SMS consent only)', figures.texted),
    line('kill -9 of the runtime', figures.crashes),
    line('  of them while the pass was sending', figures.crashesWhileSending),
    line('rows found unknown inside the quiet period', figures.unknownFound),
    line('rows retried past the quiet period', figures.retried),
    line('SES Send events delivered (at least once)', figures.sendEventsDelivered),
    line('SMS TEXT_QUEUED events delivered (again)', figures.textEventsDelivered),
    line('queue messages redelivered (replay)', figures.replayedMessages),
    line('duplicates after the crashes', figures.duplicates),
    line('duplicates after the replay', figures.replayDuplicates),
    line(
      'due people left unsent',
      `${figures.leftUnsent} (${((100 * figures.leftUnsent) / PEOPLE).toFixed(1)}%)`,
    ),
    '',
  ].join('\n');
  process.stdout.write(printout);
  mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, 'test-results', `chaos-crash-${figures.rule}.json`),
    `${JSON.stringify(figures, null, 2)}\n`,
  );
});

describe(`a birthday pass for ${PEOPLE} people through ${CRASHES} crashes of the runtime`, () => {
  it('sends nobody two birthday messages (emails or texts) and leaves at most 1% of them unsent', async () => {
    for (let i = 0; i < CRASHES; i++) {
      // Passes two minutes apart (as the clock moves on between restarts): later ones find rows
      // earlier crashes left, and past the quiet period, retry them (and may be cut short again).
      // Killed while it sends: once a random 3–25 more rows have reached the provider (or the
      // pass ended first: then between passes).
      let answered = false;
      const pass = plannerRun(minutesAfter(2 * i)).finally(() => {
        answered = true;
      });
      const target = (await birthdaysTaken()) + 3 + Math.floor(random() * 23);
      const deadline = Date.now() + 60_000;
      while (!answered && Date.now() < deadline && (await birthdaysTaken()) < target) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (!answered) figures.crashesWhileSending++;
      await runtime.kill();
      figures.crashes++;
      const result = await pass;
      if (result) {
        figures.unknownFound += result.unknown;
        figures.retried += result.retried;
      } else figures.passesCut++;
      await restart();
    }
    // Settling: passes past the quiet period of every row the crashes left, then one more.
    for (const minutes of [45, 65, 85]) {
      const result = await plannerRun(minutesAfter(minutes));
      expect(result).toBeDefined();
      figures.unknownFound += result?.unknown ?? 0;
      figures.retried += result?.retried ?? 0;
      await deliverSendEvents();
    }
    const counted = await countPerPerson();
    figures.duplicates = counted.duplicates;
    figures.leftUnsent = counted.unsent;
    expect(counted.duplicates).toBe(0);
    if (RULE === 'quiet-period') expect(counted.unsent).toBeLessThanOrEqual(Math.floor(PEOPLE / 100));
  });

  it('replayed stream records, queue messages, SES and SMS events send nothing more', async () => {
    await runtime.kill();
    // Every stream record from the start of each stream, on the next start.
    try {
      unlinkSync(runtime.checkpointsFile);
    } catch {
      // no checkpoint written yet: the streams replay from the start anyway
    }
    await restart();
    const rows = await ledgerRows();
    const sqs = new SQSClient({ endpoint: runtime.localAwsEndpoint, ...local });
    try {
      const queues = (await (await fetch(`${runtime.localAwsEndpoint}/queues`)).json()) as {
        name: string;
        url: string;
      }[];
      const sendQueue = queues.find((q) => /SendQueue/.test(q.name) && !/Dead|Dlq|Failure/i.test(q.name));
      expect(sendQueue).toBeDefined();
      const ours = rows.filter((row) => [...idByEmail.values()].includes(row.customerId as string));
      const requests = ours.map((row) => sendRequestOf(row as Delivery));
      for (let i = 0; i < requests.length; i += 10) {
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: sendQueue?.url,
            Entries: requests.slice(i, i + 10).map((request, n) => ({
              Id: String(n),
              MessageBody: JSON.stringify(request),
            })),
          }),
        );
      }
      figures.replayedMessages += requests.length;
      expect(requests.filter((r) => r.campaignId === CONFIRMATION_CAMPAIGN).length).toBeGreaterThan(0);
    } finally {
      sqs.destroy();
    }
    await runtime.settle();
    await deliverSendEvents();
    await plannerRun(minutesAfter(95));
    const counted = await countPerPerson();
    figures.replayDuplicates = counted.duplicates;
    expect(counted.duplicates).toBe(0);
  });
});
