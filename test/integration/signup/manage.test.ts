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
