import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { HmacLinkSigner } from '../../../lib/adapters/crypto/hmac-link-signer';
import { decide } from '../../../lib/domain/campaigns/eligibility';
import { guardSend } from '../../../lib/domain/campaigns/send-guard';
import type { Customer } from '../../../lib/domain/customer';
import {
  codeBinding,
  codeState,
  normaliseCode,
  PHONE_CODE_CAMPAIGN,
  type PhoneCode,
  requestVerification,
  verificationRequested,
} from '../../../lib/domain/phone-verification';
import { applyDetails, verifyPendingPhone } from '../../../lib/domain/preferences';
import type { OutgoingSms } from '../../../lib/ports/message-senders';
import { type SenderDeps, sendMessage } from '../../../lib/use-cases/send-message';
import { verifyPhone } from '../../../lib/use-cases/verify-phone';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryDeliveryLedger } from '../../fakes/in-memory-delivery-ledger';
import { InMemoryPhoneCodes } from '../../fakes/in-memory-phone-codes';
import { InMemorySmsNumberDays } from '../../fakes/in-memory-sms-number-days';

// Phone verification before any SMS: Sam ticks "texts" on the signup form; nothing is texted to
// +44 7911 123456 until Sam types back the code we texted to it.

const { campaigns, campaignSettings } = loadConfig(() => undefined, '/nonexistent');
const NOW = '2026-06-15T09:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000);
const PHONE = '+447911123456';
const links = new HmacLinkSigner('verification-test-key-0123');

/** Sam's manage-page form with texts ticked (the phone added per test). */
const MANAGE_FORM = {
  firstName: 'Sam',
  timeZone: 'Europe/London',
  locale: 'en-GB',
  email: false,
  sms: true,
  campaigns: [],
};

const sam: Customer = {
  customerId: 'cus_sam',
  firstName: 'Sam',
  phone: PHONE,
  timeZone: 'Europe/London',
  locale: 'en-GB',
  interests: [],
  consent: {
    email: { status: 'none', updatedAt: NOW, source: 'form' },
    sms: { status: 'pending', updatedAt: NOW, source: 'form' },
  },
  pendingPhone: { phone: PHONE, requestedAt: NOW },
  source: 'form',
  createdAt: NOW,
  updatedAt: NOW,
  version: 1,
};
const codeFor = (code: string, sentAt = NOW, attempts = 0): PhoneCode => ({
  requestedAt: NOW,
  codeHash: links.digest(codeBinding('cus_sam', NOW, code)),
  sentAt,
  attempts,
});

describe('the code (pure rules)', () => {
  it('works for 10 minutes after it was sent, then is expired', () => {
    const customer = { ...sam, phoneCode: codeFor('123456') };
    expect(codeState(customer, at(9.99)).usable).toBe(true);
    expect(codeState(customer, at(10))).toEqual({ usable: false, reason: 'expired' });
  });

  it('takes 5 tries, then none', () => {
    expect(codeState({ ...sam, phoneCode: codeFor('123456', NOW, 4) }, at(1)).usable).toBe(true);
    expect(codeState({ ...sam, phoneCode: codeFor('123456', NOW, 5) }, at(1))).toEqual({
      usable: false,
      reason: 'too_many_attempts',
    });
  });

  it('belongs to one request: a new request (a renewed signup, a new number) has no code yet', () => {
    const renewed = { ...sam, pendingPhone: { phone: PHONE, requestedAt: at(11).toISOString() } };
    expect(codeState({ ...renewed, phoneCode: codeFor('123456') }, at(12))).toEqual({
      usable: false,
      reason: 'no_code',
    });
    expect(codeState({ ...sam, pendingPhone: undefined }, at(1))).toEqual({
      usable: false,
      reason: 'no_request',
    });
  });

  it('is stored as an HMAC bound to the customer and the request, never as the code', () => {
    const stored = codeFor('123456');
    expect(JSON.stringify(stored)).not.toContain('123456');
    expect(links.matchesDigest(codeBinding('cus_sam', NOW, '123456'), stored.codeHash)).toBe(true);
    expect(links.matchesDigest(codeBinding('cus_sam', NOW, '123457'), stored.codeHash)).toBe(false);
    expect(links.matchesDigest(codeBinding('cus_other', NOW, '123456'), stored.codeHash)).toBe(false);
    expect(new HmacLinkSigner('another-key-0123456789ab').matchesDigest('x', links.digest('x'))).toBe(false);
  });

  it('is read as typed: spaces and dashes allowed, six digits only', () => {
    expect(normaliseCode(' 123 456 ')).toBe('123456');
    expect(normaliseCode('123-456')).toBe('123456');
    expect(normaliseCode('12345')).toBeUndefined();
    expect(normaliseCode('12345a')).toBeUndefined();
  });

  it('a repeated request for the same number within 10 minutes keeps the first (no second text)', () => {
    const first = requestVerification(undefined, PHONE, NOW);
    expect(requestVerification(first, PHONE, at(9).toISOString())).toBe(first);
    expect(requestVerification(first, PHONE, at(10).toISOString())).toEqual({
      phone: PHONE,
      requestedAt: at(10).toISOString(),
    });
    expect(requestVerification(first, '+447911123457', at(1).toISOString()).phone).toBe('+447911123457');
  });

  it('a new request asks for a code text once; a replayed or erased profile asks for none', () => {
    expect(verificationRequested(undefined, sam)).toEqual(sam.pendingPhone);
    expect(verificationRequested({ pendingPhone: sam.pendingPhone }, sam)).toBeUndefined();
    expect(verificationRequested(undefined, { ...sam, erasedAt: NOW })).toBeUndefined();
  });
});

