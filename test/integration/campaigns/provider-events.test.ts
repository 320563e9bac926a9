import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { synthTemplates } from '../../../infra/synth';
import { instantOf } from '../../../lib/domain/zoned-time';
import { ProviderEventSettingsSchema } from '../../../lib/local/provider-events';
import { runCli } from '../../support/cli';
import { signUpThroughApi, startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';
import { grantConsent, readLedger } from '../../support/tables';

// The providers' later events on the local runtime wired from the real templates: every email the
// SES stand-in accepts is delivered, opened and clicked (rates of 1 and delays of 0 here, so the test
// waits for nothing), every text delivered; the events go through the same path as on AWS (the
// configuration set's EventBridge destination → the feedback rule; the SMS configuration set's SNS
// topic), so the campaign report counts them. Then `precis simulate bounce` and `stop`: the bounce
// suppresses Ana's address, and a year later the planner skips her; the STOP puts Dee's number on the
// opt-out list, and her next text is skipped at the sender, the reason on her message history.

const SUITE = `pev${Date.now().toString(36)}`;
const ZONE = 'Pacific/Auckland';
const AT_2026 = new Date(instantOf('2026-06-15T09:30', ZONE) as number).toISOString();
const AT_2027 = new Date(instantOf('2027-06-15T09:30', ZONE) as number).toISOString();
const campaigns = loadConfig(() => undefined, '/nonexistent')
  .campaigns.filter((c) => c.id === 'birthday')
  .map((c) => ({ ...c, holdoutPercent: 0 }));
const local = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const zero = [0, 0];

let runtime: TestRuntime;
let dynamo: DynamoDBClient;
const people = {
  ana: { email: `ana.${SUITE}@example.com`, id: '' },
  ben: { email: `ben.${SUITE}@example.com`, id: '' },
  cai: { email: `cai.${SUITE}@example.com`, id: '' },
  dee: { email: `dee.${SUITE}@example.com`, id: '', phone: '+64211000031' },
};
type Person = keyof typeof people;

const admin = { 'x-api-key': TEST_ADMIN_KEY, 'content-type': 'application/json' };

const plannerRun = async (at: string) => {
  const response = await fetch(`${runtime.url}/planner/runs`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ at }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { due: number; queued: number; skipped: Record<string, number> };
};

const customer = async (person: Person) => {
  const response = await fetch(`${runtime.url}/customers/${people[person].id}`, { headers: admin });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    suppression?: { email?: { reason: string; at: string }; sms?: { reason: string; at: string } };
    messages: { campaignId: string; occasion: string; status: string; reason?: string }[];
  };
};

const signUp = async (person: Person) => {
  people[person].id = await signUpThroughApi(runtime, {
    firstName: person.charAt(0).toUpperCase() + person.slice(1),
    email: people[person].email,
    birthday: '1990-06-15',
    timeZone: ZONE,
    consent: { email: person !== 'dee', sms: false },
  });
  // Ana, Ben and Cai are emailed (confirmed); Dee texted only (a verified number).
  await grantConsent(
    dynamo,
    runtime.tableNames.Customers!,
    people[person].id,
    person === 'dee' ? { phone: people.dee.phone } : { email: true },
  );
};

