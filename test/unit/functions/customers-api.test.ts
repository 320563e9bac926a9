import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { type CustomersDeps, customersHandler } from '../../../functions/customers-api/customers';
import type { Customer } from '../../../lib/domain/customer';
import { orderSchema } from '../../../lib/domain/order';
import { ProfileViewSchema } from '../../../lib/domain/profile-view';
import { DEFAULT_SCORING_SETTINGS } from '../../../lib/domain/scoring-model';
import { signupSchema } from '../../../lib/domain/signup';
import { surveySchema } from '../../../lib/domain/survey';
import { ModelCache } from '../../../lib/use-cases/model-cache';
import { placeOrder } from '../../../lib/use-cases/place-order';
import { recomputeMetrics } from '../../../lib/use-cases/recompute-metrics';
import { recomputeSatisfaction } from '../../../lib/use-cases/recompute-satisfaction';
import { recordSurvey } from '../../../lib/use-cases/record-survey';
import { refreshProfile } from '../../../lib/use-cases/refresh-profile';
import { signUp } from '../../../lib/use-cases/sign-up';
import * as z from '../../../lib/zod';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryDueCustomers } from '../../fakes/in-memory-due-customers';
import { InMemoryModelRepository } from '../../fakes/in-memory-model-repository';
import { InMemoryOrderRepository } from '../../fakes/in-memory-order-repository';
import { InMemorySegmentMembers } from '../../fakes/in-memory-segment-members';
import { InMemorySurveyRepository } from '../../fakes/in-memory-survey-repository';
import { RecordingEventPublisher } from '../../fakes/recording-event-publisher';
import { httpEvent, lambdaContext } from './fixtures';

const NOW = new Date('2026-11-24T10:00:00Z');
const TODAY = '2026-11-24';
const silent = new Logger({ logLevel: 'SILENT' });
const defaults = { timeZone: 'Europe/London', locale: 'en-GB' };

const PII = {
  firstName: 'Ana',
  lastName: 'Silva',
  email: 'ana.silva@example.com',
  phone: '+447911123456',
  birthday: '1990-05-17',
};

let deps: CustomersDeps & {
  customers: InMemoryCustomerRepository;
  orders: InMemoryOrderRepository;
  surveys: InMemorySurveyRepository;
  due: InMemoryDueCustomers;
};
let ids: number;
const clock = { now: () => NOW };

/** What the profile stream function does with a Customers record of this profile. */
const profileStream = (after: Customer) =>
  refreshProfile(
    {
      customers: deps.customers,
      events: new RecordingEventPublisher(),
      members: new InMemorySegmentMembers(),
      models: new ModelCache(new InMemoryModelRepository(), clock, DEFAULT_SCORING_SETTINGS),
      rules: [],
      clock,
    },
    { after, at: NOW.toISOString(), changeId: `change-${after.version}` },
  );
const orderDeps = () => ({ ...deps, newCustomerId: () => `cus_${++ids}`, defaults });

const request = (
  routeKey: string,
  options: { id?: string; query?: Record<string, string> } = {},
): Promise<{ statusCode?: number; body?: string; headers?: Record<string, unknown> }> => {
  const event: APIGatewayProxyEventV2 = {
    ...httpEvent(routeKey, undefined, {}),
    ...(options.id !== undefined && { pathParameters: { id: options.id } }),
    ...(options.query && { queryStringParameters: options.query }),
  };
  return customersHandler(deps, silent)(event, lambdaContext);
};
const bodyOf = (response: { body?: string }) => JSON.parse(response.body ?? 'null');

async function signUpAna(overrides: Record<string, unknown> = {}) {
  const signup = signupSchema({ ...defaults, today: TODAY }).parse({
    ...PII,
    interests: ['cat food'],
    consent: { email: true, sms: true },
    source: 'footer-form',
    ...overrides,
  });
  return signUp({ customers: deps.customers, clock, newCustomerId: () => `cus_${++ids}` }, signup);
}

