import { Logger } from '@aws-lambda-powertools/logger';
import { beforeEach, describe, expect, it } from 'vitest';
import { consentHandler } from '../../../functions/consent-api/consent';
import { loadConfig } from '../../../infra/config';
import { HmacLinkSigner } from '../../../lib/adapters/crypto/hmac-link-signer';
import { PHONE_CODES } from '../../../lib/adapters/dynamodb/dynamo-confirmation-limiter';
import type { SendRequest } from '../../../lib/domain/campaigns/delivery';
import {
  confirmationRequested,
  confirmEmail,
  emailConfirmed,
  unsubscribe,
} from '../../../lib/domain/consent';
import { applySignup, type Customer } from '../../../lib/domain/customer';
import type { Signup } from '../../../lib/domain/signup';
import type { OutgoingEmail } from '../../../lib/ports/message-senders';
import { sendMessage } from '../../../lib/use-cases/send-message';
import { onProfileChange } from '../../../lib/use-cases/trigger-message';
import { InMemoryConfirmationLimiter } from '../../fakes/in-memory-confirmation-limiter';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryDeliveryLedger } from '../../fakes/in-memory-delivery-ledger';
import { InMemorySmsNumberDays } from '../../fakes/in-memory-sms-number-days';
import { httpEvent, lambdaContext } from '../functions/fixtures';

// Double opt-in and one-click unsubscribe: what a person sees when they click the links in our
// emails, and that the confirmation email goes out once per request, at most once a day.

const { campaigns, campaignSettings } = loadConfig(() => undefined, '/nonexistent');
const NOW = new Date('2026-06-15T10:00:00.000Z');
const at = (iso: string) => ({ now: () => new Date(iso) });
const KEY = 'a-test-key-of-32-characters-long';
const signer = new HmacLinkSigner(KEY);
const silent = new Logger({ logLevel: 'SILENT' });

const pending = (requestedAt = '2026-06-15T09:00:00.000Z'): Customer['consent']['email'] => ({
  status: 'pending',
  updatedAt: requestedAt,
  source: 'footer-form',
  requestedAt,
});
const ana = (email: Customer['consent']['email'] = pending()): Customer => ({
  customerId: 'cus_ana',
  firstName: 'Ana',
  email: 'ana@example.com',
  timeZone: 'Europe/London',
  locale: 'en-GB',
  interests: [],
  consent: { email, sms: { status: 'none', updatedAt: '2026-06-15T09:00:00.000Z', source: 'form' } },
  source: 'footer-form',
  createdAt: '2026-06-15T09:00:00.000Z',
  updatedAt: '2026-06-15T09:00:00.000Z',
  version: 1,
});
const signup: Signup = {
  firstName: 'Ana',
  email: 'ana@example.com',
  timeZone: 'Europe/London',
  locale: 'en-GB',
  interests: [],
  consent: { email: true, sms: false },
  source: 'footer-form',
  isBot: false,
};

describe('consent changes', () => {
  it('confirms a pending address, recording when and through the confirmation link', () => {
    const next = confirmEmail(ana(), NOW.toISOString());
    expect(next.consent.email).toMatchObject({
      status: 'confirmed',
      updatedAt: NOW.toISOString(),
      source: 'confirmation',
    });
    expect(next.version).toBe(2);
  });

  it.each([
    ['confirmed', 'stays confirmed (nothing written)'],
    ['unsubscribed', 'is never re-subscribed by an old confirmation link'],
    ['none', 'was never asked'],
  ] as const)('an address that is %s %s', (status, _why) => {
    const customer = ana({ status, updatedAt: '2026-06-01T00:00:00.000Z', source: 'x' });
    expect(confirmEmail(customer, NOW.toISOString())).toBe(customer);
  });

  it('unsubscribes email or SMS once; a second click changes nothing', () => {
    const once = unsubscribe(ana(), 'email', NOW.toISOString());
    expect(once.consent.email).toEqual({
      status: 'unsubscribed',
      updatedAt: NOW.toISOString(),
      source: 'unsubscribe-link',
    });
    expect(unsubscribe(once, 'email', NOW.toISOString())).toBe(once);
    expect(unsubscribe(ana(), 'sms', NOW.toISOString()).consent.sms.status).toBe('opted_out');
  });

  it('asks for a confirmation email for a new request only', () => {
    const customer = ana();
    expect(confirmationRequested(undefined, customer)).toBe('2026-06-15T09:00:00.000Z');
    expect(confirmationRequested(customer as never, customer)).toBeUndefined();
    const { email: _, ...noAddress } = customer;
    expect(confirmationRequested(undefined, noAddress)).toBeUndefined();
  });

  it('sees a confirmation as pending → confirmed only', () => {
    const confirmed = confirmEmail(ana(), NOW.toISOString());
    expect(emailConfirmed(ana() as never, confirmed)).toBe(true);
    expect(emailConfirmed(confirmed as never, confirmed)).toBe(false);
    expect(emailConfirmed(undefined, confirmed)).toBe(false);
  });

  it('a second signup within 24 h leaves the request alone; a day later renews it', () => {
    const sent = ana({
      ...pending('2026-06-15T09:00:00.000Z'),
      confirmationSentAt: '2026-06-15T09:00:05.000Z',
    });
    expect(applySignup(sent, signup, '2026-06-16T09:00:00.000Z')).toBe(sent);
    const renewed = applySignup(sent, signup, '2026-06-16T09:00:06.000Z');
    expect(renewed.consent.email.requestedAt).toBe('2026-06-16T09:00:06.000Z');
    expect(confirmationRequested(sent as never, renewed)).toBe('2026-06-16T09:00:06.000Z');
  });
});

