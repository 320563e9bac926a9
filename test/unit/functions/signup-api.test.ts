import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  SIGNUP_ACCEPTED,
  SMS_VERIFICATION_MESSAGE,
  signupHandler,
} from '../../../functions/signup-api/signup';
import { HmacLinkSigner } from '../../../lib/adapters/crypto/hmac-link-signer';
import type { CustomerRepository } from '../../../lib/ports/customer-repository';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { httpEvent, lambdaContext } from './fixtures';

const NOW = new Date('2026-11-24T10:00:00Z');
const settings = {
  defaultTimeZone: 'Europe/London',
  defaultLocale: 'en-GB',
  thankYouUrl: 'https://shop.example/thanks',
  smsCountries: ['GB', 'GG', 'IE'],
  answerFloorMs: 0,
};
const silent = new Logger({ logLevel: 'SILENT' });

const valid = {
  firstName: 'Ana',
  lastName: 'Silva',
  email: 'Ana.Silva@Example.com',
  phone: '+44 7911 123456',
  birthday: '1990-05-17',
  timeZone: 'Europe/Lisbon',
  locale: 'pt-pt',
  interests: ['Cat food', 'toys', 'cat food'],
  consent: { email: true, sms: false },
  source: 'footer-form',
};

let repo: InMemoryCustomerRepository;
let ids: number;
const handlerWith = (customers: CustomerRepository = repo) =>
  signupHandler(
    { customers, clock: { now: () => NOW }, newCustomerId: () => `cus_${++ids}` },
    settings,
    silent,
  );
const postJson = (body: unknown) =>
  handlerWith()(
    httpEvent('POST /signups', typeof body === 'string' ? body : JSON.stringify(body)),
    lambdaContext,
  );
const postForm = (body: string) =>
  handlerWith()(
    httpEvent('POST /signups', body, { 'content-type': 'application/x-www-form-urlencoded' }),
    lambdaContext,
  );
const without = (key: keyof typeof valid) => {
  const { [key]: _dropped, ...rest } = valid;
  return rest;
};

beforeEach(() => {
  repo = new InMemoryCustomerRepository();
  ids = 0;
});

describe('POST /signups answers no sooner than the floor, for new and known addresses alike', () => {
  it('waits out the rest of the floor after the work, the same way whoever is behind the address', async () => {
    const waits: number[] = [];
    const floored = signupHandler(
      { customers: repo, clock: { now: () => NOW }, newCustomerId: () => `cus_${++ids}` },
      { ...settings, answerFloorMs: 250, sleep: async (ms) => void waits.push(ms) },
      silent,
    );
    const post = () => floored(httpEvent('POST /signups', JSON.stringify(valid)), lambdaContext);
    const first = await post(); // a new address
    const second = await post(); // the same address, now known
    expect(first).toEqual(second);
    expect(first.statusCode).toBe(202);
    // Each answer waited for what the work left of the 250 ms, whatever the machine's speed.
    expect(waits).toHaveLength(2);
    for (const ms of waits) {
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(250);
    }
  });

  it('does not hold back a refused signup: the error is decided before anyone is looked up', async () => {
    const waits: number[] = [];
    const floored = signupHandler(
      { customers: repo, clock: { now: () => NOW }, newCustomerId: () => `cus_${++ids}` },
      { ...settings, answerFloorMs: 250, sleep: async (ms) => void waits.push(ms) },
      silent,
    );
    const response = await floored(
      httpEvent('POST /signups', JSON.stringify(without('firstName'))),
      lambdaContext,
    );
    expect(response.statusCode).toBe(400);
    expect(waits).toEqual([]);
  });
});

