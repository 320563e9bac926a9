import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { consentHandler } from '../../../functions/consent-api/consent';
import { surveyPageHandler } from '../../../functions/survey-page/survey';
import { loadConfig } from '../../../infra/config';
import { HmacLinkSigner } from '../../../lib/adapters/crypto/hmac-link-signer';
import { CheckedCampaignsSchema } from '../../../lib/domain/campaigns/checked-campaigns';
import type { Customer } from '../../../lib/domain/customer';
import { computeProfileMetrics } from '../../../lib/domain/profile-metrics';
import { computeSatisfaction } from '../../../lib/domain/satisfaction';
import { placeInMatrix } from '../../../lib/domain/satisfaction-matrix';
import {
  chosenScore,
  emailSurveyId,
  SURVEY_LINK_DAYS,
  surveyFormInput,
} from '../../../lib/domain/survey-links';
import type { LinkClaims } from '../../../lib/ports/link-signer';
import type { OutgoingEmail } from '../../../lib/ports/message-senders';
import { type SenderDeps, sendMessage } from '../../../lib/use-cases/send-message';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryDeliveryLedger } from '../../fakes/in-memory-delivery-ledger';
import { InMemorySmsNumberDays } from '../../fakes/in-memory-sms-number-days';
import { InMemorySurveyRepository } from '../../fakes/in-memory-survey-repository';
import { httpEvent, lambdaContext } from '../functions/fixtures';

// The post-purchase survey answered from the email: Ana bought a teapot (order o-1001) on 7 March;
// on 14 March the survey email carries five score links and an "add a comment" link. A click opens
// the survey page with that score chosen (nothing recorded: mail scanners click too); sending the
// form records her answer as POST /surveys would, once for the order.

const { campaigns, campaignSettings } = loadConfig(() => undefined, '/nonexistent');
const KEY = 'a-test-key-of-32-characters-long';
const signer = new HmacLinkSigner(KEY);
const silent = new Logger({ logLevel: 'SILENT' });
const SENT_AT = '2026-03-14T09:00:00.000Z';
const DAY = 86_400_000;

const ana: Customer = {
  customerId: 'cus_ana',
  firstName: 'Ana',
  email: 'ana@example.com',
  timeZone: 'Europe/London',
  locale: 'en-GB',
  interests: [],
  consent: {
    email: { status: 'confirmed', updatedAt: '2026-01-01T00:00:00Z', source: 'form' },
    sms: { status: 'none', updatedAt: '2026-01-01T00:00:00Z', source: 'form' },
  },
  source: 'form',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  version: 1,
  metrics: computeProfileMetrics([
    {
      orderId: 'o-0999',
      orderedAt: '2026-01-20T10:00:00Z',
      amount: 12,
      lineItems: [{ sku: 'TEA-1', category: 'tea', quantity: 1, unitPrice: 12 }],
    },
    {
      orderId: 'o-1001',
      orderedAt: '2026-03-07T15:30:00Z',
      amount: 40,
      lineItems: [{ sku: 'POT-1', category: 'teapots', quantity: 1, unitPrice: 40 }],
    },
  ]),
};

const surveyToken = (
  claims: Partial<LinkClaims> = {},
  expiresAt = new Date(Date.parse(SENT_AT) + 60 * DAY),
) =>
  signer.sign(
    {
      purpose: 'survey',
      customerId: 'cus_ana',
      channel: 'email',
      deliveryKey: 'survey#2026-03-07',
      orderId: 'o-1001',
      score: 4,
      ...claims,
    },
    expiresAt,
  );

