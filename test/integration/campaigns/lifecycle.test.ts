import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { synthTemplates } from '../../../infra/synth';
import { addDays } from '../../../lib/domain/calendar';
import { encodeSesTag } from '../../../lib/domain/campaigns/ses-tags';
import type { Customer } from '../../../lib/domain/customer';
import { instantOf, localDate } from '../../../lib/domain/zoned-time';
import { campaignTexts, codeIn, codeTexts, verifyPhone, verifyTokenOf } from '../../support/phone';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';
import { readLedger, readProfile } from '../../support/tables';

// The life of a subscription on the local runtime, wired from the synthesized templates: a signup
// → the Customers stream queues the double opt-in email → the sender → the SES v2 emulator; the
// link in it confirms the address (GET /confirm) → the welcome email; the unsubscribe link in that
// email (POST, RFC 8058 one-click) → unsubscribed → the planner skips the person with the reason.
// Feedback: an SES bounce event on the local default bus → the ledger row `bounced`, the address
// suppressed, the planner skips; a number that replied STOP is never texted and SMS is suppressed.

const SUITE = `life${Date.now().toString(36)}`;
const address = (name: string) => `${name}.${SUITE}@example.com`;
const config = loadConfig(() => undefined, '/nonexistent');
// The welcome goes at any hour here (its shipped window is 08:00–21:00 local, which the real clock
// may be outside of); the win-back keeps its 09:00–11:00 window, and the people it is tested on live
// in a zone chosen for the hour the test runs (see zoneAt).
const campaigns = config.campaigns.map((c) => ({
  ...c,
  holdoutPercent: 0,
  ...(c.id === 'welcome' && { sendWindow: { start: '00:00', end: '24:00' } }),
}));

