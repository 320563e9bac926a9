import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { HmacLinkSigner } from '../../../lib/adapters/crypto/hmac-link-signer';
import type { Delivery, SendRequest } from '../../../lib/domain/campaigns/delivery';
import type { Customer } from '../../../lib/domain/customer';
import {
  type OutgoingEmail,
  ProviderRejectedError,
  ProviderThrottledError,
} from '../../../lib/ports/message-senders';
import { INTERRUPTED, type SenderDeps, sendMessage } from '../../../lib/use-cases/send-message';
import { InMemoryDeliveryLedger } from '../../fakes/in-memory-delivery-ledger';
import { InMemorySmsNumberDays } from '../../fakes/in-memory-sms-number-days';

// The sender's "at most once": what the ledger says after each provider outcome, and that a
// message whose outcome is unknown is sent again only once its quiet period (15 minutes for email)
// has passed with no provider event, by exactly one copy.

const { campaigns, campaignSettings } = loadConfig(() => undefined, '/nonexistent');
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
};
const request = {
  version: 1 as const,
  customerId: 'cus_ana',
  campaignId: 'birthday',
  occasion: '2026',
  channel: 'email' as const,
  plannedAt: '2026-03-14T09:00:00.000Z',
};

function setup(
  send: (email: OutgoingEmail) => Promise<{ messageId: string }>,
  customer: Customer = ana,
  at = '2026-03-14T09:00:00.000Z',
) {
  const ledger = new InMemoryDeliveryLedger();
  const requeued: { request: SendRequest; delaySeconds: number | undefined }[] = [];
  ledger.put({
    customerId: 'cus_ana',
    deliveryKey: 'birthday#2026',
    campaignId: 'birthday',
    occasion: '2026',
    channel: 'email',
    status: 'queued',
    plannedAt: at,
    claimedAt: at,
    updatedAt: at,
  });
  const sent: OutgoingEmail[] = [];
  const deps: SenderDeps = {
    customers: { get: async () => customer },
    ledger,
    email: {
      send: async (email) => {
        sent.push(email);
        return send(email);
      },
    },
    sms: { send: async () => ({ messageId: 'sms-1' }), isOptedOut: async () => false },
    links: new HmacLinkSigner('a-test-key-of-32-characters-long'),
    queue: {
      enqueue: async (requests, options) => {
        for (const r of requests) requeued.push({ request: r, delaySeconds: options?.delaySeconds });
      },
    },
    consent: {
      recordConfirmationSent: async () => {},
      recordPhoneCode: async () => true,
      suppress: async () => true,
      suppressIdentity: async () => {},
    },
    numbers: new InMemorySmsNumberDays(),
    clock: { now: () => new Date(at) },
    campaigns,
    settings: { ...campaignSettings, publicBaseUrl: 'http://localhost:3000' },
  };
  return { deps, ledger, sent, requeued, status: () => ledger.row('birthday#2026')?.status };
}