describe('POST /signups accepts a web form', () => {
  it('creates the customer with normalised fields and pending email consent', async () => {
    const response = await postJson(valid);
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body!)).toEqual(SIGNUP_ACCEPTED);
    const stored = await repo.findByIdentity('email', 'ana.silva@example.com');
    expect(stored).toMatchObject({
      customerId: 'cus_1',
      firstName: 'Ana',
      email: 'ana.silva@example.com',
      phone: '+447911123456',
      birthday: '1990-05-17',
      timeZone: 'Europe/Lisbon',
      locale: 'pt-PT',
      interests: ['cat food', 'toys'],
      source: 'footer-form',
      consent: {
        email: { status: 'pending', source: 'footer-form', requestedAt: NOW.toISOString() },
        sms: { status: 'none' },
      },
    });
  });

  it('answers new and known people identically, and a repeated signup changes nothing', async () => {
    const first = await postJson(valid);
    const stored = structuredClone(await repo.findByIdentity('email', 'ana.silva@example.com'));
    const second = await postJson(valid);
    expect(second).toEqual(first);
    expect(await repo.findByIdentity('email', 'ana.silva@example.com')).toEqual(stored);
    expect(repo.customers.size).toBe(1);
  });

  it('answers a stranger posting a known address as it answers a new one, and keeps the owner’s details', async () => {
    await postJson(valid);
    const stored = structuredClone(await repo.findByIdentity('email', 'ana.silva@example.com'));
    const stranger = await postJson({
      firstName: 'Mallory',
      email: 'ana.silva@example.com',
      birthday: '1985-01-01',
      consent: { email: false, sms: false },
    });
    const fresh = await postJson({
      firstName: 'Mallory',
      email: 'new@example.com',
      consent: { email: false, sms: false },
    });
    expect(stranger).toEqual(fresh);
    expect(await repo.findByIdentity('email', 'ana.silva@example.com')).toEqual(stored);
  });

  it('updates the known customer: new interests accumulate, an unticked box withdraws nothing', async () => {
    await postJson(valid);
    await postJson({ ...valid, interests: ['dog food'], consent: { email: false, sms: true } });
    const stored = await repo.findByIdentity('email', 'ana.silva@example.com');
    expect(repo.customers.size).toBe(1);
    expect(stored?.interests).toEqual(['cat food', 'dog food', 'toys']);
    expect(stored?.consent.email.status).toBe('pending');
    // Texts wait for the number's verification code (phone verification).
    expect(stored?.consent.sms).toMatchObject({ status: 'pending', updatedAt: NOW.toISOString() });
  });

  it('fills in the configured time zone and locale when the form sends none', async () => {
    await postJson({ firstName: 'Bo', email: 'bo@example.com', consent: { email: true, sms: false } });
    expect(await repo.findByIdentity('email', 'bo@example.com')).toMatchObject({
      timeZone: 'Europe/London',
      locale: 'en-GB',
      source: 'web',
    });
  });

  it('keys a phone-only signup by its E.164 number, given a national number and a country', async () => {
    await postJson({
      firstName: 'Cy',
      phone: '07911 123456',
      country: 'gb',
      consent: { email: false, sms: true },
    });
    expect((await repo.findByIdentity('phone', '+447911123456'))?.consent.sms.status).toBe('pending');
  });

  it('accepts a birthday without a year, Feb 29 included', async () => {
    await postJson({ ...valid, birthday: '--02-29' });
    expect((await repo.findByIdentity('email', 'ana.silva@example.com'))?.birthday).toBe('--02-29');
  });

  it('redirects a plain HTML form to the thank-you page (303) with the same validation', async () => {
    const response = await postForm(
      'firstName=Dee&email=dee%40example.com&consent.email=on&interests=tea&interests=Cakes&website=',
    );
    expect(response).toMatchObject({ statusCode: 303, headers: { location: 'https://shop.example/thanks' } });
    expect(await repo.findByIdentity('email', 'dee@example.com')).toMatchObject({
      interests: ['cakes', 'tea'],
      consent: { email: { status: 'pending' }, sms: { status: 'none' } },
    });

    const bad = await postForm('firstName=Dee&email=not-an-email&consent.email=on');
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body!).fields).toEqual([{ path: 'email', message: expect.any(String) }]);
  });

  it('answers a bot that fills the honeypot as if it were a person, and stores nothing', async () => {
    const response = await postJson({ ...valid, website: 'http://spam.example' });
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body!)).toEqual(SIGNUP_ACCEPTED);
    expect(repo.customers.size).toBe(0);
  });
});