/** A fixed-offset zone whose local hour is `hour` right now (Etc/GMT-N is UTC+N). */
function zoneAt(hour: number): string {
  let offset = hour - new Date().getUTCHours();
  if (offset < -12) offset += 24;
  if (offset > 14) offset -= 24;
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

let runtime: TestRuntime;
let dynamo: DynamoDBClient;

interface StoredEmail {
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
  headers?: { name: string; value: string }[];
}

/** This suite's emails to one person in the SES emulator (shared by the whole test run), oldest first. */
async function mailTo(name: string): Promise<StoredEmail[]> {
  const store = (await (await fetch(`${runtime.sesEndpoint}/store`)).json()) as { emails: StoredEmail[] };
  return store.emails.filter((e) => e.destination.to.includes(address(name)));
}

/** A link from an email, pointed at this runtime (the configured public base URL is the default port). */
const local = (link: string): string => {
  const url = new URL(link);
  return `${runtime.url}${url.pathname}${url.search}`;
};
const linkIn = (text: string, path: string): string => {
  const found = new RegExp(`https?://[^\\s>]+${path}\\?token=[\\w.-]+`).exec(text)?.[0];
  if (!found) throw new Error(`no ${path} link in the email`);
  return local(found);
};

/** Posts a signup; the answer's body (with the phone verification token when texts were asked for). */
async function signup(name: string, extra: Record<string, unknown> = {}): Promise<unknown> {
  const response = await fetch(`${runtime.url}/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      firstName: name,
      email: address(name),
      consent: { email: true, sms: false },
      ...extra,
    }),
  });
  expect(response.status).toBe(202);
  return response.json();
}

async function customerId(name: string): Promise<string> {
  const found = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(address(name))}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  return ((await found.json()) as { customerId: string }).customerId;
}

const profile = (customerId: string): Promise<Customer> =>
  readProfile(dynamo, runtime.tableNames.Customers!, customerId);

const ledger = (customerId: string): Promise<Record<string, unknown>[]> =>
  readLedger(dynamo, runtime.tableNames.Deliveries!, customerId);

async function planner(
  at: string,
): Promise<{ due: number; queued: number; skipped: Record<string, number> }> {
  const response = await fetch(`${runtime.url}/planner/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY },
    body: JSON.stringify({ at }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as never;
}

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

describe('double opt-in', () => {
  it('a signup gets one confirmation email whose link confirms the address; a repeat signup within 24 h gets none', async () => {
    await signup('ana', { birthday: '1990-06-15', timeZone: 'Europe/London' });
    await runtime.settled();
    await signup('ana', { birthday: '1990-06-15', timeZone: 'Europe/London' });
    await runtime.settled();
    const mail = await mailTo('ana');
    expect(mail.map((m) => m.subject)).toEqual(['Please confirm your email address for Precis']);
    expect(mail[0]!.body.text).toContain('Hi ana,');
    const id = await customerId('ana');
    const pending = await profile(id);
    expect(pending.consent.email).toMatchObject({
      status: 'pending',
      confirmationSentAt: expect.any(String),
    });

    const page = await fetch(linkIn(mail[0]!.body.text ?? '', '/confirm'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('Your email address is confirmed');
    expect((await profile(id)).consent.email).toMatchObject({ status: 'confirmed', source: 'confirmation' });
  });

  it('a tampered confirmation link gets a 400 page that names nobody', async () => {
    const [mail] = await mailTo('ana');
    const link = `${linkIn(mail!.body.text ?? '', '/confirm').slice(0, -3)}abc`;
    const page = await fetch(link);
    expect(page.status).toBe(400);
    expect(await page.text()).not.toContain('ana');
  });

  it('the confirmation triggers the welcome email, once', async () => {
    await runtime.settled();
    const mail = await mailTo('ana');
    expect(mail.map((m) => m.subject)).toEqual([
      'Please confirm your email address for Precis',
      'Welcome to Precis, ana',
    ]);
    const rows = await ledger(await customerId('ana'));
    expect(rows.map((r) => [String(r.deliveryKey).split('#')[0], r.status]).sort()).toEqual([
      ['confirmation', 'sent'],
      ['welcome', 'sent'],
    ]);
  });
});

describe('one-click unsubscribe', () => {
  it('the unsubscribe link of a campaign email shows a page, and a POST with List-Unsubscribe=One-Click unsubscribes', async () => {
    const welcome = (await mailTo('ana')).find((m) => m.subject.startsWith('Welcome'))!;
    const header = welcome.headers?.find((h) => h.name === 'List-Unsubscribe')?.value ?? '';
    const link = local(header.slice(1, -1));
    expect(link).toBe(linkIn(welcome.body.text ?? '', '/unsubscribe'));
    const shown = await fetch(link);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('<button type="submit">Unsubscribe</button>');
    const id = await customerId('ana');
    expect((await profile(id)).consent.email.status).toBe('confirmed');

    const posted = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(posted.status).toBe(200);
    expect((await profile(id)).consent.email).toMatchObject({
      status: 'unsubscribed',
      source: 'unsubscribe-link',
    });
  });

  it('the planner then skips the person on their birthday, saying why', async () => {
    const run = await planner(londonNine());
    expect(run.skipped.unsubscribed).toBe(1);
    expect(run.queued).toBe(0);
    expect((await mailTo('ana')).filter((m) => m.subject.includes('birthday'))).toEqual([]);
  });
});

const londonNine = () => new Date(instantOf('2026-06-15T09:00', 'Europe/London') as number).toISOString();

describe('SES feedback', () => {
  let bo: string;

  it('a hard bounce of the welcome email marks its ledger row bounced and suppresses the address', async () => {
    await signup('bo', { birthday: '1991-06-15', timeZone: 'Europe/London' });
    await runtime.settled();
    const [confirmation] = await mailTo('bo');
    expect((await fetch(linkIn(confirmation!.body.text ?? '', '/confirm'))).status).toBe(200);
    await runtime.settled();
    bo = await customerId('bo');
    const welcome = (await ledger(bo)).find((r) => r.campaignId === 'welcome');
    expect(welcome).toMatchObject({ status: 'sent', providerMessageId: expect.any(String) });

    const events = new EventBridgeClient({
      endpoint: runtime.localAwsEndpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const detail = {
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: address('bo'), action: 'failed', status: '5.1.1' }],
        timestamp: new Date().toISOString(),
        feedbackId: 'local-feedback',
      },
      mail: {
        timestamp: new Date().toISOString(),
        source: 'hello@example.com',
        messageId: welcome!.providerMessageId,
        destination: [address('bo')],
        // As SES publishes them: in its tag alphabet, as the sender encoded them.
        tags: {
          'ses:configuration-set': ['precis-campaigns'],
          campaign: [encodeSesTag('welcome')],
          occasion: [encodeSesTag('once')],
          customer: [encodeSesTag(bo)],
        },
      },
    };
    const out = await events.send(
      new PutEventsCommand({
        Entries: [{ Source: 'aws.ses', DetailType: 'Email Bounced', Detail: JSON.stringify(detail) }],
      }),
    );
    events.destroy();
    expect(out.FailedEntryCount).toBe(0);
    await runtime.settled();
    expect((await ledger(bo)).find((r) => r.campaignId === 'welcome')).toMatchObject({
      status: 'bounced',
      reason: 'Permanent/General',
    });
    expect((await profile(bo)).suppression?.email).toMatchObject({ reason: 'bounce' });
    expect(runtime.failures()).toEqual([]);
  });

  it('a number that replied STOP is not texted, SMS is suppressed, and the planner skips both, saying why', async () => {
    const phone = '+447911123456';
    const answer = await signup('sam', {
      phone,
      birthday: '1992-06-15',
      timeZone: 'Europe/London',
      consent: { email: false, sms: true },
    });
    // Verified first (the code texted to the number, typed back), so texts are on before the STOP.
    await verifyPhone(runtime, verifyTokenOf(answer), phone);
    const optOut = await fetch(`${runtime.localAwsEndpoint}/opt-out`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phoneNumber: phone }),
    });
    expect(optOut.status).toBe(200);

    const first = await planner(londonNine());
    // ana unsubscribed, bo bounced; sam is queued, and the sender finds the number opted out.
    expect(first).toMatchObject({ due: 3, queued: 1, skipped: { unsubscribed: 1, suppressed: 1 } });
    expect(campaignTexts(runtime, phone)).toEqual([]);
    const samId = await customerId('sam');
    expect((await ledger(samId)).find((r) => r.campaignId === 'birthday')).toMatchObject({
      status: 'skipped',
      reason: 'suppressed',
    });
    expect((await profile(samId)).suppression?.sms).toMatchObject({ reason: 'carrier_opt_out' });
  });
});