describe('the consent pages', () => {
  const setup = async (customer: Customer = ana(), now = NOW) => {
    const customers = new InMemoryCustomerRepository();
    await customers.create(customer, { kind: 'email', value: customer.email as string });
    const handler = consentHandler(
      { customers, links: signer, clock: at(now.toISOString()) },
      { brandName: 'Shop' },
      silent,
    );
    const call = (routeKey: string, token: string | undefined, body?: string) => {
      const event = httpEvent(routeKey, body, { 'content-type': 'application/x-www-form-urlencoded' });
      if (token !== undefined) event.queryStringParameters = { token };
      return handler(event, lambdaContext);
    };
    return { customers, call };
  };
  const confirmToken = (
    expires = '2026-06-22T09:00:00.000Z',
    purpose: 'confirm' | 'unsubscribe' = 'confirm',
  ) => signer.sign({ purpose, customerId: 'cus_ana', channel: 'email' }, new Date(expires));

  it('GET /confirm confirms and answers a small page; clicking again says the same', async () => {
    const { customers, call } = await setup();
    const first = await call('GET /confirm', confirmToken());
    expect(first.statusCode).toBe(200);
    expect(first.headers?.['content-type']).toMatch(/^text\/html/);
    expect(first.body).toContain('Your email address is confirmed');
    expect((await customers.get('cus_ana'))?.consent.email).toMatchObject({
      status: 'confirmed',
      source: 'confirmation',
    });
    expect((await call('GET /confirm', confirmToken())).statusCode).toBe(200);
  });

  it.each([
    ['expired', () => confirmToken('2026-06-15T09:59:59.000Z')],
    ['tampered', () => `${confirmToken().slice(0, -2)}xx`],
    ['for unsubscribing', () => confirmToken(undefined, 'unsubscribe')],
    ['missing', () => undefined],
    ['garbage', () => '<script>alert(1)</script>'],
  ])('GET /confirm with a %s token answers one 400 page that reveals nothing', async (_, token) => {
    const { customers, call } = await setup();
    const response = await call('GET /confirm', token());
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('This link does not work');
    expect(response.body).not.toMatch(/ana|cus_|script/i);
    expect((await customers.get('cus_ana'))?.consent.email.status).toBe('pending');
  });

  it('a valid token for a customer who does not exist gets the same 400 page', async () => {
    const { call } = await setup();
    const stranger = signer.sign(
      { purpose: 'confirm', customerId: 'cus_nobody', channel: 'email' },
      new Date('2026-07-01'),
    );
    const response = await call('GET /confirm', stranger);
    expect(response.statusCode).toBe(400);
  });

  it('GET /unsubscribe shows a button and changes nothing; POST (RFC 8058 one-click) unsubscribes', async () => {
    const { customers, call } = await setup(
      ana({ status: 'confirmed', updatedAt: '2026-06-01T00:00:00.000Z', source: 'confirmation' }),
    );
    const token = signer.sign(
      { purpose: 'unsubscribe', customerId: 'cus_ana', channel: 'email' },
      new Date('2027-06-15'),
    );
    const shown = await call('GET /unsubscribe', token);
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('<button type="submit">Unsubscribe</button>');
    expect(shown.body).toContain(`action="/unsubscribe?token=${token}"`);
    expect((await customers.get('cus_ana'))?.consent.email.status).toBe('confirmed');
    const posted = await call('POST /unsubscribe', token, 'List-Unsubscribe=One-Click');
    expect(posted.statusCode).toBe(200);
    expect(posted.body).toContain('You are unsubscribed');
    expect((await customers.get('cus_ana'))?.consent.email).toMatchObject({
      status: 'unsubscribed',
      source: 'unsubscribe-link',
    });
    expect((await call('POST /unsubscribe', token, 'List-Unsubscribe=One-Click')).statusCode).toBe(200);
  });

  it('POST /unsubscribe with a confirmation token or an expired one is a 400 and unsubscribes nobody', async () => {
    const { customers, call } = await setup();
    expect((await call('POST /unsubscribe', confirmToken(), 'List-Unsubscribe=One-Click')).statusCode).toBe(
      400,
    );
    expect((await call('GET /unsubscribe', confirmToken())).statusCode).toBe(400);
    expect((await customers.get('cus_ana'))?.consent.email.status).toBe('pending');
  });
});