async function order(orderId: string, totalAmount: number, customer: object = { email: PII.email }) {
  const parsed = orderSchema({ now: NOW.toISOString(), reportingCurrency: 'GBP', exchangeRates: {} }).parse({
    orderId,
    customer,
    orderedAt: '2026-11-20T12:00:00Z',
    totalAmount,
    currency: 'GBP',
    lineItems: [{ sku: 'CAT-2KG', category: 'cat food', quantity: 1, unitPrice: totalAmount }],
  });
  const outcome = await placeOrder(orderDeps(), parsed);
  if (outcome.status === 'accepted') await recomputeMetrics(deps, outcome.customerId);
  return outcome;
}

async function survey(body: object) {
  const answer = surveySchema({ now: NOW.toISOString() }).parse(body);
  const outcome = await recordSurvey({ ...deps, newSurveyId: () => `srv_${++ids}` }, answer);
  if (outcome.status === 'recorded') await recomputeSatisfaction(deps, outcome.customerId);
  return outcome;
}

beforeEach(async () => {
  ids = 0;
  deps = {
    customers: new InMemoryCustomerRepository(),
    orders: new InMemoryOrderRepository(),
    surveys: new InMemorySurveyRepository(),
    due: new InMemoryDueCustomers(),
    deliveries: {
      history: async (customerId: string) =>
        customerId === 'cus_1'
          ? [
              {
                customerId,
                deliveryKey: 'birthday#2026',
                campaignId: 'birthday',
                occasion: '2026',
                channel: 'email' as const,
                status: 'sent' as const,
                plannedAt: '2026-05-17T09:00:00.000Z',
                claimedAt: '2026-05-17T09:00:01.000Z',
                updatedAt: '2026-05-17T09:00:02.000Z',
                sentAt: '2026-05-17T09:00:02.000Z',
              },
            ]
          : [],
    },
    clock,
  };
  await signUpAna();
  const ana = (await deps.customers.get('cus_1'))!;
  await profileStream(ana);
  await order('web-1', 30);
  await order('web-2', 54.9);
  await survey({
    customer: { customerId: 'cus_1' },
    score: 5,
    surveyId: 's-1',
    answeredAt: '2026-11-21T09:00:00Z',
  });
  await survey({
    customer: { email: PII.email },
    score: 2,
    surveyId: 's-2',
    comment: 'Ana here: the bag was torn',
    answeredAt: '2026-11-22T09:00:00Z',
  });
});

describe('GET /customers/{id} and GET /customers?email=', () => {
  it('shows the profile, consent and metrics with satisfaction, and no internal keys', async () => {
    const response = await request('GET /customers/{id}', { id: 'cus_1' });
    expect(response.statusCode).toBe(200);
    const { messages, ...view } = bodyOf(response);
    expect(z.strictObject(ProfileViewSchema.shape).parse(view)).toBeTruthy();
    // The message history from the ledger: campaign, occasion, channel, status and dates, no ids.
    expect(messages).toEqual([
      {
        campaignId: 'birthday',
        occasion: '2026',
        channel: 'email',
        status: 'sent',
        plannedAt: '2026-05-17T09:00:00.000Z',
        claimedAt: '2026-05-17T09:00:01.000Z',
        updatedAt: '2026-05-17T09:00:02.000Z',
        sentAt: '2026-05-17T09:00:02.000Z',
      },
    ]);
    expect(view).toMatchObject({
      customerId: 'cus_1',
      ...PII,
      interests: ['cat food'],
      consent: { email: { status: 'pending' }, sms: { status: 'pending' } },
      metrics: {
        orderCount: 2,
        totalSpend: 84.9,
        averageOrderValue: 42.45,
        satisfaction: { latest: 2, mean: 3.5, count: 2, lastAnsweredAt: '2026-11-22T09:00:00.000Z' },
      },
    });
    expect((await deps.customers.get('cus_1'))?.birthdayKey).toBe('05-17');
    for (const internal of ['birthdayKey', 'birthdayOffset', 'version'])
      expect(view).not.toHaveProperty(internal);
  });

  it('finds the same profile by email, whatever its case', async () => {
    const byEmail = await request('GET /customers', { query: { email: 'ANA.Silva@Example.com' } });
    expect(byEmail.statusCode).toBe(200);
    expect(bodyOf(byEmail)).toEqual(bodyOf(await request('GET /customers/{id}', { id: 'cus_1' })));
  });

  it('shows a customer without orders or answers with zero orders and no satisfaction', async () => {
    await signUpAna({
      email: 'bo@example.com',
      firstName: 'Bo',
      phone: undefined,
      consent: { email: true, sms: false },
    });
    const view = bodyOf(await request('GET /customers', { query: { email: 'bo@example.com' } }));
    expect(view.metrics).toMatchObject({ orderCount: 0, totalSpend: 0, satisfaction: null });
  });

  it.each([
    ['an unknown id', 'cus_nobody'],
    ['an id no customer can have', 'x'.repeat(500)],
    ['an id with a slash', 'cus/1'],
  ])('answers 404 not_found for %s', async (_label, id) => {
    const response = await request('GET /customers/{id}', { id });
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toEqual({ error: 'not_found' });
  });

  it('answers 404 for an email nobody has', async () => {
    const response = await request('GET /customers', { query: { email: 'nobody@example.com' } });
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toEqual({ error: 'not_found' });
  });

  it.each([
    ['no email', undefined, 'email'],
    ['an empty email', { email: '' }, 'email'],
    ['an email that is not one', { email: 'ana.silva' }, 'email'],
    ['an unknown parameter', { email: PII.email, limit: '10' }, 'limit'],
  ])('answers 400 naming the field for %s', async (_label, query, path) => {
    const response = await request('GET /customers', query ? { query } : {});
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).fields).toContainEqual({ path, message: expect.stringMatching(/\w/) });
  });
});