describe('sending one queued message', () => {
  it('sends once and records the provider message id; a redelivery sends nothing', async () => {
    const { deps, sent, ledger } = setup(async () => ({ messageId: 'ses-1' }));
    expect(await sendMessage(deps, request)).toEqual({ status: 'sent', messageId: 'ses-1' });
    expect(await sendMessage(deps, request)).toEqual({ status: 'duplicate' });
    expect(sent).toHaveLength(1);
    expect(ledger.row('birthday#2026')).toMatchObject({ status: 'sent', providerMessageId: 'ses-1' });
    expect(sent[0]!.headers).toMatchObject({ 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
  });

  it('carries a signed manage-your-details link for this person next to the unsubscribe link', async () => {
    const { deps, sent } = setup(async () => ({ messageId: 'ses-1' }));
    await sendMessage(deps, request);
    const link = sent[0]!.text.match(/Manage your details and preferences: (\S+)/)?.[1];
    expect(link?.startsWith('http://localhost:3000/manage?token=')).toBe(true);
    const token = new URL(link as string).searchParams.get('token') as string;
    expect(deps.links.verify(token, new Date('2026-03-15T00:00:00Z'))).toMatchObject({
      purpose: 'manage',
      customerId: 'cus_ana',
    });
    expect(sent[0]!.html).toContain('Manage your details and preferences</a>');
  });

  it('leaves the row unknown when the provider call ends without an answer, and does not send it again at once', async () => {
    const { deps, sent, status } = setup(async () => {
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    });
    expect(await sendMessage(deps, request)).toEqual({ status: 'unknown', errorName: 'TimeoutError' });
    expect(status()).toBe('unknown');
    expect(await sendMessage(deps, request)).toEqual({ status: 'duplicate' });
    expect(sent).toHaveLength(1);
  });

  it('defers a throttled message with a growing back-off: the row stays claimed, the retry sends it once', async () => {
    let throttle = 2;
    const { deps, status, requeued, sent } = setup(async () => {
      if (throttle-- > 0) throw new ProviderThrottledError('slow down');
      return { messageId: 'ses-1' };
    });
    deps.random = () => 0.5;
    expect(await sendMessage(deps, request)).toEqual({
      status: 'deferred',
      until: '2026-03-14T09:00:02.000Z',
      reason: 'throttled',
    });
    expect(status()).toBe('queued');
    expect(requeued).toEqual([{ request: { ...request, throttled: 1 }, delaySeconds: 2 }]);
    // The second throttle waits longer; nothing goes to a dead-letter queue (nothing throws).
    expect(await sendMessage(deps, requeued[0]!.request)).toMatchObject({ status: 'deferred' });
    expect(requeued[1]).toEqual({ request: { ...request, throttled: 2 }, delaySeconds: 3 });
    expect(await sendMessage(deps, requeued[1]!.request)).toEqual({ status: 'sent', messageId: 'ses-1' });
    expect(await sendMessage(deps, requeued[1]!.request)).toEqual({ status: 'duplicate' });
    expect(sent).toHaveLength(3);
    expect(status()).toBe('sent');
  });

  it('marks the row failed when the provider refuses the message for good', async () => {
    const { deps, status } = setup(async () => {
      throw new ProviderRejectedError('MessageRejected');
    });
    expect(await sendMessage(deps, request)).toEqual({ status: 'failed', reason: 'MessageRejected' });
    expect(status()).toBe('failed');
  });

  it('holds a message claimed outside the send window: back on the queue in ≤ 15-minute hops, sent once due', async () => {
    const deferred = { ...request, notBefore: '2026-03-14T09:20:00.000Z' };
    // 08:40: 40 minutes early → a 15-minute hop; the row stays queued and nothing is sent.
    const early = setup(async () => ({ messageId: 'ses-1' }), ana, '2026-03-14T08:40:00.000Z');
    expect(await sendMessage(early.deps, deferred)).toEqual({
      status: 'deferred',
      until: '2026-03-14T09:20:00.000Z',
      reason: 'not_before',
    });
    expect(early.requeued).toEqual([{ request: deferred, delaySeconds: 900 }]);
    expect(early.status()).toBe('queued');
    expect(early.sent).toEqual([]);
    // 09:10: the last hop is the 10 minutes left.
    const later = setup(async () => ({ messageId: 'ses-1' }), ana, '2026-03-14T09:10:00.000Z');
    await sendMessage(later.deps, deferred);
    expect(later.requeued.map((r) => r.delaySeconds)).toEqual([600]);
    // 09:20: due; sent once, and a second copy of the hop (a crash between re-queue and delete) sends nothing.
    const due = setup(async () => ({ messageId: 'ses-1' }), ana, '2026-03-14T09:20:00.000Z');
    expect(await sendMessage(due.deps, deferred)).toEqual({ status: 'sent', messageId: 'ses-1' });
    expect(await sendMessage(due.deps, deferred)).toEqual({ status: 'duplicate' });
    expect(due.sent).toHaveLength(1);
    expect(due.requeued).toEqual([]);
  });

  it('skips a person who unsubscribed after the planner queued them', async () => {
    const unsubscribed = {
      ...ana,
      consent: { ...ana.consent, email: { ...ana.consent.email, status: 'unsubscribed' as const } },
    };
    const { deps, sent, status } = setup(async () => ({ messageId: 'x' }), unsubscribed);
    expect(await sendMessage(deps, request)).toEqual({ status: 'skipped', reason: 'unsubscribed' });
    expect(status()).toBe('skipped');
    expect(sent).toEqual([]);
  });

  it('skips a person who opted out of the campaign on the manage page after the planner queued them', async () => {
    const optedOut = { ...ana, campaignOptOuts: ['birthday'] };
    const { deps, sent, status } = setup(async () => ({ messageId: 'x' }), optedOut);
    expect(await sendMessage(deps, request)).toEqual({ status: 'skipped', reason: 'campaign_opt_out' });
    expect(status()).toBe('skipped');
    expect(sent).toEqual([]);
  });

  it('defers a message that reaches the sender after the window closed (11:20 London for 09:00–11:00) to 09:00 the next day', async () => {
    const late = setup(async () => ({ messageId: 'ses-1' }), ana, '2026-03-14T11:20:00.000Z');
    expect(await sendMessage(late.deps, request)).toEqual({
      status: 'deferred',
      until: '2026-03-15T09:00:00.000Z',
      reason: 'send_window',
    });
    expect(late.sent).toEqual([]);
    expect(late.ledger.row('birthday#2026')).toMatchObject({
      status: 'queued',
      notBefore: '2026-03-15T09:00:00.000Z',
      deferReason: 'send_window',
    });
    expect(late.requeued).toEqual([
      { request: { ...request, notBefore: '2026-03-15T09:00:00.000Z' }, delaySeconds: 900 },
    ]);
  });

  it('skips the second of two profiles sharing one phone number on the same local day (SMS pumping)', async () => {
    const sms = {
      ...ana,
      phone: '+447911123456',
      consent: { ...ana.consent, sms: { ...ana.consent.sms, status: 'opted_in' as const } },
    };
    const first = setup(async () => ({ messageId: 'x' }), sms);
    const text = { ...request, channel: 'sms' as const };
    for (const row of first.ledger.rows.values()) first.ledger.put({ ...row, channel: 'sms' });
    const texts: string[] = [];
    first.deps.sms = {
      send: async (m) => {
        texts.push(m.to);
        return { messageId: 'sms-1' };
      },
      isOptedOut: async () => false,
    };
    expect(await sendMessage(first.deps, text)).toEqual({ status: 'sent', messageId: 'sms-1' });
    // Bo, another profile with Ana's number, the same day: skipped, nothing sent.
    const bo = { ...sms, customerId: 'cus_bo' };
    first.deps.customers = { get: async () => bo };
    first.ledger.put({
      ...(first.ledger.row('birthday#2026') as Delivery),
      customerId: 'cus_bo',
      status: 'queued',
    });
    expect(await sendMessage(first.deps, { ...text, customerId: 'cus_bo' })).toEqual({
      status: 'skipped',
      reason: 'shared_number',
    });
    expect(first.ledger.row('birthday#2026', 'cus_bo')).toMatchObject({
      status: 'skipped',
      reason: 'shared_number',
    });
    expect(texts).toEqual(['+447911123456']);
  });

  it('never writes the profile when sending a campaign message (the cap reads the ledger)', async () => {
    const { deps } = setup(async () => ({ messageId: 'ses-1' }));
    const writes: string[] = [];
    deps.consent = {
      recordConfirmationSent: async () => void writes.push('confirmationSent'),
      recordPhoneCode: async () => true,
      suppress: async () => {
        writes.push('suppress');
        return true;
      },
      suppressIdentity: async () => void writes.push('suppressIdentity'),
    };
    expect(await sendMessage(deps, request)).toMatchObject({ status: 'sent' });
    expect(writes).toEqual([]);
  });
});

describe("sending at the provider's rate", () => {
  it('an email whose slot is far off goes back on the queue untouched: nothing read, sent or written', async () => {
    const { deps, sent, requeued, status } = setup(async () => ({ messageId: 'ses-1' }));
    const reads: string[] = [];
    deps.customers = {
      get: async () => {
        reads.push('profile');
        return ana;
      },
    };
    deps.pacer = { pace: async () => ({ deferMs: 15_000 }) };
    deps.random = () => 0.5;
    expect(await sendMessage(deps, request)).toEqual({
      status: 'deferred',
      until: '2026-03-14T09:00:23.000Z',
      reason: 'paced',
    });
    expect(requeued).toEqual([{ request, delaySeconds: 23 }]);
    expect([sent, reads, status()]).toEqual([[], [], 'queued']);
    // When it comes back and a slot is free, it is sent once.
    deps.pacer = { pace: async () => ({ waitedMs: 0 }) };
    expect(await sendMessage(deps, requeued[0]!.request)).toEqual({ status: 'sent', messageId: 'ses-1' });
    expect(sent).toHaveLength(1);
  });

  it('paces email on the email lane before it reads anything, so the guard reads after the wait', async () => {
    const { deps } = setup(async () => ({ messageId: 'ses-1' }));
    const order: string[] = [];
    deps.customers = {
      get: async () => {
        order.push('profile');
        return ana;
      },
    };
    deps.pacer = {
      pace: async (lane) => {
        order.push(`pace ${lane}`);
        return { waitedMs: 300 };
      },
    };
    expect(await sendMessage(deps, request)).toMatchObject({ status: 'sent' });
    expect(order).toEqual(['pace email', 'profile']);
  });

  it("paces a text on its destination country's lane, and reads the profile again after waiting", async () => {
    const bo = {
      ...ana,
      customerId: 'cus_ana',
      phone: '+12125551234',
      timeZone: 'America/New_York',
      consent: { ...ana.consent, sms: { ...ana.consent.sms, status: 'opted_in' as const } },
    };
    const { deps, ledger } = setup(async () => ({ messageId: 'x' }), bo, '2026-03-14T14:00:00.000Z');
    for (const row of ledger.rows.values()) ledger.put({ ...row, channel: 'sms' });
    const order: string[] = [];
    // Bo replies STOP while the text waits for its slot: the guard sees it and nothing is sent.
    let stopped = false;
    deps.customers = {
      get: async () => {
        order.push('profile');
        return stopped
          ? { ...bo, consent: { ...bo.consent, sms: { ...bo.consent.sms, status: 'opted_out' as const } } }
          : bo;
      },
    };
    deps.pacer = {
      pace: async (lane) => {
        order.push(`pace ${lane}`);
        stopped = true;
        return { waitedMs: 900 };
      },
    };
    const texts: string[] = [];
    deps.sms = {
      send: async (m) => {
        texts.push(m.to);
        return { messageId: 'x' };
      },
      isOptedOut: async () => false,
    };
    expect(await sendMessage(deps, { ...request, channel: 'sms' })).toEqual({
      status: 'skipped',
      reason: 'unsubscribed',
    });
    expect(order).toEqual(['profile', 'pace sms:US', 'profile']);
    expect(texts).toEqual([]);
  });
});

describe('signed links', () => {
  const signer = new HmacLinkSigner('a-test-key-of-32-characters-long');
  const now = new Date('2026-03-14T09:00:00Z');
  const claims = { purpose: 'unsubscribe' as const, customerId: 'cus_ana', channel: 'email' as const };

  it('verify while unexpired, and carry no address', () => {
    const token = signer.sign(claims, new Date('2026-04-01T00:00:00Z'));
    expect(signer.verify(token, now)).toEqual(claims);
    expect(Buffer.from(token.split('.')[0]!, 'base64url').toString()).not.toContain('@');
  });

  it('verify as nothing when expired, altered or signed with another key', () => {
    const token = signer.sign(claims, new Date('2026-04-01T00:00:00Z'));
    expect(signer.verify(token, new Date('2026-04-02T00:00:00Z'))).toBeUndefined();
    expect(signer.verify(`${token.slice(0, -2)}xx`, now)).toBeUndefined();
    expect(new HmacLinkSigner('another-key-of-32-characters-long').verify(token, now)).toBeUndefined();
    expect(signer.verify('garbage', now)).toBeUndefined();
  });
});

describe('a row left `unknown` by an interrupted send', () => {
  /** The state a crash leaves: the provider was called, the ledger still says `unknown`. */
  const interrupted = (deps: SenderDeps, ledger: InMemoryDeliveryLedger, minutesAgo: number) => {
    const row = ledger.row('birthday#2026') as Delivery;
    const at = new Date(deps.clock.now().getTime() - minutesAgo * 60_000).toISOString();
    ledger.put({ ...row, status: 'unknown', updatedAt: at });
  };

  it('is reported by the redelivery of its message (unknown, interrupted) and not sent again inside the quiet period', async () => {
    const { deps, ledger, sent, status } = setup(async () => ({ messageId: 'ses-1' }));
    interrupted(deps, ledger, 3); // SQS redelivers after the visibility timeout (3 minutes)
    expect(await sendMessage(deps, request)).toEqual({ status: 'unknown', errorName: INTERRUPTED });
    interrupted(deps, ledger, 14); // still inside the 15 minutes SES has to publish its Send event
    expect(await sendMessage(deps, request)).toEqual({ status: 'unknown', errorName: INTERRUPTED });
    expect(sent).toEqual([]);
    expect(status()).toBe('unknown');
  });

  it('past the 15-minute quiet period with no Send event: sent once more, and a further redelivery sends nothing', async () => {
    const { deps, ledger, sent } = setup(async () => ({ messageId: 'ses-2' }));
    interrupted(deps, ledger, 16);
    expect(await sendMessage(deps, request)).toEqual({ status: 'sent', messageId: 'ses-2', retried: true });
    expect(await sendMessage(deps, request)).toEqual({ status: 'duplicate' });
    expect(sent).toHaveLength(1);
    expect(ledger.row('birthday#2026')).toMatchObject({ status: 'sent', providerMessageId: 'ses-2' });
  });

  it('two copies finding it past the quiet period at once: exactly one sends', async () => {
    const { deps, ledger, sent } = setup(async () => ({ messageId: 'ses-2' }));
    interrupted(deps, ledger, 16);
    const outcomes = await Promise.all([sendMessage(deps, request), sendMessage(deps, request)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['duplicate', 'sent']);
    expect(sent).toHaveLength(1);
  });

  it('the retry runs the send-time guard again: Ana unsubscribed meanwhile, so nothing is sent', async () => {
    const unsubscribed: Customer = {
      ...ana,
      consent: {
        ...ana.consent,
        email: { status: 'unsubscribed', updatedAt: '2026-03-14T08:50:00Z', source: 'link' },
      },
    };
    const { deps, ledger, sent, status } = setup(async () => ({ messageId: 'ses-2' }), unsubscribed);
    interrupted(deps, ledger, 16);
    expect(await sendMessage(deps, request)).toMatchObject({ status: 'skipped', retried: true });
    expect(sent).toEqual([]);
    expect(status()).toBe('skipped');
  });

  it('a row the Send event already resolved (sent) is never sent again, however late the redelivery', async () => {
    const { deps, ledger, sent } = setup(async () => ({ messageId: 'ses-2' }));
    interrupted(deps, ledger, 16);
    const row = ledger.row('birthday#2026') as Delivery;
    ledger.put({ ...row, status: 'sent', providerMessageId: 'ses-1' });
    expect(await sendMessage(deps, request)).toEqual({ status: 'duplicate' });
    expect(sent).toEqual([]);
  });

  it('an SMS row keeps its own quiet period (End User Messaging publishes TEXT_QUEUED with our context): reported inside it, never retried when the operator sets smsMinutes null', async () => {
    const { deps, ledger, sent, status } = setup(async () => ({ messageId: 'sms-2' }));
    const row = ledger.row('birthday#2026') as Delivery;
    ledger.put({ ...row, channel: 'sms' });
    interrupted(deps, ledger, 10);
    expect(await sendMessage(deps, { ...request, channel: 'sms' })).toEqual({
      status: 'unknown',
      errorName: INTERRUPTED,
    });
    interrupted(deps, ledger, 60 * 24);
    const never = {
      ...deps,
      settings: { ...deps.settings, unknownQuietPeriod: { emailMinutes: 15, smsMinutes: null } },
    };
    expect(await sendMessage(never, { ...request, channel: 'sms' })).toEqual({
      status: 'unknown',
      errorName: INTERRUPTED,
    });
    expect(sent).toEqual([]);
    expect(status()).toBe('unknown');
  });

  it('is a plain duplicate while another copy may still be sending it (unknown for less than a sender can run)', async () => {
    const { deps, ledger, sent } = setup(async () => ({ messageId: 'ses-1' }));
    interrupted(deps, ledger, 0.5);
    expect(await sendMessage(deps, request)).toEqual({ status: 'duplicate' });
    expect(sent).toEqual([]);
  });
});
