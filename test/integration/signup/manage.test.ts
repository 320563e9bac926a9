import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthTemplates } from '../../../infra/synth';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';

// What a person sees from outside, on the local runtime with the real templates: the links in
// their emails and the thank-you page point at the API this runtime actually serves (a random
// port here, never the default 3000), a stranger re-posting their address changes none of their
// details, and the signed manage-details page is the only way to change them.

let runtime: TestRuntime;

const postSignup = (body: Record<string, unknown>) =>
  fetch(`${runtime.url}/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

interface StoredEmail {
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
}

/** The emails the SES emulator holds for one address (the emulator is shared by the test run). */
async function mailTo(address: string): Promise<StoredEmail[]> {
  const store = (await (await fetch(`${runtime.sesEndpoint}/store`)).json()) as { emails: StoredEmail[] };
  return store.emails.filter((email) => email.destination.to.includes(address));
}

const linkIn = (email: StoredEmail | undefined, path: string): string | undefined =>
  email?.body.text?.match(new RegExp(`https?://[^\\s"]+${path}\\?token=[\\w.-]+`))?.[0];

async function customer(email: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(email)}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  runtime = await startTestRuntime(synthTemplates());
});

afterAll(async () => {
  await runtime?.stop();
});

describe('links and pages on a runtime listening on a non-default port', () => {
  it('serves the default thank-you page a plain HTML form is redirected to', async () => {
    expect(new URL(runtime.url).port).not.toBe('3000');
    const response = await fetch(`${runtime.url}/signups`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'firstName=Dee&email=dee%40example.com&consent.email=on',
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    const location = response.headers.get('location');
    expect(location).toBe(`${runtime.url}/thanks`);
    const page = await fetch(location as string);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Thank you for signing up');
  });

  it('puts this runtime’s URL in the confirmation link, and the link works', async () => {
    await postSignup({
      firstName: 'Eve',
      email: 'eve.links@example.com',
      consent: { email: true, sms: false },
    });
    await runtime.settled();
    const [confirmation] = await mailTo('eve.links@example.com');
    const link = linkIn(confirmation, '/confirm');
    expect(link?.startsWith(`${runtime.url}/confirm?token=`)).toBe(true);
    const page = await fetch(link as string);
    expect(page.status).toBe(200);
    await runtime.settled();
    expect(await customer('eve.links@example.com')).toMatchObject({
      consent: { email: { status: 'confirmed' } },
    });
  });
});

describe('a stranger posting the signup form with a known address', () => {
  const owner = {
    firstName: 'Marie',
    email: 'marie.integrity@example.com',
    birthday: '1990-11-07',
    timeZone: 'Europe/Paris',
    locale: 'fr-FR',
    consent: { email: true, sms: false },
  };

  it('gets the answer a new address gets, and changes none of the owner’s details', async () => {
    await postSignup(owner);
    await runtime.settled();
    const before = await customer(owner.email);
    // Another name and birthday, and no time zone (the default zone is London).
    const stranger = { firstName: 'Mallory', birthday: '1985-01-01', consent: { email: true, sms: false } };
    const known = await postSignup({ ...stranger, email: owner.email });
    const fresh = await postSignup({ ...stranger, email: 'mallory.new@example.com' });
    expect(known.status).toBe(202);
    expect(known.status).toBe(fresh.status);
    expect(await known.text()).toBe(await fresh.text());
    await runtime.settled();
    const after = await customer(owner.email);
    expect(after).toMatchObject({
      firstName: 'Marie',
      birthday: '1990-11-07',
      timeZone: 'Europe/Paris',
      locale: 'fr-FR',
    });
    expect(after).toEqual(before);
  });
});

describe('the manage-your-details page, reached by a link emailed to the address', () => {
  const email = 'marie.manage@example.com';
  let link: string;

  async function stored(): Promise<Record<string, unknown>> {
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { DynamoDBDocumentClient, GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: runtime.dynamoEndpoint,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    // The customer id through the admin API (identities are keyed pseudonyms), then the raw item.
    const found = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(email)}`, {
      headers: { 'x-api-key': TEST_ADMIN_KEY },
    });
    const { customerId } = (await found.json()) as { customerId: string };
    const item = await db.send(
      new GetCommand({
        TableName: runtime.tableNames.Customers,
        Key: { customerId },
      }),
    );
    return item.Item as Record<string, unknown>;
  }

  const postForm = (path: string, body: URLSearchParams) =>
    fetch(`${runtime.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
      redirect: 'manual',
    });

  const campaignIds = ['birthday', 'repurchase', 'welcome', 'survey'];
  const form = (token: string, changes: Record<string, string> = {}) =>
    new URLSearchParams([
      ['token', token],
      ['firstName', 'Marie'],
      ['birthday', '1990-11-07'],
      ['timeZone', 'Europe/Paris'],
      ['locale', 'fr-FR'],
      ['email', 'on'],
      ...campaignIds.map((id): [string, string] => ['campaign', id]),
      ...Object.entries(changes),
    ] as [string, string][]);

  it('answers the link request the same for a known and an unknown address, and emails the known one', async () => {
    await postSignup({
      firstName: 'Marie',
      email,
      birthday: '1990-11-07',
      timeZone: 'Europe/Paris',
      locale: 'fr-FR',
      consent: { email: true, sms: false },
    });
    await runtime.settled();
    const ask = (address: string) =>
      fetch(`${runtime.url}/manage/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: address }),
      });
    const known = await ask(email);
    const unknown = await ask('nobody.manage@example.com');
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(await known.text()).toBe(await unknown.text());
    // Asked again at once: the same answer, and no second email (rate limit per address).
    expect((await ask(email)).status).toBe(202);
    await runtime.settled();
    const mails = (await mailTo(email)).filter((m) => m.subject.includes('manage your details'));
    expect(mails).toHaveLength(1);
    expect(await mailTo('nobody.manage@example.com')).toEqual([]);
    link = linkIn(mails[0], '/manage') as string;
    expect(link.startsWith(`${runtime.url}/manage?token=`)).toBe(true);
  });

  it('shows her details on the page the link opens', async () => {
    const page = await fetch(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Your details and preferences');
    expect(html).toContain('value="Marie"');
    expect(html).toContain('value="1990-11-07"');
    expect(html).toContain('name="token"');
  });

  it('changes her birthday and opts her out of win-back: saved, version bumped, redirected to the page', async () => {
    const before = await stored();
    const token = new URL(link).searchParams.get('token') as string;
    const response = await postForm('/manage', form(token, { birthday: '1990-12-24' }));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toContain('/manage?token=');
    expect(response.headers.get('location')).toContain('saved=1');
    await runtime.settled();
    const after = await stored();
    expect(after).toMatchObject({
      birthday: '1990-12-24',
      campaignOptOuts: ['win-back'],
      firstName: 'Marie',
    });
    expect(after.version).toBe((before.version as number) + 1);
    expect(after.birthdayKey).toBe('12-24'); // the birthday index follows the change
  });

  it('refuses a bad field with a field error on the page, changing nothing', async () => {
    const before = await stored();
    const token = new URL(link).searchParams.get('token') as string;
    const response = await postForm(
      '/manage',
      form(token, { birthday: '2990-01-01', timeZone: 'Mars/Base' }),
    );
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('Nothing was changed');
    expect(html).toContain('id="birthday-error"');
    expect(html).toContain('id="timeZone-error"');
    expect(await stored()).toEqual(before);
  });

  it('refuses a forged token with 400 and changes nothing', async () => {
    const before = await stored();
    const token = new URL(link).searchParams.get('token') as string;
    const [payload] = token.split('.');
    const forged = `${payload}.${'A'.repeat(43)}`;
    const response = await postForm('/manage', form(forged, { firstName: 'Mallory' }));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('This link does not work');
    expect((await fetch(`${runtime.url}/manage?token=${forged}`)).status).toBe(400);
    expect(await stored()).toEqual(before);
  });

  it('downloads her data as JSON', async () => {
    const token = new URL(link).searchParams.get('token') as string;
    const response = await fetch(`${runtime.url}/manage/export?token=${encodeURIComponent(token)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain('attachment');
    const data = (await response.json()) as { customer: Record<string, unknown>; deliveries: unknown[] };
    expect(data.customer).toMatchObject({ email, birthday: '1990-12-24', campaignOptOuts: ['win-back'] });
    expect(Array.isArray(data.deliveries)).toBe(true);
  });
});