describe('GET /customers?phone=', () => {
  const byPhone = (phone: string) => request('GET /customers', { query: { phone } });

  it.each([
    ['E.164', '+447911123456'],
    ['as people type it', '+44 7911 123-456'],
    ['with dots', '+44.7911.123.456'],
    ['with its + arrived as a space (an unencoded query string)', ' 447911123456'],
  ])('finds the profile by phone, %s', async (_label, phone) => {
    const response = await byPhone(phone);
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual(bodyOf(await request('GET /customers/{id}', { id: 'cus_1' })));
  });

  it('answers 404 for a number nobody has, and after the person is erased', async () => {
    expect((await byPhone('+447700900123')).statusCode).toBe(404);
    expect((await request('DELETE /customers/{id}', { id: 'cus_1' })).statusCode).toBe(204);
    expect(bodyOf(await byPhone(PII.phone))).toEqual({ error: 'not_found' });
  });

  it('answers 409 with both ids when two customers gave the same number', async () => {
    const ana = (await deps.customers.get('cus_1'))!;
    deps.customers.customers.set('cus_2', { ...ana, customerId: 'cus_2', email: 'bo@example.com' });
    expect(await byPhone(PII.phone).then((r) => [r.statusCode, bodyOf(r)])).toEqual([
      409,
      { error: 'several_customers', customerIds: ['cus_1', 'cus_2'] },
    ]);
  });

  it.each([
    ['a national number', { phone: '07911 123456' }, 'phone', /international format/],
    ['letters', { phone: '+44 79II 123456' }, 'phone', /international format/],
    ['too short', { phone: '+44123' }, 'phone', /international format/],
    ['an empty phone', { phone: '' }, 'phone', /international format/],
    ['both phone and email', { phone: PII.phone, email: PII.email }, 'email', /unknown field/],
  ])('answers 400 naming the field for %s', async (_label, query, path, message) => {
    const response = await request('GET /customers', { query });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'validation_failed',
      fields: [{ path, message: expect.stringMatching(message) }],
    });
  });
});