describe('POST /signups rejects bad input field by field and stores nothing', () => {
  const long = 'x'.repeat(101);
  const cases: [string, unknown, string][] = [
    ['a number for a name', { ...valid, firstName: 42 }, 'firstName'],
    ['an empty name', { ...valid, firstName: '   ' }, 'firstName'],
    ['no first name', without('firstName'), 'firstName'],
    ['a script in the first name', { ...valid, firstName: '<script>alert(1)</script>' }, 'firstName'],
    ['HTML in the last name', { ...valid, lastName: 'Silva<b>' }, 'lastName'],
    ['a 101-character name', { ...valid, firstName: long }, 'firstName'],
    ['an email with a space', { ...valid, email: 'ana silva@example.com' }, 'email'],
    ['an email without a domain', { ...valid, email: 'ana@' }, 'email'],
    ['an email that is a number', { ...valid, email: 12 }, 'email'],
    [
      'neither email nor phone',
      { ...without('email'), phone: undefined, consent: { email: false, sms: false } },
      'email',
    ],
    ['a phone that is words', { ...valid, phone: 'call me maybe' }, 'phone'],
    ['a phone that is too short', { ...valid, phone: '+44 12' }, 'phone'],
    ['a national phone without a country', { ...valid, phone: '07911 123456' }, 'phone'],
    ['a country that is not a code', { ...valid, country: 'United Kingdom' }, 'country'],
    ['Feb 29 in a non-leap year', { ...valid, birthday: '2023-02-29' }, 'birthday'],
    ['month 13', { ...valid, birthday: '1990-13-01' }, 'birthday'],
    ['a day-first date', { ...valid, birthday: '17/05/1990' }, 'birthday'],
    ['a birthday in the future', { ...valid, birthday: '2030-01-01' }, 'birthday'],
    ['Feb 30 without a year', { ...valid, birthday: '--02-30' }, 'birthday'],
    ['an invented time zone', { ...valid, timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    ['a misspelt time zone', { ...valid, timeZone: 'Europe/Londn' }, 'timeZone'],
    ['a locale that is not a tag', { ...valid, locale: 'not a locale!' }, 'locale'],
    ['interests as a string', { ...valid, interests: 'cats' }, 'interests'],
    ['an empty interest', { ...valid, interests: ['cats', ''] }, 'interests.1'],
    ['markup in an interest', { ...valid, interests: ['<img src=x>'] }, 'interests.0'],
    ['no consent', without('consent'), 'consent'],
    ['consent as a word', { ...valid, consent: { email: 'yes', sms: false } }, 'consent.email'],
    ['consent missing a channel', { ...valid, consent: { email: true } }, 'consent.sms'],
    [
      'email consent without an email',
      { ...without('email'), consent: { email: true, sms: false } },
      'consent.email',
    ],
    [
      'sms consent without a phone',
      { ...without('phone'), consent: { email: true, sms: true } },
      'consent.sms',
    ],
    ['an unknown field', { ...valid, isAdmin: true }, 'isAdmin'],
    [
      'an unknown consent channel',
      { ...valid, consent: { email: true, sms: false, post: true } },
      'consent.post',
    ],
    ['an empty source', { ...valid, source: '' }, 'source'],
    ['a list instead of an object', [valid], ''],
    ['null', null, ''],
    ['text that is not JSON', '{"firstName": "Ana"', ''],
  ];

  it.each(cases)('%s', async (_label, body, path) => {
    const response = await postJson(body);
    expect(response.statusCode).toBe(400);
    const answer = JSON.parse(response.body!);
    expect(answer.error).toBe('validation_failed');
    expect(answer.fields).toContainEqual({ path, message: expect.stringMatching(/\w/) });
    expect(repo.customers.size).toBe(0);
  });

  it('rejects a 10 KB string with 413 before parsing it', async () => {
    const response = await postJson({ ...valid, firstName: 'x'.repeat(10 * 1024) });
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(response.body!).error).toBe('payload_too_large');
    expect(repo.customers.size).toBe(0);
  });

  it('rejects other content types with 415', async () => {
    const response = await handlerWith()(
      httpEvent('POST /signups', JSON.stringify(valid), { 'content-type': 'text/plain' }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(415);
    expect(repo.customers.size).toBe(0);
  });

  it('answers a fault with 500 and a request id, never the error itself', async () => {
    const broken = new InMemoryCustomerRepository();
    broken.findByIdentity = async () => {
      throw new Error('ProvisionedThroughputExceeded for ana.silva@example.com');
    };
    const response = await handlerWith(broken)(
      httpEvent('POST /signups', JSON.stringify(valid)),
      lambdaContext,
    );
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!)).toEqual({ error: 'internal_error', requestId: 'req-1' });
    expect(response.body).not.toMatch(/ana|Provisioned|at /);
  });
});

describe('POST /signups refuses addresses and numbers that invite abuse', () => {
  const refusal = async (body: unknown) => {
    const response = await postJson(body);
    expect(response.statusCode).toBe(400);
    expect(repo.customers.size).toBe(0);
    return JSON.parse(response.body!).fields as { path: string; message: string }[];
  };

  it.each([
    ['a control character', 'ana\u0007@example.com', 'must not contain control characters'],
    ['a leading dot', '.ana@example.com', 'must not start or end the name with a dot'],
    ['two dots in the domain', 'ana@example..com', 'must not have two dots in a row'],
    ['a domain without a dot', 'ana@example', 'must have a domain with a dot, such as example.com'],
    [
      'a 64-character label',
      `ana@${'x'.repeat(64)}.com`,
      'must not have a domain part longer than 63 characters',
    ],
    ['a label ending in a hyphen', 'ana@example-.com', 'must not start or end a domain part with a hyphen'],
  ])('an email with %s → 400 on email, saying why', async (_, email, message) => {
    expect(await refusal({ ...valid, email })).toEqual([{ path: 'email', message }]);
  });

  it.each([
    ['a UK premium-rate 09 number', '+44 909 879 0000'],
    ['a UK shared-cost 084 number', '+44 844 987 6543'],
    ['a UK shared-cost 087 number', '+44 871 234 5678'],
    ['a UK landline', '+44 20 7946 0000'],
  ])('%s with the SMS box ticked → 400 on phone: only mobile numbers get texts', async (_, phone) => {
    const fields = await refusal({ ...valid, phone, consent: { email: true, sms: true } });
    expect(fields).toEqual([
      { path: 'phone', message: expect.stringContaining('premium-rate or shared-cost') },
    ]);
  });

  it('a mobile number outside the allowed countries → 400 on phone naming where texts go', async () => {
    const fields = await refusal({
      ...valid,
      phone: '+234 803 123 4567',
      consent: { email: true, sms: true },
    });
    expect(fields).toEqual([
      { path: 'phone', message: 'cannot receive texts from us: we send SMS only to numbers in GB, GG, IE' },
    ]);
  });

  it('a mobile number in an allowed country gets SMS consent; another country’s without the box is kept', async () => {
    expect(
      (await postJson({ ...valid, phone: '+353 85 123 4567', consent: { email: true, sms: true } }))
        .statusCode,
    ).toBe(202);
    expect((await repo.findByIdentity('email', 'ana.silva@example.com'))?.phone).toBe('+353851234567');
    const other = { ...valid, email: 'bo@example.com', phone: '+234 803 123 4567' };
    expect((await postJson(other)).statusCode).toBe(202);
    expect((await repo.findByIdentity('email', 'bo@example.com'))?.consent.sms.status).toBe('none');
  });
});

describe('POST /signups never throws, whatever arrives (property-based)', () => {
  const field = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()));
  const payload = fc.record(
    {
      firstName: field,
      lastName: field,
      email: fc.oneof(fc.emailAddress(), field),
      phone: field,
      country: field,
      birthday: fc.oneof(
        fc.date().map((d) => (Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 10))),
        field,
      ),
      timeZone: field,
      locale: field,
      interests: fc.oneof(fc.array(fc.string()), field),
      consent: fc.oneof(fc.record({ email: fc.boolean(), sms: fc.boolean() }), fc.anything()),
      source: field,
      website: field,
    },
    { requiredKeys: [] },
  );

  it('answers 202 or 400 to any JSON object shaped like a signup', async () => {
    await fc.assert(
      fc.asyncProperty(payload, async (body) => {
        const response = await postJson(body);
        expect([202, 400]).toContain(response.statusCode);
      }),
      { numRuns: 300 },
    );
  });

  it('answers 202 or 400 to any JSON value or any text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.string()), async (body) => {
        const response = await postJson(typeof body === 'string' ? body : JSON.stringify(body));
        expect([202, 400, 413]).toContain(response.statusCode);
      }),
      { numRuns: 300 },
    );
  });

  it('answers 303 or 400 to any form body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 12 }), async (pairs) => {
        const response = await postForm(new URLSearchParams(pairs).toString());
        expect([303, 400, 413]).toContain(response.statusCode);
      }),
      { numRuns: 300 },
    );
  });
});