describe('survey link tokens', () => {
  const now = new Date(SENT_AT);

  it('carry the customer, the order, the email and the score, and nothing else', () => {
    expect(signer.verify(surveyToken(), now)).toEqual({
      purpose: 'survey',
      customerId: 'cus_ana',
      channel: 'email',
      deliveryKey: 'survey#2026-03-07',
      orderId: 'o-1001',
      score: 4,
    });
    // The comment link has no score.
    const { score: _, ...comment } = signer.verify(surveyToken({ score: undefined }), now) as LinkClaims;
    expect(comment).not.toHaveProperty('score');
  });

  it.each([0, 6, 3.5])('refuse a score of %s, even signed', (score) => {
    expect(signer.verify(surveyToken({ score }), now)).toBeUndefined();
  });

  it('put an order or a score on no other purpose: an unsubscribe token with one is refused', () => {
    const odd = signer.sign(
      { purpose: 'unsubscribe', customerId: 'cus_ana', channel: 'email', orderId: 'o-1001', score: 5 },
      new Date('2026-12-31'),
    );
    expect(signer.verify(odd, now)).toBeUndefined();
  });
});

describe('the answer of an emailed survey', () => {
  it('is one per order: its survey id names the order', () => {
    expect(emailSurveyId({ orderId: 'o-1001', deliveryKey: 'survey#2026-03-07' })).toBe('order:o-1001');
  });

  it('falls back to one per survey email when the profile did not name its last order yet', () => {
    expect(emailSurveyId({ deliveryKey: 'survey#2026-03-07' })).toBe('email:survey#2026-03-07');
    expect(emailSurveyId({})).toBeUndefined();
  });

  it('keeps an overlong order id within the survey id’s 100 characters, the same every time', () => {
    const long = `shop-eu/${'9'.repeat(92)}`;
    const id = emailSurveyId({ orderId: long }) as string;
    expect(id.length).toBeLessThanOrEqual(100);
    expect(emailSurveyId({ orderId: long })).toBe(id);
    expect(emailSurveyId({ orderId: `${long.slice(0, -1)}8` })).not.toBe(id);
  });

  it('takes the score chosen on the page, else the clicked link’s', () => {
    expect(chosenScore({ score: '2' }, 4)).toBe(2);
    expect(chosenScore({}, 4)).toBe(4);
    expect(chosenScore({ score: ' ' }, undefined)).toBeUndefined();
    expect(chosenScore({ score: 'five' }, 4)).toBe('five');
    expect(
      surveyFormInput([
        ['token', 't'],
        ['score', '5'],
        ['score', '1'],
        ['x', 'y'],
      ]),
    ).toEqual({
      token: 't',
      score: '5',
    });
  });
});