describe('GET /customers/upcoming', () => {
  const upcoming = (query: Record<string, string>) => request('GET /customers/upcoming', { query });

  it('lists birthdays and repurchase windows per day, one index partition per day and kind', async () => {
    deps.due
      .add('byBirthday', '11-25', 0, 'cus_1')
      .add('byNextOrder', '2026-11-26', 60, 'cus_1')
      .add('byNextOrder', '2026-11-26', -300, 'cus_nobody');
    const response = await upcoming({ days: '7' });
    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body.from).toBe(TODAY);
    expect(body.days.map((d: { date: string }) => d.date)).toEqual([
      '2026-11-24',
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
      '2026-11-28',
      '2026-11-29',
      '2026-11-30',
    ]);
    expect(body.days[1]).toEqual({
      date: '2026-11-25',
      birthdays: 1,
      repurchases: 0,
      customers: [
        { customerId: 'cus_1', firstName: 'Ana', localDate: '2026-11-25', due: 'birthday', product: null },
      ],
    });
    expect(body.days[2]).toMatchObject({ birthdays: 0, repurchases: 2 });
    expect(body.days[2].customers).toEqual([
      {
        customerId: 'cus_nobody',
        firstName: null,
        localDate: '2026-11-26',
        due: 'repurchase',
        product: null,
      },
      {
        customerId: 'cus_1',
        firstName: 'Ana',
        localDate: '2026-11-26',
        due: 'repurchase',
        product: { sku: expect.any(String), category: expect.any(String) },
      },
    ]);
    expect(deps.due.queried).toHaveLength(14);
  });

  it('shows Feb 29 birthdays on Feb 28 in a non-leap year, and on Feb 29 in a leap year', async () => {
    deps.due.add('byBirthday', '02-29', 0, 'cus_1').add('byBirthday', '02-28', 0, 'cus_2');
    const plain = bodyOf(await upcoming({ from: '2027-02-27', days: '3' }));
    expect(plain.days.map((d: { date: string; birthdays: number }) => [d.date, d.birthdays])).toEqual([
      ['2027-02-27', 0],
      ['2027-02-28', 2],
      ['2027-03-01', 0],
    ]);
    const leap = bodyOf(await upcoming({ from: '2028-02-28', days: '2' }));
    expect(leap.days.map((d: { date: string; birthdays: number }) => [d.date, d.birthdays])).toEqual([
      ['2028-02-28', 1],
      ['2028-02-29', 1],
    ]);
  });

  it('caps the names per day but counts everyone', async () => {
    for (let i = 0; i < 30; i++) deps.due.add('byBirthday', '11-24', i, `cus_x${i}`);
    const body = bodyOf(await upcoming({ days: '1', perDay: '3' }));
    expect(body.days[0].birthdays).toBe(30);
    expect(body.days[0].customers).toHaveLength(3);
  });

  it.each([
    [{ days: '0' }],
    [{ days: '32' }],
    [{ days: 'seven' }],
    [{ from: '2026-02-30' }],
    [{ perDay: '51' }],
    [{ unknown: '1' }],
  ])('answers 400 validation_failed to %j', async (query) => {
    const response = await upcoming(query);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toBe('validation_failed');
  });
});

describe('GET /customers/{id}/export', () => {
  it('returns everything held about the person as one JSON document', async () => {
    const response = await request('GET /customers/{id}/export', { id: 'cus_1' });
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-disposition']).toBe('attachment; filename="cus_1.json"');
    const document = bodyOf(response);
    expect(Object.keys(document).sort()).toEqual(['customer', 'deliveries', 'orders', 'surveys']);
    const { messages: _messages, ...profile } = bodyOf(await request('GET /customers/{id}', { id: 'cus_1' }));
    expect(document.customer).toEqual(profile);
    expect(document.orders).toEqual([
      expect.objectContaining({
        orderId: 'web-1',
        totalAmount: 30,
        status: 'placed',
        lineItems: expect.any(Array),
      }),
      expect.objectContaining({ orderId: 'web-2', totalAmount: 54.9, currency: 'GBP' }),
    ]);
    expect(document.surveys).toEqual([
      expect.objectContaining({ surveyId: 's-1', score: 5 }),
      expect.objectContaining({ surveyId: 's-2', score: 2, comment: 'Ana here: the bag was torn' }),
    ]);
    expect(document.deliveries).toEqual([
      expect.objectContaining({ campaignId: 'birthday', occasion: '2026', status: 'sent', channel: 'email' }),
    ]);
  });

  it('answers 404 for an unknown id', async () => {
    const response = await request('GET /customers/{id}/export', { id: 'cus_nobody' });
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toEqual({ error: 'not_found' });
  });
});