describe('POST /signups with texts asked for (phone verification)', () => {
  const links = new HmacLinkSigner('signup-test-key-0123456789');
  const post = (body: unknown, form = false) =>
    signupHandler(
      { customers: repo, links, clock: { now: () => NOW }, newCustomerId: () => `cus_${++ids}` },
      settings,
      silent,
    )(
      httpEvent(
        'POST /signups',
        form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
        ...(form ? [{ 'content-type': 'application/x-www-form-urlencoded' }] : []),
      ),
      lambdaContext,
    );
  const texts = { ...valid, consent: { email: true, sms: true } };

  it('answers with the token of the code page, naming the customer the code is texted for', async () => {
    const response = await post(texts);
    expect(response.statusCode).toBe(202);
    const body = JSON.parse(response.body!);
    expect(body).toMatchObject({ status: 'accepted', message: SMS_VERIFICATION_MESSAGE });
    expect(links.verify(body.verifyPhone.token, NOW)).toEqual({
      purpose: 'verify-phone',
      customerId: 'cus_1',
      channel: 'sms',
    });
    const stored = await repo.findByIdentity('email', 'ana.silva@example.com');
    expect(stored?.consent.sms.status).toBe('pending');
    expect(stored?.pendingPhone).toEqual({ phone: '+447911123456', requestedAt: NOW.toISOString() });
  });

  it('answers a known person, a stranger with another number and a bot the same way (a token each)', async () => {
    const shape = (response: { statusCode?: number; body?: string }) => {
      const body = JSON.parse(response.body!);
      return { statusCode: response.statusCode, keys: Object.keys(body).sort(), message: body.message };
    };
    const fresh = shape(await post(texts));
    const known = shape(await post(texts));
    const stranger = shape(await post({ ...texts, phone: '+44 7911 123457' }));
    const bot = shape(await post({ ...texts, email: 'bot@example.com', website: 'http://spam.example' }));
    expect(known).toEqual(fresh);
    expect(stranger).toEqual(fresh);
    expect(bot).toEqual(fresh);
    // The stranger's number is not the profile's: no code request for it.
    expect((await repo.findByIdentity('email', 'ana.silva@example.com'))?.pendingPhone?.phone).toBe(
      '+447911123456',
    );
  });

  it('sends a plain HTML form on to the code page; without texts, to the thank-you page', async () => {
    const form = { firstName: 'Ana', email: 'ana@example.com', phone: '+447911123456' };
    const withTexts = await post({ ...form, 'consent.sms': 'on', 'consent.email': 'on' }, true);
    expect(withTexts.statusCode).toBe(303);
    expect(withTexts.headers?.location).toMatch(/^\/verify-phone\?token=/);
    const without = await post({ ...form, 'consent.email': 'on' }, true);
    expect(without.headers?.location).toBe(settings.thankYouUrl);
  });
});