describe('phone verification before any text', () => {
  it('a signup with texts gets a code text; no campaign text until the code is typed back, then one', async () => {
    const phone = '+447911123458';
    const answer = await signup('vera', {
      phone,
      birthday: '1993-06-15',
      timeZone: 'Europe/London',
      consent: { email: false, sms: true },
    });
    await runtime.settled();
    expect(codeTexts(runtime, phone)).toHaveLength(1);
    const vera = await customerId('vera');
    expect((await profile(vera)).consent.sms.status).toBe('pending');
    expect((await ledger(vera)).find((r) => r.campaignId === 'phone-verification')).toMatchObject({
      status: 'sent',
      channel: 'sms',
    });
    // Unverified: the planner passes her over, saying why; nothing is texted but the code.
    const before = await planner(londonNine());
    expect(before.skipped.phone_unverified).toBe(1);
    expect(campaignTexts(runtime, phone)).toEqual([]);
    expect((await ledger(vera)).find((r) => r.campaignId === 'birthday')).toBeUndefined();

    // A wrong code is refused, naming nothing; the right one verifies the number.
    const wrong = await fetch(`${runtime.url}/verify-phone`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: verifyTokenOf(answer),
        code: '000000' === codeIn(codeTexts(runtime, phone)[0]!) ? '111111' : '000000',
      }),
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'code_not_accepted' });
    await verifyPhone(runtime, verifyTokenOf(answer), phone);
    expect((await profile(vera)).consent.sms).toMatchObject({
      status: 'opted_in',
      source: 'phone-verification',
    });

    await planner(londonNine());
    const texts = campaignTexts(runtime, phone);
    expect(texts).toHaveLength(1);
    expect(texts[0]?.message).toMatch(/^Happy birthday vera/);
    expect((await ledger(vera)).find((r) => r.campaignId === 'birthday')).toMatchObject({ status: 'sent' });
  });
});

