import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { surveysHandler } from '../../../functions/surveys-api/surveys';
import { newCustomer } from '../../../lib/domain/customer';
import { signupSchema } from '../../../lib/domain/signup';
import { eraseCustomer } from '../../../lib/use-cases/erase-customer';
import type { SurveyDeps } from '../../../lib/use-cases/record-survey';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemorySurveyRepository } from '../../fakes/in-memory-survey-repository';
import { httpEvent, lambdaContext } from './fixtures';

const NOW = new Date('2026-11-24T10:00:00Z');
const silent = new Logger({ logLevel: 'SILENT' });

const ana = newCustomer(
  signupSchema({ timeZone: 'Europe/London', locale: 'en-GB', today: '2026-11-24' }).parse({
    firstName: 'Ana',
    email: 'ana@example.com',
    consent: { email: true, sms: false },
  }),
  'cus_ana',
  '2026-01-01T00:00:00.000Z',
);

const answer = {
  customer: { customerId: 'cus_ana' },
  score: 4,
  orderId: 'web-1001',
  comment: 'Quick delivery, the bag was torn.',
  answeredAt: '2026-11-23T18:00:00+01:00',
  surveyId: 'typeform-r-77',
};

let deps: SurveyDeps & { customers: InMemoryCustomerRepository; surveys: InMemorySurveyRepository };
let ids: number;
const post = (body: unknown) =>
  surveysHandler(deps, silent)(
    httpEvent('POST /surveys', typeof body === 'string' ? body : JSON.stringify(body)),
    lambdaContext,
  );
const bodyOf = (response: { body?: string }) => JSON.parse(response.body ?? 'null');

beforeEach(async () => {
  ids = 0;
  deps = {
    customers: new InMemoryCustomerRepository(),
    surveys: new InMemorySurveyRepository(),
    clock: { now: () => NOW },
    newSurveyId: () => `srv_${++ids}`,
  };
  await deps.customers.create(ana, { kind: 'email', value: 'ana@example.com' });
});