describe('the confirmation email', () => {
  let confirmations = new InMemoryConfirmationLimiter();
  beforeEach(() => {
    confirmations = new InMemoryConfirmationLimiter();
  });
  const setup = (customer: Customer) => {
    const ledger = new InMemoryDeliveryLedger();
    const queued: SendRequest[] = [];
    const sent: OutgoingEmail[] = [];
    const recorded: string[] = [];
    const clock = at(NOW.toISOString());
    const customers = { get: async () => customer };
    const trigger = {
      customers,
      ledger,
      queue: { enqueue: async (r: readonly SendRequest[]) => void queued.push(...r) },
      history: { record: async () => {} },
      clock,
      campaigns,
      settings: campaignSettings,
      confirmations,
      phoneCodes: new InMemoryConfirmationLimiter(PHONE_CODES),
    };
    const sender = {
      customers,
      ledger,
      email: {
        send: async (e: OutgoingEmail) => {
          sent.push(e);
          return { messageId: `ses-${sent.length}` };
        },
      },
      sms: { send: async () => ({ messageId: 'sms' }), isOptedOut: async () => false },
      links: signer,
      queue: trigger.queue,
      consent: {
        recordConfirmationSent: async (_: string, requestedAt: string) => void recorded.push(requestedAt),
        recordPhoneCode: async () => true,
        suppress: async () => true,
        suppressIdentity: async () => {},
      },
      numbers: new InMemorySmsNumberDays(),
      clock,
      campaigns,
      settings: { ...campaignSettings, publicBaseUrl: 'http://localhost:3000' },
    };
    return { trigger, sender, ledger, queued, sent, recorded };
  };

  it('is queued once per request (replays queue nothing), sent with a 7-day confirmation link, and recorded', async () => {
    const customer = ana();
    const { trigger, sender, ledger, queued, sent, recorded } = setup(customer);
    expect(await onProfileChange(trigger, { after: customer, at: NOW })).toEqual([
      { status: 'queued', campaignId: 'confirmation', occasion: '2026-06-15T09:00:00.000Z' },
    ]);
    // A replay while the row is still queued queues it again; the sender lets one through.
    await onProfileChange(trigger, { after: customer, at: NOW });
    expect(queued).toHaveLength(2);
    expect(await sendMessage(sender, queued[0]!)).toMatchObject({ status: 'sent' });
    expect(await sendMessage(sender, queued[1]!)).toEqual({ status: 'duplicate' });
    expect(await onProfileChange(trigger, { after: customer, at: NOW })).toEqual([
      {
        status: 'skipped',
        campaignId: 'confirmation',
        occasion: '2026-06-15T09:00:00.000Z',
        reason: 'already_claimed',
      },
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      to: 'ana@example.com',
      subject: 'Please confirm your email address for Precis',
    });
    expect(sent[0]!.headers['List-Unsubscribe']).toBeUndefined();
    const token = /\/confirm\?token=([\w.-]+)/.exec(sent[0]!.text)?.[1] as string;
    expect(signer.verify(token, new Date('2026-06-22T09:59:00.000Z'))).toEqual({
      purpose: 'confirm',
      customerId: 'cus_ana',
      channel: 'email',
    });
    expect(signer.verify(token, new Date('2026-06-22T10:00:01.000Z'))).toBeUndefined();
    expect(recorded).toEqual(['2026-06-15T09:00:00.000Z']);
    expect(ledger.row('confirmation#2026-06-15T09:00:00.000Z')?.status).toBe('sent');
  });

  it('is not sent when the person confirmed (or the request was renewed) in the meantime', async () => {
    const { trigger, ledger, queued } = setup(ana());
    await onProfileChange(trigger, { after: ana(), at: NOW });
    const { sender, sent } = setup(confirmEmail(ana(), NOW.toISOString()));
    const outcome = await sendMessage({ ...sender, ledger }, queued[0]!);
    expect(outcome).toEqual({ status: 'skipped', reason: 'not_pending' });
    expect(sent).toEqual([]);
  });

  it('confirmation triggers the welcome campaign once per person, through eligibility and the ledger', async () => {
    const confirmed = confirmEmail(ana(), NOW.toISOString());
    const { trigger, queued } = setup(confirmed);
    const change = { before: ana() as never, after: confirmed, at: NOW };
    expect(await onProfileChange(trigger, change)).toEqual([
      { status: 'queued', campaignId: 'welcome', occasion: 'once' },
    ]);
    trigger.ledger.row('welcome#once')!.status = 'sent';
    expect(await onProfileChange(trigger, change)).toEqual([
      { status: 'skipped', campaignId: 'welcome', occasion: 'once', reason: 'already_claimed' },
    ]);
    expect(queued.map((r) => `${r.campaignId}#${r.occasion}`)).toEqual(['welcome#once']);
  });
});