describe('suppression outlives erasure', () => {
  async function eraseAndSignUpAgain(name: string, extra: Record<string, unknown>): Promise<Customer> {
    const before = await customerId(name);
    const erased = await fetch(`${runtime.url}/customers/${before}`, {
      method: 'DELETE',
      headers: { 'x-api-key': TEST_ADMIN_KEY },
    });
    expect(erased.status).toBeLessThan(300);
    await runtime.settled();
    await signup(name, extra);
    await runtime.settled();
    const after = await customerId(name);
    expect(after).not.toBe(before); // a new customer with new consent…
    return profile(after);
  }

  it('a bounced address, erased and signed up again, is still suppressed: no confirmation email, skipped by the planner', async () => {
    const mailBefore = (await mailTo('bo')).length;
    const again = await eraseAndSignUpAgain('bo', { birthday: '1991-06-15', timeZone: 'Europe/London' });
    expect(again.suppression?.email).toMatchObject({ reason: 'bounce' }); // …but not a clean slate
    expect(await mailTo('bo')).toHaveLength(mailBefore);
    expect((await ledger(again.customerId)).find((r) => r.campaignId === 'confirmation')).toMatchObject({
      status: 'skipped',
      reason: 'suppressed',
    });
  });

  it('a number that replied STOP, erased and signed up again, is still suppressed for SMS', async () => {
    const again = await eraseAndSignUpAgain('sam', {
      phone: '+447911123456',
      birthday: '1992-06-15',
      timeZone: 'Europe/London',
      consent: { email: false, sms: true },
    });
    expect(again.suppression?.sms).toMatchObject({ reason: 'carrier_opt_out' });
  });
});