describe('verified: texts switched on, and only then', () => {
  it('the guard skips a campaign text to an unverified number, saying why', () => {
    const birthday = campaigns.find((c) => c.id === 'birthday')!;
    const decision = guardSend({
      customer: sam,
      row: { campaignId: 'birthday', channel: 'sms', plannedAt: NOW },
      campaign: { ...birthday, enabled: true, status: 'active' },
      history: [],
      now: at(0),
      settings: campaignSettings,
    });
    expect(decision).toEqual({ outcome: 'skip', reason: 'phone_unverified' });
  });

  it('the planner says why: texts asked for, number unverified (even where email comes first)', () => {
    const birthday = campaigns.find((c) => c.id === 'birthday')!;
    const campaign = {
      ...birthday,
      enabled: true,
      status: 'active' as const,
      channel: 'email-then-sms' as const,
    };
    expect(decide(sam, campaign, at(0), campaignSettings)).toEqual({
      outcome: 'skipped',
      reason: 'phone_unverified',
    });
  });

  it('verifying turns pending consent into opted in; consent withdrawn stays withdrawn', () => {
    const verified = verifyPendingPhone(sam, PHONE, at(1).toISOString());
    expect(verified.consent.sms).toMatchObject({ status: 'opted_in', source: 'phone-verification' });
    expect(verified.pendingPhone).toBeUndefined();
    expect(verified.version).toBe(2);
    const withdrawn = {
      ...sam,
      consent: { ...sam.consent, sms: { ...sam.consent.sms, status: 'opted_out' as const } },
    };
    expect(verifyPendingPhone(withdrawn, PHONE, NOW).consent.sms.status).toBe('opted_out');
  });

  it('the manage page: a new number waits for its code; the old one keeps getting texts until then', () => {
    const optedIn: Customer = {
      ...sam,
      pendingPhone: undefined,
      consent: { ...sam.consent, sms: { status: 'opted_in', updatedAt: NOW, source: 'phone-verification' } },
    };
    const changed = applyDetails(optedIn, { ...MANAGE_FORM, phone: '+447911123457' }, [], NOW);
    expect(changed.phone).toBe(PHONE);
    expect(changed.pendingPhone).toEqual({ phone: '+447911123457', requestedAt: NOW });
    expect(changed.consent.sms.status).toBe('opted_in');
    const verified = verifyPendingPhone(changed, '+447911123457', at(2).toISOString());
    expect(verified.phone).toBe('+447911123457');
  });

  it('the manage page: ticking texts for a number never verified asks for a code, not consent outright', () => {
    const none: Customer = {
      ...sam,
      pendingPhone: undefined,
      consent: { ...sam.consent, sms: { status: 'none', updatedAt: NOW, source: 'form' } },
    };
    const changed = applyDetails(none, { ...MANAGE_FORM, phone: PHONE }, [], NOW);
    expect(changed.consent.sms).toMatchObject({ status: 'pending', source: 'manage-page' });
    expect(changed.pendingPhone).toEqual({ phone: PHONE, requestedAt: NOW });
  });
});