describe('confirmation emails per mailbox (anti mail-bombing)', () => {
  const requestOf = (email: string, customerId: string, requestedAt: string): Customer => ({
    ...ana(),
    customerId,
    email,
    consent: {
      email: { status: 'pending', updatedAt: requestedAt, source: 'web', requestedAt },
      sms: { status: 'none', updatedAt: requestedAt, source: 'web' },
    },
  });
  const trigger = () => {
    const queued: SendRequest[] = [];
    const ledger = new InMemoryDeliveryLedger();
    return {
      queued,
      ledger,
      deps: {
        customers: { get: async () => undefined },
        ledger,
        queue: { enqueue: async (r: readonly SendRequest[]) => void queued.push(...r) },
        history: { record: async () => {} },
        clock: at(NOW.toISOString()),
        campaigns,
        settings: campaignSettings,
        confirmations: new InMemoryConfirmationLimiter(),
        phoneCodes: new InMemoryConfirmationLimiter(PHONE_CODES),
      },
    };
  };

  it('sends one per mailbox per day whatever +tag or Gmail dots are posted; the rest are skipped on the ledger', async () => {
    const { deps, queued, ledger } = trigger();
    const day = '2026-06-15T09:00:00.000Z';
    const posted = ['ana@gmail.com', 'ana+1@gmail.com', 'a.n.a+2@googlemail.com', 'bo@example.com'];
    const outcomes = [];
    for (const [i, email] of posted.entries())
      outcomes.push(...(await onProfileChange(deps, { after: requestOf(email, `cus_${i}`, day), at: NOW })));
    expect(outcomes.map((o) => o.status)).toEqual(['queued', 'skipped', 'skipped', 'queued']);
    expect(outcomes[1]).toMatchObject({ reason: 'confirmation_rate_limited' });
    expect(queued.map((r) => r.customerId)).toEqual(['cus_0', 'cus_3']);
    expect(ledger.row(`confirmation#${day}`, 'cus_1')).toMatchObject({
      status: 'skipped',
      reason: 'confirmation_rate_limited',
    });
    // A replay of a refused request counts nothing more and sends nothing.
    await onProfileChange(deps, { after: requestOf('ana+1@gmail.com', 'cus_1', day), at: NOW });
    expect(queued).toHaveLength(2);
  });

  it('a suppressed address uses none of its mailbox allowance: queued for the sender to skip as suppressed', async () => {
    const { deps, queued } = trigger();
    const day = '2026-06-15T09:00:00.000Z';
    const bounced: Customer = {
      ...requestOf('bo@example.com', 'cus_bounced', day),
      suppression: { email: { reason: 'bounce', at: day } },
    };
    // The bounced address, erased and signed up again, then the same mailbox for a live customer.
    await onProfileChange(deps, { after: bounced, at: NOW });
    await onProfileChange(deps, { after: requestOf('bo+new@example.com', 'cus_live', day), at: NOW });
    expect(queued.map((r) => r.customerId)).toEqual(['cus_bounced', 'cus_live']);
  });

  it('allows three in a week at most, one a day', async () => {
    const { deps, queued } = trigger();
    for (let d = 0; d < 5; d++) {
      const when = new Date(NOW.getTime() + d * 86_400_000);
      const requestedAt = when.toISOString();
      await onProfileChange(deps, {
        after: requestOf(`ana+${d}@example.com`, `cus_${d}`, requestedAt),
        at: when,
      });
    }
    expect(queued.map((r) => r.customerId)).toEqual(['cus_0', 'cus_1', 'cus_2']);
  });
});