describe('POST /surveys', () => {
  it('stores the answer for a known customer id, in UTC, and answers 202 with its ids', async () => {
    const response = await post(answer);
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({
      status: 'recorded',
      surveyId: 'typeform-r-77',
      customerId: 'cus_ana',
    });
    expect(await deps.surveys.history('cus_ana')).toEqual([
      {
        customerId: 'cus_ana',
        surveyId: 'typeform-r-77',
        answeredAt: '2026-11-23T17:00:00.000Z',
        score: 4,
        orderId: 'web-1001',
        comment: 'Quick delivery, the bag was torn.',
        receivedAt: NOW.toISOString(),
      },
    ]);
  });

  it('finds the customer by email, case-insensitively, and dates an undated answer now', async () => {
    const response = await post({ customer: { email: ' ANA@example.com ' }, score: 5 });
    expect(bodyOf(response)).toEqual({ status: 'recorded', surveyId: 'srv_1', customerId: 'cus_ana' });
    expect(await deps.surveys.history('cus_ana')).toEqual([
      expect.objectContaining({ score: 5, answeredAt: NOW.toISOString(), surveyId: 'srv_1' }),
    ]);
  });

  it('stores the same survey id twice as one answer, even when the retry is dated by the default "now"', async () => {
    const { answeredAt: _a, ...undated } = answer;
    await post(undated);
    const later = deps.clock;
    deps.clock = { now: () => new Date(NOW.getTime() + 60_000) };
    const again = await post(undated);
    deps.clock = later;
    expect(again.statusCode).toBe(202);
    expect(bodyOf(again)).toEqual({ status: 'duplicate', surveyId: 'typeform-r-77', customerId: 'cus_ana' });
    expect(await deps.surveys.history('cus_ana')).toHaveLength(1);
  });

  it('answers 409 when a survey id is reused for a different answer, and keeps the first', async () => {
    await post(answer);
    const response = await post({ ...answer, score: 1 });
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response).error).toBe('survey_conflict');
    expect((await deps.surveys.history('cus_ana')).map((s) => s.score)).toEqual([4]);
  });

  it('keeps separate answers without a survey id apart', async () => {
    await post({ customer: { customerId: 'cus_ana' }, score: 2 });
    await post({ customer: { customerId: 'cus_ana' }, score: 5 });
    expect((await deps.surveys.history('cus_ana')).map((s) => s.score).sort()).toEqual([2, 5]);
  });

  it('does not create customers: an unknown id is a 400 on customer.customerId', async () => {
    const response = await post({ ...answer, customer: { customerId: 'cus_nobody' } });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'validation_failed',
      fields: [{ path: 'customer.customerId', message: 'no customer has this id' }],
    });
    expect(deps.surveys.answers.size).toBe(0);
    expect(deps.customers.customers.size).toBe(1);
  });

  it('does not create customers: an unknown email is a 400 on customer.email', async () => {
    const response = await post({ ...answer, customer: { email: 'bo@example.com' } });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).fields).toEqual([
      { path: 'customer.email', message: 'no customer has this email' },
    ]);
    expect(deps.customers.customers.size).toBe(1);
  });

  it('after erasure: the email finds nobody, a late answer by id counts without its comment', async () => {
    await eraseCustomer(deps, 'cus_ana');
    const byEmail = await post({ ...answer, customer: { email: 'ana@example.com' } });
    expect(byEmail.statusCode).toBe(400);
    expect(bodyOf(byEmail).fields[0].path).toBe('customer.email');

    const byId = await post(answer);
    expect(byId.statusCode).toBe(202);
    const [stored] = await deps.surveys.history('cus_ana');
    expect(stored).toMatchObject({ score: 4, surveyId: 'typeform-r-77' });
    expect(stored).not.toHaveProperty('comment');
  });

  it('accepts a comment over several lines, and an empty comment as none', async () => {
    await post({ ...answer, comment: 'Line one\r\nline two\tend' });
    await post({ ...answer, surveyId: 's-2', comment: '   ' });
    const history = await deps.surveys.history('cus_ana');
    expect(history.find((s) => s.surveyId === 'typeform-r-77')?.comment).toBe('Line one\nline two\tend');
    expect(history.find((s) => s.surveyId === 's-2')).not.toHaveProperty('comment');
  });
});