describe('the survey email', () => {
  const surveyRequest = {
    version: 1 as const,
    customerId: 'cus_ana',
    campaignId: 'survey',
    occasion: '2026-03-07',
    channel: 'email' as const,
    plannedAt: SENT_AT,
  };

  async function send(customer: Customer = ana): Promise<OutgoingEmail> {
    const ledger = new InMemoryDeliveryLedger();
    ledger.put({
      customerId: 'cus_ana',
      deliveryKey: 'survey#2026-03-07',
      campaignId: 'survey',
      occasion: '2026-03-07',
      channel: 'email',
      status: 'queued',
      plannedAt: SENT_AT,
      claimedAt: SENT_AT,
      updatedAt: SENT_AT,
    });
    const sent: OutgoingEmail[] = [];
    const deps: SenderDeps = {
      customers: { get: async () => customer },
      ledger,
      email: {
        send: async (email) => {
          sent.push(email);
          return { messageId: 'ses-1' };
        },
      },
      sms: { send: async () => ({ messageId: 'sms-1' }), isOptedOut: async () => false },
      links: signer,
      queue: { enqueue: async () => {} },
      consent: {
        recordConfirmationSent: async () => {},
        recordPhoneCode: async () => true,
        suppress: async () => true,
        suppressIdentity: async () => {},
      },
      numbers: new InMemorySmsNumberDays(),
      clock: { now: () => new Date(SENT_AT) },
      campaigns,
      settings: { ...campaignSettings, publicBaseUrl: 'https://shop.example' },
    };
    expect(await sendMessage(deps, surveyRequest)).toEqual({ status: 'sent', messageId: 'ses-1' });
    return sent[0] as OutgoingEmail;
  }

  const linksIn = (text: string) =>
    [...text.matchAll(/https:\/\/shop\.example\/survey\?token=([\w.-]+)/g)].map((m) => m[1] as string);

  it('carries a row of five score links and an "add a comment" link, for the order, working 60 days', async () => {
    const email = await send();
    const tokens = linksIn(email.text);
    expect(tokens).toHaveLength(6);
    const claims = tokens.map((t) => signer.verify(t, new Date(SENT_AT)));
    expect(claims.map((c) => c?.score)).toEqual([1, 2, 3, 4, 5, undefined]);
    for (const c of claims) {
      expect(c).toMatchObject({
        purpose: 'survey',
        customerId: 'cus_ana',
        orderId: 'o-1001',
        deliveryKey: 'survey#2026-03-07',
      });
    }
    const lastMinute = new Date(Date.parse(SENT_AT) + SURVEY_LINK_DAYS * DAY - 1000);
    expect(signer.verify(tokens[3] as string, lastMinute)?.score).toBe(4);
    expect(
      signer.verify(tokens[3] as string, new Date(Date.parse(SENT_AT) + SURVEY_LINK_DAYS * DAY)),
    ).toBeUndefined();
    // The HTML: each score a link of its own, then the comment link; the unsubscribe footer still there.
    const html = email.html;
    expect(
      [...html.matchAll(/<a href="https:\/\/shop\.example\/survey\?token=[\w.-]+"[^>]*>(\d)<\/a>/g)].map(
        (m) => m[1],
      ),
    ).toEqual(['1', '2', '3', '4', '5']);
    expect(html).toMatch(/<a href="https:\/\/shop\.example\/survey\?token=[\w.-]+">Add a comment<\/a>/);
    expect(html).toContain('>Unsubscribe</a>');
  });

  it('names no order for a profile stored before the last order id existed: one answer per email then', async () => {
    const { lastOrderId: _, ...older } = ana.metrics as NonNullable<Customer['metrics']>;
    const email = await send({ ...ana, metrics: older });
    const claims = signer.verify(linksIn(email.text)[0] as string, new Date(SENT_AT));
    expect(claims).not.toHaveProperty('orderId');
    expect(claims?.deliveryKey).toBe('survey#2026-03-07');
  });

  it('is the only campaign whose templates may use the survey links', () => {
    const withLinks = campaigns.map((c) =>
      c.id === 'welcome'
        ? {
            ...c,
            templates: {
              en: { email: { subject: 'Hi', html: '<a href="{{ survey.commentUrl }}">x</a>', text: 'x' } },
            },
          }
        : c,
    );
    const result = CheckedCampaignsSchema.safeParse(withLinks);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        `${campaigns.findIndex((c) => c.id === 'welcome')}.templates.en.email.html`,
        'survey links are only in after-order campaigns (the survey of an order)',
      ],
    ]);
    expect(CheckedCampaignsSchema.safeParse(campaigns).success).toBe(true);
  });
});