describe('DELETE /customers/{id} erases the person everywhere', () => {
  it('removes the personal data, withdraws consent, keeps the anonymous aggregates', async () => {
    const response = await request('DELETE /customers/{id}', { id: 'cus_1' });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');

    const view = bodyOf(await request('GET /customers/{id}', { id: 'cus_1' }));
    for (const field of Object.keys(PII)) expect(view).not.toHaveProperty(field);
    expect(view).toMatchObject({
      customerId: 'cus_1',
      interests: [],
      erasedAt: NOW.toISOString(),
      consent: {
        email: { status: 'unsubscribed', source: 'erasure', updatedAt: NOW.toISOString() },
        sms: { status: 'opted_out', source: 'erasure', updatedAt: NOW.toISOString() },
      },
      metrics: { orderCount: 2, totalSpend: 84.9, satisfaction: { mean: 3.5, count: 2 } },
    });
    const stored = (await deps.customers.get('cus_1'))!;
    expect(stored).not.toHaveProperty('birthdayKey');
    expect(stored).not.toHaveProperty('birthdayOffset');
    expect(JSON.stringify(stored)).not.toMatch(/Ana|Silva|example\.com|7911|1990/);
  });

  it('suppresses the email and phone: they find nobody, but the hashed key still names the record', async () => {
    await request('DELETE /customers/{id}', { id: 'cus_1' });
    expect(await deps.customers.findByIdentity('email', PII.email)).toBeUndefined();
    expect(await deps.customers.findByIdentity('phone', PII.phone)).toBeUndefined();
    expect(deps.customers.erased).toEqual(new Set([`email:${PII.email}`, `phone:${PII.phone}`]));
    expect(await deps.customers.findCustomerIdByIdentity('email', PII.email)).toBe('cus_1');
    const byEmail = await request('GET /customers', { query: { email: PII.email } });
    expect(byEmail.statusCode).toBe(404);
  });

  it('deletes survey comments and keeps the scores; keeps the orders', async () => {
    await request('DELETE /customers/{id}', { id: 'cus_1' });
    const document = bodyOf(await request('GET /customers/{id}/export', { id: 'cus_1' }));
    expect(document.surveys.map((s: { score: number }) => s.score)).toEqual([5, 2]);
    expect(JSON.stringify(document)).not.toMatch(/torn|Ana/);
    expect(document.orders).toHaveLength(2);
  });

  it('is idempotent: 204 again, nothing changes; 404 for an id that never existed', async () => {
    await request('DELETE /customers/{id}', { id: 'cus_1' });
    const first = await deps.customers.get('cus_1');
    const again = await request('DELETE /customers/{id}', { id: 'cus_1' });
    expect(again.statusCode).toBe(204);
    expect(await deps.customers.get('cus_1')).toEqual(first);
    const unknown = await request('DELETE /customers/{id}', { id: 'cus_nobody' });
    expect(unknown.statusCode).toBe(404);
    expect(bodyOf(unknown)).toEqual({ error: 'not_found' });
  });

  it('erases what a signup wrote while the erasure was running (conditional on the version)', async () => {
    const erase = deps.customers.erase.bind(deps.customers);
    let raced = false;
    deps.customers.erase = async (erased, expectedVersion) => {
      if (!raced) {
        raced = true;
        await signUpAna({ lastName: 'Silva-Costa', interests: ['dog food'] });
      }
      return erase(erased, expectedVersion);
    };
    const response = await request('DELETE /customers/{id}', { id: 'cus_1' });
    expect(response.statusCode).toBe(204);
    expect(raced).toBe(true);
    const stored = (await deps.customers.get('cus_1'))!;
    expect(stored.lastName).toBeUndefined();
    expect(stored.interests).toEqual([]);
  });
});