beforeAll(async () => {
  runtime = await startTestRuntime(synthTemplates({ campaigns }), {
    batchingWindowCapMs: 0,
    providerEvents: ProviderEventSettingsSchema.parse({
      email: { bounce: 0, deliveryDelay: 0, open: 1, click: 1, complaint: 0 },
      sms: { delivered: 1, stop: 0 },
      delays: { delivery: zero, bounce: zero, open: zero, click: zero, smsDelivery: zero },
    }),
  });
  dynamo = new DynamoDBClient({ endpoint: runtime.dynamoEndpoint, ...local });
  for (const person of Object.keys(people) as Person[]) await signUp(person);
  await runtime.settled();
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

describe('provider events on the local runtime', () => {
  it('three birthday emails delivered, opened and clicked, one text delivered: the campaign report counts them', async () => {
    expect(await plannerRun(AT_2026)).toMatchObject({ due: 4, queued: 4 });
    await runtime.settled();
    expect(runtime.providerEvents.waiting).toBe(0);
    for (const person of ['ana', 'ben', 'cai'] as const) {
      const rows = await readLedger(dynamo, runtime.tableNames.Deliveries!, people[person].id);
      expect(rows.find((row) => row.deliveryKey === 'birthday#2026')?.status).toBe('clicked');
    }
    const dee = await readLedger(dynamo, runtime.tableNames.Deliveries!, people.dee.id);
    expect(dee.find((row) => row.deliveryKey === 'birthday#2026')?.status).toBe('delivered');
    const report = await fetch(`${runtime.url}/campaigns/birthday/report?period=all`, { headers: admin });
    expect(report.status).toBe(200);
    const { groups } = (await report.json()) as {
      groups: { treated: { sent: number; delivered: number; opened: number; clicked: number } };
    };
    expect(groups.treated).toMatchObject({ sent: 4, delivered: 4, opened: 3, clicked: 3 });
  });

  it('`precis simulate bounce` suppresses the address, and the customer shows why and since when', async () => {
    const bounce = await runCli(runtime, 'simulate', 'bounce', people.ana.email);
    expect(bounce).toMatchObject({ code: 0, err: '' });
    expect(bounce.out).toMatch(/^Bounce published for email message \S+\n$/);
    await runtime.settled();
    const ana = await customer('ana');
    expect(ana.suppression?.email).toMatchObject({ reason: 'bounce' });
    const shown = await runCli(runtime, 'customer', people.ana.email);
    expect(shown.out).toMatch(/suppressed\s+email: bounce since \d{4}-\d{2}-\d{2}/);
  });

  it('`precis simulate stop` opts the number out: the next text is skipped at the sender, the reason on the history', async () => {
    const stop = await runCli(runtime, 'simulate', 'stop', people.dee.phone, '--json');
    expect(stop.code).toBe(0);
    expect(JSON.parse(stop.out)).toMatchObject({ channel: 'sms', event: 'STOP' });
    // A year later: Ana is suppressed at planning; Dee's text is queued, then skipped by the sender,
    // which asks the opt-out list first; Ben and Cai get their emails.
    const run = await plannerRun(AT_2027);
    expect(run).toMatchObject({ due: 4, queued: 3, skipped: { suppressed: 1 } });
    await runtime.settled();
    const dee = await customer('dee');
    expect(dee.messages.find((m) => m.occasion === '2027')).toMatchObject({
      status: 'skipped',
      reason: 'suppressed',
    });
    expect(dee.suppression?.sms).toBeDefined();
    expect((await customer('ana')).messages.some((m) => m.occasion === '2027')).toBe(false);
    expect((await customer('ben')).messages.find((m) => m.occasion === '2027')?.status).toBe('clicked');
  });

  it('bad injections are refused naming the field, and nothing is published', async () => {
    const unknown = await runCli(runtime, 'simulate', 'bounce', `nobody.${SUITE}@example.com`);
    expect(unknown).toMatchObject({ code: 1, out: '' });
    expect(unknown.err).toBe('precis: no email or text was sent to this address since the runtime started\n');
    const wrong = await runCli(runtime, 'simulate', 'explode', people.ben.email);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/^precis: the event must be one of delivery, delay, bounce/);
    const openText = await fetch(`${runtime.url}/local/provider-events`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ event: 'open', to: people.dee.phone }),
    });
    expect(openText.status).toBe(400);
    expect(await openText.json()).toEqual({
      message: 'event: open is not an event of a text (delivery, bounce, stop)',
    });
    const noTarget = await fetch(`${runtime.url}/local/provider-events`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ event: 'open' }),
    });
    expect(noTarget.status).toBe(400);
    expect(((await noTarget.json()) as { message: string }).message).toMatch(/^to: /);
  });
});