describe('the survey page', () => {
  const NOW = '2026-03-15T18:00:00.000Z';
  const setup = async (customer: Customer | undefined = ana) => {
    const customers = new InMemoryCustomerRepository();
    if (customer) await customers.create(customer, { kind: 'email', value: customer.email as string });
    const surveys = new InMemorySurveyRepository();
    const clock = { now: () => new Date(NOW) };
    const handler = surveyPageHandler(
      { customers, surveys, links: signer, clock, newSurveyId: () => 'srv_unused' },
      { brandName: 'Teapot & Co' },
      silent,
    );
    const get = (token: string | undefined) => {
      const event = httpEvent('GET /survey', undefined);
      if (token !== undefined) event.queryStringParameters = { token };
      return handler(event, lambdaContext);
    };
    const post = (fields: Record<string, string>, routeKey = 'POST /survey') =>
      handler(
        httpEvent(routeKey, new URLSearchParams(fields).toString(), {
          'content-type': 'application/x-www-form-urlencoded',
        }),
        lambdaContext,
      );
    return { customers, surveys, get, post };
  };

  it('GET shows the form with the clicked score chosen and records nothing (link scanners open links)', async () => {
    const { surveys, get } = await setup();
    const token = surveyToken({ score: 4 });
    const page = await get(token);
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({ 'cache-control': 'no-store', 'x-robots-tag': 'noindex' });
    expect(page.body).toContain('How happy are you with your order?');
    expect(page.body).toContain('<input type="radio" name="score" value="4" checked required>');
    expect(page.body?.match(/ checked/g)).toHaveLength(1);
    expect(page.body).toContain(`<input type="hidden" name="token" value="${token}">`);
    expect(page.body).toContain('<form method="post" action="/survey">');
    expect(await surveys.history('cus_ana')).toEqual([]);
  });

  it('GET from the comment link chooses no score', async () => {
    const { get } = await setup();
    const page = await get(surveyToken({ score: undefined }));
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(' checked');
  });

  it('POST records the answer as POST /surveys does, for the order, and thanks the person', async () => {
    const { surveys, post } = await setup();
    const answered = await post({
      token: surveyToken({ score: 4 }),
      score: '4',
      comment: '  Lovely teapot!\r\n',
    });
    expect(answered.statusCode).toBe(200);
    expect(answered.body).toContain('Thank you for your answer');
    expect(answered.body).toContain('Teapot &amp; Co has your score: 4 out of 5.');
    expect(await surveys.history('cus_ana')).toEqual([
      {
        customerId: 'cus_ana',
        surveyId: 'order:o-1001',
        orderId: 'o-1001',
        score: 4,
        comment: 'Lovely teapot!',
        answeredAt: NOW,
        receivedAt: NOW,
      },
    ]);
    // What the profile's satisfaction and the matrix make of it (the Surveys stream recomputes them).
    const satisfaction = computeSatisfaction(await surveys.history('cus_ana'));
    expect(satisfaction).toMatchObject({ latest: 4, mean: 4, count: 1 });
    expect(
      placeInMatrix(
        { purchaseVolume: 52, satisfactionScore: satisfaction?.mean },
        { mediumAbove: 20, highAbove: 100 },
      ).cell,
    ).toEqual({
      volume: 'medium',
      satisfaction: 'high',
      strategy: 'retailer-partner',
    });
  });

  it('takes the score the person changed to on the page over the link’s', async () => {
    const { surveys, post } = await setup();
    expect((await post({ token: surveyToken({ score: 5 }), score: '2', comment: '' })).statusCode).toBe(200);
    expect((await surveys.history('cus_ana')).map((s) => [s.score, s.comment])).toEqual([[2, undefined]]);
  });

  it('records one answer per order: the same answer again thanks again; a different one is refused, the first stands', async () => {
    const { surveys, post } = await setup();
    const form = { token: surveyToken({ score: 5 }), score: '5', comment: 'Great' };
    expect((await post(form)).statusCode).toBe(200);
    const again = await post(form);
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('Thank you for your answer');
    // Another link of the same email (score 1), or the comment link with another comment.
    const other = await post({ token: surveyToken({ score: 1 }), score: '1' });
    expect(other.statusCode).toBe(409);
    expect(other.body).toContain('You have already answered');
    expect(
      (await post({ token: surveyToken({ score: undefined }), score: '5', comment: 'More' })).statusCode,
    ).toBe(409);
    expect((await surveys.history('cus_ana')).map((s) => [s.score, s.comment])).toEqual([[5, 'Great']]);
  });

  it('a different order is a different survey', async () => {
    const { surveys, post } = await setup();
    await post({ token: surveyToken(), score: '4' });
    await post({ token: surveyToken({ orderId: 'o-1002', deliveryKey: 'survey#2026-04-02' }), score: '2' });
    expect((await surveys.history('cus_ana')).map((s) => [s.orderId, s.score])).toEqual([
      ['o-1001', 4],
      ['o-1002', 2],
    ]);
  });

  it.each([
    [
      'no score (the comment link, nothing chosen)',
      { score: '' },
      'score',
      'must be a whole number from 1 to 5',
    ],
    ['a score of 9', { score: '9' }, 'score', 'must be a whole number from 1 to 5'],
    [
      'a comment with control characters',
      { score: '3', comment: 'bad\u0007bell' },
      'comment',
      'must not contain control characters',
    ],
    [
      'a comment of 1,001 characters',
      { score: '3', comment: 'x'.repeat(1001) },
      'comment',
      'must be at most 1000 characters',
    ],
  ])(
    'POST with %s: the form again with the error next to the field (400), nothing stored',
    async (_, fields, field, message) => {
      const { surveys, post } = await setup();
      const token = surveyToken({ score: undefined });
      const page = await post({ token, ...fields });
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain(`id="${field}-error" style="color:#b00">${message}</strong>`);
      expect(page.body).toContain(`name="token" value="${token}"`);
      expect(await surveys.history('cus_ana')).toEqual([]);
    },
  );

  const invalidTokens: [string, () => string | undefined][] = [
    ['expired', () => surveyToken({}, new Date(Date.parse(NOW) - 1000))],
    ['tampered', () => `${surveyToken().slice(0, -2)}xx`],
    [
      'for unsubscribing',
      () =>
        signer.sign(
          { purpose: 'unsubscribe', customerId: 'cus_ana', channel: 'email' },
          new Date('2026-12-31'),
        ),
    ],
    [
      'for the manage page',
      () =>
        signer.sign({ purpose: 'manage', customerId: 'cus_ana', channel: 'email' }, new Date('2026-12-31')),
    ],
    [
      'signed with another key',
      () =>
        new HmacLinkSigner('another-key-of-32-characters-xx').sign(
          { purpose: 'survey', customerId: 'cus_ana', channel: 'email', orderId: 'o-1001' },
          new Date('2026-12-31'),
        ),
    ],
    ['for a customer who does not exist', () => surveyToken({ customerId: 'cus_nobody' })],
    ['missing', () => undefined],
    ['garbage', () => '<script>alert(1)</script>'],
  ];

  it.each(invalidTokens)(
    'a token %s gets one 400 page on GET and POST that reveals nothing, and stores nothing',
    async (_, token) => {
      const { surveys, get, post } = await setup();
      const shown = await get(token());
      const posted = await post({ ...(token() !== undefined && { token: token() as string }), score: '5' });
      const reference = await get('x.y');
      for (const page of [shown, posted]) {
        expect(page.statusCode).toBe(400);
        expect(page.body).toBe(reference.body);
        expect(page.body).not.toMatch(/ana|cus_|o-1001|script/i);
      }
      expect(await surveys.history('cus_ana')).toEqual([]);
    },
  );

  it('an erased customer’s link works no more (the same 400 page)', async () => {
    const { surveys, get, post } = await setup({ ...ana, erasedAt: '2026-03-10T00:00:00.000Z' });
    expect((await get(surveyToken())).statusCode).toBe(400);
    expect((await post({ token: surveyToken(), score: '5' })).statusCode).toBe(400);
    expect(await surveys.history('cus_ana')).toEqual([]);
  });

  it('a survey token unsubscribes nobody', async () => {
    const { customers } = await setup();
    const event = httpEvent('POST /unsubscribe', 'List-Unsubscribe=One-Click', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    event.queryStringParameters = { token: surveyToken() };
    const handler = consentHandler(
      { customers, links: signer, clock: { now: () => new Date(NOW) } },
      { brandName: 'Shop' },
      silent,
    );
    expect((await handler(event, lambdaContext)).statusCode).toBe(400);
    expect((await customers.get('cus_ana'))?.consent.email.status).toBe('confirmed');
  });
});