describe('POST /verify-phone (the use case)', () => {
  function setup(code = '246810', sentAt = NOW) {
    const customers = new InMemoryCustomerRepository();
    customers.customers.set('cus_sam', { ...sam, phoneCode: codeFor(code, sentAt) });
    // The consent store's conditional count on the fake's stored profile (contract: phone-codes.test.ts).
    const consent = new InMemoryPhoneCodes(customers);
    let now = at(1);
    const deps = { customers, consent, links, clock: { now: () => now } };
    const token = links.sign({ purpose: 'verify-phone', customerId: 'cus_sam', channel: 'sms' }, at(60));
    const setNow = (d: Date) => {
      now = d;
    };
    return { deps, token, customers, setNow };
  }

  it('the right code verifies the number and switches texts on', async () => {
    const { deps, token, customers } = setup();
    expect(await verifyPhone(deps, token, '246 810')).toEqual({ status: 'verified' });
    const stored = customers.customers.get('cus_sam');
    expect(stored?.consent.sms.status).toBe('opted_in');
    expect(stored?.pendingPhone).toBeUndefined();
  });

  it('five wrong tries use the code up: the right one then fails too', async () => {
    const { deps, token, customers } = setup();
    for (let i = 0; i < 5; i++)
      expect(await verifyPhone(deps, token, '000000')).toEqual({ status: 'wrong_code' });
    expect(await verifyPhone(deps, token, '246810')).toEqual({ status: 'too_many_attempts' });
    expect(customers.customers.get('cus_sam')?.consent.sms.status).toBe('pending');
  });

  it('a code older than 10 minutes fails; a malformed one is not counted', async () => {
    const { deps, token, customers, setNow } = setup();
    expect(await verifyPhone(deps, token, '12')).toEqual({ status: 'malformed' });
    expect(customers.customers.get('cus_sam')?.phoneCode?.attempts).toBe(0);
    setNow(at(10));
    expect(await verifyPhone(deps, token, '246810')).toEqual({ status: 'expired' });
  });

  it('a token for another purpose, or tampered, is invalid; the manage page token works', async () => {
    const { deps } = setup();
    const unsubscribe = links.sign({ purpose: 'unsubscribe', customerId: 'cus_sam', channel: 'sms' }, at(60));
    expect(await verifyPhone(deps, unsubscribe, '246810')).toEqual({ status: 'invalid' });
    expect(await verifyPhone(deps, 'x.y', '246810')).toEqual({ status: 'invalid' });
    const manage = links.sign({ purpose: 'manage', customerId: 'cus_sam', channel: 'email' }, at(60));
    expect(await verifyPhone(deps, manage, '246810')).toEqual({ status: 'verified' });
  });
});

describe('the code text (sender)', () => {
  function setup(customer: Customer = sam) {
    const ledger = new InMemoryDeliveryLedger();
    ledger.put({
      customerId: 'cus_sam',
      deliveryKey: `${PHONE_CODE_CAMPAIGN}#${NOW}`,
      campaignId: PHONE_CODE_CAMPAIGN,
      occasion: NOW,
      channel: 'sms',
      status: 'queued',
      plannedAt: NOW,
      claimedAt: NOW,
      updatedAt: NOW,
    });
    const texts: OutgoingSms[] = [];
    const codes: PhoneCode[] = [];
    const deps: SenderDeps = {
      customers: { get: async () => customer },
      ledger,
      email: { send: async () => ({ messageId: 'e' }) },
      sms: {
        send: async (sms) => {
          texts.push(sms);
          return { messageId: 'sms-1' };
        },
        isOptedOut: async () => false,
      },
      links,
      queue: { enqueue: async () => {} },
      consent: {
        recordConfirmationSent: async () => {},
        recordPhoneCode: async (_id, code) => {
          codes.push(code);
          return code.requestedAt === customer.pendingPhone?.requestedAt;
        },
        suppress: async () => true,
        suppressIdentity: async () => {},
      },
      numbers: new InMemorySmsNumberDays(),
      clock: { now: () => at(0) },
      campaigns,
      settings: { ...campaignSettings, publicBaseUrl: 'https://precis.example' },
      randomCode: () => 42,
    };
    const request = {
      version: 1 as const,
      customerId: 'cus_sam',
      campaignId: PHONE_CODE_CAMPAIGN,
      occasion: NOW,
      channel: 'sms' as const,
      plannedAt: NOW,
    };
    return { deps, request, texts, codes, ledger };
  }

  it('texts the code to the pending number and keeps only its digest', async () => {
    const { deps, request, texts, codes } = setup();
    expect(await sendMessage(deps, request)).toEqual({ status: 'sent', messageId: 'sms-1' });
    expect(texts).toHaveLength(1);
    expect(texts[0]?.to).toBe(PHONE);
    expect(texts[0]?.transactional).toBe(true);
    expect(texts[0]?.text).toMatch(/^000042 is your .+ verification code\. It expires in 10 minutes\./);
    expect(codes[0]).toMatchObject({ requestedAt: NOW, attempts: 0, sentAt: NOW });
    expect(JSON.stringify(codes)).not.toContain('000042');
  });

  it('a request renewed meanwhile gets no text for the old one', async () => {
    const { deps, request, texts } = setup({
      ...sam,
      pendingPhone: { phone: PHONE, requestedAt: at(11).toISOString() },
    });
    expect(await sendMessage(deps, request)).toEqual({ status: 'skipped', reason: 'not_pending' });
    expect(texts).toEqual([]);
  });

  it('a number that replied STOP gets no code', async () => {
    const { deps, request, texts } = setup();
    deps.sms.isOptedOut = async () => true;
    expect(await sendMessage(deps, request)).toEqual({ status: 'skipped', reason: 'suppressed' });
    expect(texts).toEqual([]);
  });
});