describe('after erasure nothing brings the personal data back silently', () => {
  beforeEach(async () => {
    await request('DELETE /customers/{id}', { id: 'cus_1' });
  });

  const storedText = async () =>
    JSON.stringify([
      await deps.customers.get('cus_1'),
      await deps.surveys.history('cus_1'),
      await deps.orders.history('cus_1'),
    ]);

  it('a replayed profile stream record of the old profile is stale: no birthday key comes back', async () => {
    const old = {
      customerId: 'cus_1',
      ...PII,
      timeZone: 'Europe/London',
      locale: 'en-GB',
      interests: ['cat food'],
      consent: {
        email: { status: 'pending' as const, updatedAt: NOW.toISOString(), source: 'footer-form' },
        sms: { status: 'opted_in' as const, updatedAt: NOW.toISOString(), source: 'footer-form' },
      },
      source: 'footer-form',
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      version: 1,
    };
    expect((await profileStream(old)).write).toBe('stale');
    expect(await deps.customers.get('cus_1')).not.toHaveProperty('birthdayKey');
  });

  it('replayed order and survey stream records recompute aggregates only', async () => {
    await recomputeMetrics(deps, 'cus_1');
    await recomputeSatisfaction(deps, 'cus_1');
    expect(await storedText()).not.toMatch(/Ana|Silva|example\.com|7911|1990|torn/);
    expect((await deps.customers.get('cus_1'))?.satisfaction).toMatchObject({ mean: 3.5, count: 2 });
  });

  it('a late order by the erased email counts on the anonymous record and brings no email back', async () => {
    const outcome = await order('web-3', 10);
    expect(outcome).toMatchObject({ status: 'accepted', customerId: 'cus_1' });
    const stored = (await deps.customers.get('cus_1'))!;
    expect(stored.metrics?.orderCount).toBe(3);
    expect(stored.email).toBeUndefined();
    expect(deps.customers.customers.size).toBe(1);
    expect(await storedText()).not.toMatch(/Ana|Silva|example\.com|7911/);
  });

  it('a repeat signup is a new customer with new consent; the erased record stays anonymous', async () => {
    expect(await signUpAna()).toBe('created');
    const view = bodyOf(await request('GET /customers', { query: { email: PII.email } }));
    expect(view.customerId).toBe('cus_2');
    expect(view).toMatchObject({
      email: PII.email,
      consent: { email: { status: 'pending', source: 'footer-form' } },
      metrics: { orderCount: 0, satisfaction: null },
    });
    expect(await storedText()).not.toMatch(/Ana|Silva|example\.com|7911/);

    // Erasing the old record again leaves the new customer's identity alone.
    await request('DELETE /customers/{id}', { id: 'cus_1' });
    expect((await deps.customers.findByIdentity('email', PII.email))?.customerId).toBe('cus_2');
  });

  it('a late survey by the erased email is refused; by id it counts without its comment', async () => {
    const byEmail = survey({ customer: { email: PII.email }, score: 1, comment: 'Ana again' });
    await expect(byEmail).resolves.toEqual({ status: 'unknown_customer', field: 'email' });
    await survey({ customer: { customerId: 'cus_1' }, score: 1, comment: 'Ana again', surveyId: 's-3' });
    expect((await deps.customers.get('cus_1'))?.satisfaction?.count).toBe(3);
    expect(await storedText()).not.toMatch(/Ana|torn/);
  });

  it('a survey that raced the erasure loses its comment when the stream sees it', async () => {
    await deps.surveys.record(
      {
        customerId: 'cus_1',
        surveyId: 's-raced',
        answeredAt: '2026-11-23T09:00:00.000Z',
        score: 3,
        comment: 'Ana Silva, call me',
        receivedAt: NOW.toISOString(),
      },
      'fp',
    );
    await recomputeSatisfaction(deps, 'cus_1');
    expect(await storedText()).not.toMatch(/Ana|Silva/);
    expect((await deps.customers.get('cus_1'))?.satisfaction?.count).toBe(3);
  });
});

describe('the customer routes never fail on what arrives (property-based)', () => {
  it('answers 200, 400 or 404 to any email query, and 200 only for the known address', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.emailAddress(), fc.constant(PII.email.toUpperCase())),
        async (email) => {
          const response = await request('GET /customers', { query: { email } });
          expect([200, 400, 404]).toContain(response.statusCode);
          if (response.statusCode === 200) expect(bodyOf(response).customerId).toBe('cus_1');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers 200 or 404 to any customer id on every id route, and erases nobody by accident', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 3000 }),
        fc.constantFrom('GET /customers/{id}', 'GET /customers/{id}/export', 'DELETE /customers/{id}'),
        async (id, routeKey) => {
          const response = await request(routeKey, { id });
          expect(response.statusCode).toBe(
            id === 'cus_1' ? (routeKey.startsWith('DELETE') ? 204 : 200) : 404,
          );
        },
      ),
      { numRuns: 300 },
    );
    expect((await deps.customers.get('cus_1'))?.email).toBe(PII.email);
  });
});
