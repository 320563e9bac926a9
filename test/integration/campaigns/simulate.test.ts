import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { synthTemplates } from '../../../infra/synth';
import type { OutboxEntry, Simulation } from '../../../lib/cli/commands/campaigns';
import { isScheduledTrigger } from '../../../lib/domain/campaigns/campaign';
import type { FiredOccurrence } from '../../../lib/local/scheduler';
import { runCli } from '../../support/cli';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';
import { readLedger } from '../../support/tables';

// `precis simulate` on the local runtime wired from the synthesized templates: the simulated clock
// (POST /local/clock) fires the template's own schedules — the hourly campaign planner and the
// nightly model refit — hour by hour, each as of its scheduled time, and the runtime settles after
// each, so two simulated days send what two real days would, and a second run of the span nothing.

const SUITE = `sim${Date.now().toString(36)}`;
const address = (name: string) => `${name}.${SUITE}@example.com`;
const config = loadConfig(() => undefined, '/nonexistent');
const campaigns = config.campaigns
  .filter((c) => isScheduledTrigger(c.trigger))
  .map((c) => ({ ...c, holdoutPercent: 0 }));

/** Two days from midnight UTC on 14 June 2026; ana's birthday (15 June, London) is on day 2. */
const FROM = '2026-06-14T00:00:00.000Z';
const hours = (n: number) => new Date(Date.parse(FROM) + n * 3_600_000).toISOString();

let runtime: TestRuntime;
let dynamo: DynamoDBClient;
const ids: Record<string, string> = {};

async function signup(name: string, birthday: string): Promise<string> {
  const response = await fetch(`${runtime.url}/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      firstName: name,
      email: address(name),
      birthday,
      timeZone: 'Europe/London',
      consent: { email: true, sms: false },
      locale: 'en-GB',
    }),
  });
  expect(response.status).toBe(202);
  const found = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(address(name))}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  return ((await found.json()) as { customerId: string }).customerId;
}

/** Confirms the email consent straight on the item (the double opt-in is lifecycle.test.ts's). */
async function confirm(customerId: string): Promise<void> {
  const confirmed = { status: 'confirmed', updatedAt: '2026-01-01T00:00:00.000Z', source: 'test' };
  await dynamo.send(
    new UpdateItemCommand({
      TableName: runtime.tableNames.Customers!,
      Key: { customerId: { S: customerId } },
      UpdateExpression: 'SET consent.email = :email',
      ExpressionAttributeValues: marshall({ ':email': confirmed }),
    }),
  );
}

/** Runs the CLI against the runtime, capturing what it prints. */
const cli = (...argv: string[]) => runCli(runtime, ...argv);

/** This suite's campaign messages (the SES emulator is shared by the whole test run). */
async function outbox(): Promise<OutboxEntry[]> {
  const result = await cli('outbox', '--json');
  expect(result.code).toBe(0);
  return (JSON.parse(result.out) as OutboxEntry[]).filter(
    (e) => e.to.includes(SUITE) && e.campaign !== 'confirmation',
  );
}

beforeAll(async () => {
  runtime = await startTestRuntime(synthTemplates({ campaigns }), { batchingWindowCapMs: 0 });
  dynamo = new DynamoDBClient({
    endpoint: runtime.dynamoEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  ids.ana = await signup('ana', '1990-06-15');
  ids.ben = await signup('ben', '1988-06-16'); // the day after the span
  for (const id of Object.values(ids)) await confirm(id);
  await runtime.settled();
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

describe('precis simulate --days 2', () => {
  it('runs 48 planner passes and 2 nightly refits as of the simulated days; the day-2 birthday gets one email', async () => {
    const result = await cli('simulate', '--days', '2', '--from', FROM, '--json');
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const total = JSON.parse(result.out) as Simulation;
    expect(total).toMatchObject({
      from: FROM,
      to: hours(48),
      passes: 48,
      queued: 1,
      heldOut: 0,
      unknown: 0,
      failed: [],
    });
    expect(total.refits).toEqual([
      expect.objectContaining({ at: hours(3), asOfDay: '2026-06-14' }),
      expect.objectContaining({ at: hours(27), asOfDay: '2026-06-15' }),
    ]);
    const mail = await outbox();
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({
      to: address('ana'),
      campaign: 'birthday',
      occasion: '2026',
      subject: 'Happy birthday, ana!',
    });
    // Claimed by the first pass in her 09:00–11:00 window: 09:00 BST is 08:00 UTC on day 2.
    expect(
      (await readLedger(dynamo, runtime.tableNames.Deliveries!, ids.ana!)).filter(
        (row) => row.campaignId === 'birthday',
      ),
    ).toEqual([
      expect.objectContaining({ deliveryKey: 'birthday#2026', status: 'sent', plannedAt: hours(32) }),
    ]);
    expect(runtime.failures()).toEqual([]);
  });

  it('fires the same span again in order, each pass as of its hour, and sends nothing more', async () => {
    const response = await fetch(`${runtime.url}/local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY },
      body: JSON.stringify({ from: FROM, to: hours(48) }),
    });
    expect(response.status).toBe(200);
    const { fired } = (await response.json()) as { fired: FiredOccurrence[] };
    const result = (f: FiredOccurrence) =>
      (f.outcome.status === 'succeeded' ? f.outcome.result : undefined) as Record<string, unknown>;
    const passes = fired.filter((f) => result(f)?.due !== undefined);
    const refits = fired.filter((f) => result(f)?.asOfDay !== undefined);
    expect(passes.map((f) => result(f).at)).toEqual(Array.from({ length: 48 }, (_, i) => hours(i)));
    expect(refits.map((f) => [f.at, result(f).asOfDay])).toEqual([
      [hours(3), '2026-06-14'],
      [hours(27), '2026-06-15'],
    ]);
    expect(fired).toHaveLength(50);
    expect(fired.map((f) => f.at)).toEqual(fired.map((f) => f.at).sort());
    expect(passes.reduce((n, f) => n + (result(f).queued as number), 0)).toBe(0);
    expect(passes.find((f) => f.at === hours(32))?.outcome).toMatchObject({
      result: { due: 1, queued: 0, skipped: { already_claimed: 1 } },
    });
    expect(await outbox()).toHaveLength(1);
  });
});