describe('POST /surveys rejects bad input field by field and stores nothing', () => {
  const cases: [string, unknown, string][] = [
    ['score 0', { ...answer, score: 0 }, 'score'],
    ['score 6', { ...answer, score: 6 }, 'score'],
    ['score 2.5', { ...answer, score: 2.5 }, 'score'],
    ['score as text "5"', { ...answer, score: '5' }, 'score'],
    ['score null', { ...answer, score: null }, 'score'],
    ['no score', { customer: answer.customer }, 'score'],
    ['a 1001-character comment', { ...answer, comment: 'x'.repeat(1001) }, 'comment'],
    ['a NUL in the comment', { ...answer, comment: 'fine\u0000' }, 'comment'],
    ['a bell in the comment', { ...answer, comment: 'ding\u0007' }, 'comment'],
    ['an escape sequence in the comment', { ...answer, comment: '\u001b[31mred' }, 'comment'],
    ['a comment that is a number', { ...answer, comment: 5 }, 'comment'],
    ['an unknown field', { ...answer, rating: 5 }, 'rating'],
    [
      'an unknown customer field',
      { ...answer, customer: { customerId: 'cus_ana', name: 'Ana' } },
      'customer.name',
    ],
    [
      'both customerId and email',
      { ...answer, customer: { customerId: 'cus_ana', email: 'ana@example.com' } },
      'customer',
    ],
    ['neither customerId nor email', { ...answer, customer: {} }, 'customer'],
    ['no customer', { score: 3 }, 'customer'],
    ['a customer that is a string', { ...answer, customer: 'cus_ana' }, 'customer'],
    ['an email that is not one', { ...answer, customer: { email: 'ana@' } }, 'customer.email'],
    ['an empty customer id', { ...answer, customer: { customerId: ' ' } }, 'customer.customerId'],
    ['answeredAt next year', { ...answer, answeredAt: '2027-11-24T10:00:00Z' }, 'answeredAt'],
    ['answeredAt an hour ahead', { ...answer, answeredAt: '2026-11-24T11:00:00Z' }, 'answeredAt'],
    ['answeredAt without a zone', { ...answer, answeredAt: '2026-11-23T18:00:00' }, 'answeredAt'],
    ['answeredAt as a date', { ...answer, answeredAt: '23/11/2026' }, 'answeredAt'],
    ['answeredAt before 1990', { ...answer, answeredAt: '1989-12-31T23:59:59Z' }, 'answeredAt'],
    ['an orderId with spaces', { ...answer, orderId: 'web 1001' }, 'orderId'],
    ['a 101-character surveyId', { ...answer, surveyId: 's'.repeat(101) }, 'surveyId'],
    ['a surveyId that is a number', { ...answer, surveyId: 77 }, 'surveyId'],
    ['a list instead of an object', [answer], ''],
    ['null', null, ''],
    ['text that is not JSON', '{"score": 5', ''],
  ];

  it.each(cases)('%s', async (_label, body, path) => {
    const response = await post(body);
    expect(response.statusCode).toBe(400);
    const reply = bodyOf(response);
    expect(reply.error).toBe('validation_failed');
    expect(reply.fields).toContainEqual({ path, message: expect.stringMatching(/\w/) });
    expect(deps.surveys.answers.size).toBe(0);
  });

  it('accepts an answer dated a minute ahead (clock skew)', async () => {
    const response = await post({ ...answer, answeredAt: '2026-11-24T10:01:00Z' });
    expect(response.statusCode).toBe(202);
  });

  it('rejects other content types with 415', async () => {
    const response = await surveysHandler(deps, silent)(
      httpEvent('POST /surveys', 'score=5', { 'content-type': 'application/x-www-form-urlencoded' }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(415);
  });

  it('answers a fault with 500 and a request id, never the error or the comment', async () => {
    deps.surveys.record = async () => {
      throw new Error(`throttled writing ${answer.comment}`);
    };
    const response = await post(answer);
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({ error: 'internal_error', requestId: 'req-1' });
  });
});

describe('POST /surveys never throws, whatever arrives (property-based)', () => {
  const field = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
  const payload = fc.record(
    {
      customer: fc.oneof(
        fc.record({ customerId: fc.oneof(fc.constant('cus_ana'), field) }, { requiredKeys: [] }),
        fc.record({ email: fc.oneof(fc.constant('ana@example.com'), fc.emailAddress(), field) }),
        fc.anything(),
      ),
      score: fc.oneof(fc.integer({ min: -2, max: 8 }), field),
      orderId: field,
      comment: fc.oneof(fc.string({ maxLength: 1200 }), field),
      answeredAt: fc.oneof(
        fc
          .date({ noInvalidDate: true, min: new Date('1980-01-01'), max: new Date('2030-01-01') })
          .map((d) => d.toISOString()),
        field,
      ),
      surveyId: field,
    },
    { requiredKeys: [] },
  );

  it('answers 202, 400 or 409 to any object shaped like an answer, and 202 stores a valid score', async () => {
    await fc.assert(
      fc.asyncProperty(payload, async (body) => {
        const response = await post(body);
        expect([202, 400, 409]).toContain(response.statusCode);
        for (const survey of await deps.surveys.history('cus_ana')) {
          expect(Number.isInteger(survey.score) && survey.score >= 1 && survey.score <= 5).toBe(true);
          expect((survey.comment ?? '').length).toBeLessThanOrEqual(1000);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('answers 202, 400, 409 or 413 to any JSON value or text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.string()), async (body) => {
        const response = await post(typeof body === 'string' ? body : JSON.stringify(body));
        expect([202, 400, 409, 413]).toContain(response.statusCode);
      }),
      { numRuns: 300 },
    );
  });
});