describe('event-driven triggers', () => {
  const bus = () =>
    new EventBridgeClient({
      endpoint: runtime.localAwsEndpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

  async function confirmedCustomer(name: string, extra: Record<string, unknown> = {}): Promise<string> {
    await signup(name, { timeZone: 'Europe/London', ...extra });
    await runtime.settled();
    const [confirmation] = await mailTo(name);
    expect((await fetch(linkIn(confirmation!.body.text ?? '', '/confirm'))).status).toBe(200);
    await runtime.settled();
    return customerId(name);
  }

  it('win-back: entering lifecycle at_risk (SegmentEntered on the app bus) sends one email with the offer, however often the event comes', async () => {
    // 09:xx local now: inside the win-back's window for at least an hour.
    const id = await confirmedCustomer('wanda', { timeZone: zoneAt(9) });
    // At risk for real (the send-time guard checks it when the email leaves): one order 100 days
    // ago and none since. Scoring those old orders is a historical change, which sends nothing.
    const order = await fetch(`${runtime.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY },
      body: JSON.stringify({
        orderId: `${SUITE}-wanda-1`,
        customer: { email: address('wanda') },
        orderedAt: new Date(Date.now() - 100 * 86_400_000).toISOString(),
        totalAmount: 30,
        currency: 'GBP',
        lineItems: [{ sku: 'TOY-1', category: 'toys', quantity: 1, unitPrice: 30 }],
      }),
    });
    expect(order.status).toBe(202);
    await runtime.settled();
    const events = bus();
    const entered = (eventId: string) => ({
      Source: 'precis',
      DetailType: 'SegmentEntered',
      EventBusName: 'precis',
      Detail: JSON.stringify({
        version: 1,
        customerId: id,
        kind: 'lifecycle',
        segment: 'at_risk',
        at: new Date().toISOString(),
        eventId,
      }),
    });
    for (const eventId of ['a', 'b', 'c']) {
      await events.send(new PutEventsCommand({ Entries: [entered(eventId)] }));
      await runtime.settled();
    }
    events.destroy();
    const winBack = (await mailTo('wanda')).filter((m) => m.subject === 'We miss you, wanda');
    expect(winBack).toHaveLength(1);
    expect(winBack[0]!.body.text).toContain('COMEBACK15');
    expect((await ledger(id)).filter((r) => r.campaignId === 'win-back')).toEqual([
      expect.objectContaining({
        deliveryKey: `win-back#${new Date().toISOString().slice(0, 10)}`,
        status: 'sent',
      }),
    ]);
  });

  it('post-purchase survey: an order sets the last-order date; 7 days later in the send window the survey goes out, once; its score link records the answer for the order', async () => {
    const id = await confirmedCustomer('olga');
    const orderedAt = new Date(Date.now() - 86_400_000).toISOString();
    const order = await fetch(`${runtime.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY },
      body: JSON.stringify({
        orderId: `${SUITE}-olga-1`,
        customer: { email: address('olga') },
        orderedAt,
        totalAmount: 30,
        currency: 'GBP',
        lineItems: [{ sku: 'TOY-1', category: 'toys', quantity: 1, unitPrice: 30 }],
      }),
    });
    expect(order.status).toBe(202);
    await runtime.settled();
    const olga = (
      await dynamo.send(
        new GetItemCommand({
          TableName: runtime.tableNames.Customers!,
          Key: { customerId: { S: id } },
          ConsistentRead: true,
        }),
      )
    ).Item!;
    const orderDay = localDate(Date.parse(orderedAt), 'Europe/London') as string;
    expect(unmarshall(olga)).toMatchObject({ lastOrderKey: orderDay, lastOrderOffset: expect.any(Number) });

    const surveyDay = addDays(orderDay, 7);
    const at = (time: string) =>
      new Date(instantOf(`${surveyDay}T${time}`, 'Europe/London') as number).toISOString();
    const early = await planner(at('08:00'));
    expect(early.queued).toBe(0);
    const nine = await planner(at('09:00'));
    expect(nine.queued).toBeGreaterThanOrEqual(1);
    await planner(at('10:00'));
    const surveys = (await mailTo('olga')).filter((m) => m.subject === 'How did we do, olga?');
    expect(surveys).toHaveLength(1);
    expect((await ledger(id)).filter((r) => r.campaignId === 'survey')).toEqual([
      expect.objectContaining({ deliveryKey: `survey#${orderDay}`, status: 'sent' }),
    ]);

    // Olga clicks "4" in the email: the page opens with 4 chosen and records nothing yet.
    const text = surveys[0]!.body.text ?? '';
    const four = /^4: (\S+)$/m.exec(text)?.[1];
    expect(four).toMatch(/\/survey\?token=/);
    expect(surveys[0]!.body.html).toContain('>Add a comment</a>');
    const opened = await fetch(local(four as string));
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('value="4" checked');
    await runtime.settled();
    expect((await profile(id)).satisfaction).toBeUndefined();
    // She sends it with a comment: recorded for the order, once (sending again is the same answer);
    // the profile's satisfaction follows from the Surveys stream.
    const token = new URL(four as string).searchParams.get('token') as string;
    const answer = () =>
      fetch(`${runtime.url}/survey`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, score: '4', comment: 'Quick delivery' }).toString(),
      });
    const sent = await answer();
    expect(sent.status).toBe(200);
    expect(await sent.text()).toContain('Thank you for your answer');
    expect((await answer()).status).toBe(200);
    await runtime.settled();
    const answered = await profile(id);
    expect(answered.satisfaction).toMatchObject({ latest: 4, mean: 4, count: 1 });
    // The matrix cell needs the refit's volume terciles (3 buyers at least), which this suite's few
    // buyers do not give: placeInMatrix on this satisfaction is checked in survey-links.test.ts.
    const exported = (await (
      await fetch(`${runtime.url}/customers/${id}/export`, { headers: { 'x-api-key': TEST_ADMIN_KEY } })
    ).json()) as { surveys: Record<string, unknown>[] };
    expect(exported.surveys).toEqual([
      expect.objectContaining({
        surveyId: `order:${SUITE}-olga-1`,
        orderId: `${SUITE}-olga-1`,
        score: 4,
        comment: 'Quick delivery',
      }),
    ]);
  });

  it('win-back outside the send window (15:xx local): claimed now, held until 09:00 local tomorrow, nothing sent yet', async () => {
    const timeZone = zoneAt(15);
    const id = await confirmedCustomer('walt', { timeZone });
    const events = bus();
    const at = new Date().toISOString();
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
              at,
              eventId: 'walt',
            }),
          },
        ],
      }),
    );
    events.destroy();
    // No settled() from here on: the held message sits delayed on the send queue.
    const nextDay = addDays(localDate(Date.parse(at), timeZone) as string, 1);
    const nine = new Date(instantOf(`${nextDay}T09:00`, timeZone) as number).toISOString();
    let row: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !row; i++) {
      row = (await ledger(id)).find((r) => r.campaignId === 'win-back');
      if (!row) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(row).toMatchObject({ status: 'queued', notBefore: nine });
    expect((await mailTo('walt')).filter((m) => m.subject.startsWith('We miss you'))).toEqual([]);
  });
});
