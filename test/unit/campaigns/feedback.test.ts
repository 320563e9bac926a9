import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { sesFeedbackHandler } from '../../../functions/ses-feedback/feedback';
import { loadConfig } from '../../../infra/config';
import { HmacLinkSigner } from '../../../lib/adapters/crypto/hmac-link-signer';
import type { Delivery, DeliveryStatus } from '../../../lib/domain/campaigns/delivery';
import {
  interpretSesEvent,
  interpretSmsEvent,
  SesEventDetailSchema,
  SesEventSchema,
  SMS_FEEDBACK_EVENT_TYPES,
  SmsEventSchema,
} from '../../../lib/domain/campaigns/feedback';
import type { Customer } from '../../../lib/domain/customer';
import { ValidationError } from '../../../lib/domain/validation';
import type { SuppressionEntry } from '../../../lib/ports/consent-store';
import { sendMessage } from '../../../lib/use-cases/send-message';
import { InMemoryDeliveryLedger } from '../../fakes/in-memory-delivery-ledger';
import { InMemorySmsNumberDays } from '../../fakes/in-memory-sms-number-days';

// SES feedback as EventBridge delivers it (shapes from the SES developer guide's event records),
// what each event does to the ledger row, and which addresses are suppressed for good.

const MESSAGE_ID = '0100019a-ses-message-id-000000';
const mail = (tags: Record<string, string[]> = ours) => ({
  timestamp: '2026-06-15T09:00:01.000Z',
  source: 'Precis <hello@shop.example>',
  sourceArn: 'arn:aws:ses:eu-west-1:123456789012:identity/shop.example',
  sendingAccountId: '123456789012',
  messageId: MESSAGE_ID,
  destination: ['Ana@Example.com'],
  headersTruncated: false,
  commonHeaders: { from: ['hello@shop.example'], to: ['Ana@Example.com'], subject: 'Happy birthday, Ana!' },
  tags,
});
const ours = {
  'ses:configuration-set': ['precis-campaigns'],
  'ses:from-domain': ['shop.example'],
  campaign: ['birthday'],
  occasion: ['2026'],
  customer: ['cus_ana'],
};
const envelope = (detailType: string, detail: object) => ({
  version: '0',
  id: 'e7f1a2b3-0000-4000-8000-000000000000',
  'detail-type': detailType,
  source: 'aws.ses',
  account: '123456789012',
  time: '2026-06-15T09:00:05Z',
  region: 'eu-west-1',
  resources: ['arn:aws:ses:eu-west-1:123456789012:configuration-set/precis-campaigns'],
  detail,
});

const FIXTURES = {
  // SES accepted the email (the first event of every message it takes).
  sent: envelope('Email Sent', { eventType: 'Send', mail: mail(), send: {} }),
  delivered: envelope('Email Delivered', {
    eventType: 'Delivery',
    mail: mail(),
    delivery: {
      timestamp: '2026-06-15T09:00:03.000Z',
      processingTimeMillis: 2000,
      recipients: ['ana@example.com'],
      smtpResponse: '250 2.6.0 Message received',
      reportingMTA: 'a1-2.smtp-out.eu-west-1.amazonses.com',
    },
  }),
  opened: envelope('Email Opened', {
    eventType: 'Open',
    mail: mail(),
    open: { ipAddress: '192.0.2.1', timestamp: '2026-06-15T09:10:00.000Z', userAgent: 'Mozilla/5.0' },
  }),
  clicked: envelope('Email Clicked', {
    eventType: 'Click',
    mail: mail(),
    click: {
      ipAddress: '192.0.2.1',
      link: 'https://shop.example/birthday',
      linkTags: {},
      timestamp: '2026-06-15T09:11:00.000Z',
      userAgent: 'Mozilla/5.0',
    },
  }),
  hardBounce: envelope('Email Bounced', {
    eventType: 'Bounce',
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [
        {
          emailAddress: 'Ana@Example.com',
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown',
        },
      ],
      timestamp: '2026-06-15T09:00:04.000Z',
      feedbackId: '0100019a-feedback',
      reportingMTA: 'dsn; mta.example.com',
    },
    mail: mail(),
  }),
  softBounce: envelope('Email Bounced', {
    eventType: 'Bounce',
    bounce: {
      bounceType: 'Transient',
      bounceSubType: 'MailboxFull',
      bouncedRecipients: [{ emailAddress: 'ana@example.com' }],
      timestamp: '2026-06-15T09:00:04.000Z',
      feedbackId: '0100019a-feedback',
    },
    mail: mail(),
  }),
  complaint: envelope('Email Complaint Received', {
    eventType: 'Complaint',
    complaint: {
      complainedRecipients: [{ emailAddress: 'ana@example.com' }],
      timestamp: '2026-06-15T10:00:00.000Z',
      feedbackId: '0100019a-feedback',
      userAgent: 'Mozilla/5.0',
      complaintFeedbackType: 'abuse',
      arrivalDate: '2026-06-15T10:00:00.000Z',
    },
    mail: mail(),
  }),
  // SES took it and is still trying (the guide's DeliveryDelay record).
  delayed: envelope('Email Delivery Delayed', {
    eventType: 'DeliveryDelay',
    mail: mail(),
    deliveryDelay: {
      timestamp: '2026-06-15T09:15:40.641Z',
      delayType: 'TransientCommunicationFailure',
      expirationTime: '2026-06-15T23:00:01.000Z',
      delayedRecipients: [
        {
          emailAddress: 'ana@example.com',
          status: '4.4.1',
          diagnosticCode: 'smtp; 421 4.4.1 Unable to connect to remote host',
        },
      ],
    },
  }),
  rejected: envelope('Email Rejected', {
    eventType: 'Reject',
    mail: mail(),
    reject: { reason: 'Bad content' },
  }),
  foreign: envelope('Email Delivered', {
    eventType: 'Delivery',
    mail: mail({ 'ses:configuration-set': ['precis-campaigns'] }),
    delivery: { timestamp: '2026-06-15T09:00:03.000Z', recipients: ['someone@example.com'] },
  }),
};

const row = { customerId: 'cus_ana', deliveryKey: 'birthday#2026' };

describe('reading SES events', () => {
  it.each([
    ['sent', 'sent', ['unknown', 'queued'], undefined, undefined],
    ['delivered', 'delivered', ['sent', 'unknown', 'queued'], undefined, undefined],
    ['delayed', 'sent', ['unknown', 'queued'], undefined, undefined],
    ['opened', 'opened', ['sent', 'unknown', 'queued', 'delivered'], undefined, undefined],
    ['clicked', 'clicked', ['sent', 'unknown', 'queued', 'delivered', 'opened'], undefined, undefined],
    ['hardBounce', 'bounced', ['sent', 'unknown', 'queued', 'delivered'], 'Permanent/General', 'bounce'],
    ['softBounce', 'bounced', ['sent', 'unknown', 'queued', 'delivered'], 'Transient/MailboxFull', undefined],
    [
      'complaint',
      'complained',
      ['sent', 'unknown', 'queued', 'delivered', 'opened', 'clicked', 'bounced'],
      'abuse',
      'complaint',
    ],
    ['rejected', 'failed', ['sent', 'unknown', 'queued'], 'rejected', undefined],
  ] as const)('%s → row %s (from %j), reason %s, suppress %s', (name, status, from, reason, suppress) => {
    const event = SesEventSchema.parse(FIXTURES[name]);
    const feedback = interpretSesEvent(event.detail);
    expect(feedback).toMatchObject({ messageId: MESSAGE_ID, row, status, from });
    expect(feedback.reason).toBe(reason);
    expect(feedback.suppress?.reason).toBe(suppress);
    if (suppress) expect(feedback.suppress?.addresses).toEqual(['ana@example.com']);
  });

  it('mail without our tags has no row (not sent by Precis)', () => {
    const feedback = interpretSesEvent(SesEventSchema.parse(FIXTURES.foreign).detail);
    expect(feedback.row).toBeUndefined();
  });

  it('rejects anything that is not an SES event record, whatever it holds', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const parsed = SesEventDetailSchema.safeParse(value);
        if (parsed.success)
          expect(['Bounce', 'Complaint', 'Delivery', 'DeliveryDelay', 'Open', 'Click', 'Reject']).toContain(
            parsed.data.eventType,
          );
      }),
    );
    expect(SesEventSchema.safeParse({ ...FIXTURES.delivered, source: 'precis' }).success).toBe(false);
  });
});

const sentRow = (
  status: DeliveryStatus = 'sent',
  providerMessageId: string | undefined = MESSAGE_ID,
): Delivery => ({
  ...row,
  campaignId: 'birthday',
  occasion: '2026',
  channel: 'email',
  status,
  plannedAt: '2026-06-15T08:00:00.000Z',
  claimedAt: '2026-06-15T08:00:00.000Z',
  updatedAt: '2026-06-15T09:00:01.000Z',
  ...(providerMessageId && { providerMessageId }),
});

function feedbackSetup(initial: Delivery = sentRow()) {
  const ledger = new InMemoryDeliveryLedger();
  ledger.put(initial);
  const suppressed: { customerId: string; channel: string; entry: SuppressionEntry }[] = [];
  const identities: string[] = [];
  const handler = sesFeedbackHandler(
    {
      ledger,
      consent: {
        suppress: async (customerId, channel, entry) => {
          suppressed.push({ customerId, channel, entry });
          return true;
        },
        suppressIdentity: async (_kind, value) => {
          identities.push(value);
        },
      },
    },
    new Logger({ logLevel: 'SILENT' }),
  );
  return { handler, ledger, suppressed, identities, status: () => ledger.row('birthday#2026')?.status };
}

describe('recording feedback', () => {
  it('a hard bounce counts Bounces=1 and Suppressions=1 (CloudWatch EMF, no address)', async () => {
    const { handler } = feedbackSetup();
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await handler(FIXTURES.hardBounce);
      await handler(FIXTURES.delivered); // a delivery after it changes nothing and counts nothing
    } finally {
      write.mockRestore();
    }
    const docs = lines.flatMap((chunk) => chunk.split('\n')).filter((line) => line.includes('"_aws"'));
    expect(docs.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ Bounces: 1, Suppressions: 1, service: 'ses-feedback' }),
    ]);
    expect(docs.join('')).not.toContain('@');
  });

  it('moves the row sent → delivered → opened → clicked; a late or repeated weaker event changes nothing', async () => {
    const { handler, status } = feedbackSetup();
    expect(await handler(FIXTURES.delivered)).toEqual({ row: 'updated', suppressed: false });
    await handler(FIXTURES.clicked);
    expect(status()).toBe('clicked');
    expect(await handler(FIXTURES.opened)).toEqual({ row: 'unchanged', suppressed: false });
    expect(await handler(FIXTURES.delivered)).toEqual({ row: 'unchanged', suppressed: false });
    expect(status()).toBe('clicked');
  });

  it('a click that loses the race to four other events in a row still lands (each lost race moved the row forward)', async () => {
    const { handler, ledger, status } = feedbackSetup(sentRow('queued'));
    const moves: DeliveryStatus[] = ['unknown', 'sent', 'delivered', 'opened'];
    const transition = ledger.transition.bind(ledger);
    // Another event moves the row between this event's read and its conditional write, four times.
    vi.spyOn(ledger, 'transition').mockImplementation(async (key, from, to, fields) => {
      const overtaken = moves.shift();
      if (overtaken) await transition(key, from, overtaken);
      return transition(key, from, to, fields);
    });
    expect(await handler(FIXTURES.clicked)).toEqual({ row: 'updated', suppressed: false });
    expect(status()).toBe('clicked');
  });

  it('a hard bounce marks the row bounced and suppresses the profile and the address', async () => {
    const { handler, status, suppressed, identities, ledger } = feedbackSetup();
    expect(await handler(FIXTURES.hardBounce)).toEqual({ row: 'updated', suppressed: true });
    expect(status()).toBe('bounced');
    expect(ledger.row('birthday#2026')?.reason).toBe('Permanent/General');
    expect(suppressed).toEqual([
      {
        customerId: 'cus_ana',
        channel: 'email',
        entry: { reason: 'bounce', at: '2026-06-15T09:00:04.000Z' },
      },
    ]);
    expect(identities).toEqual(['ana@example.com']);
  });

  it('a soft bounce marks the row but suppresses nobody', async () => {
    const { handler, status, suppressed } = feedbackSetup();
    await handler(FIXTURES.softBounce);
    expect(status()).toBe('bounced');
    expect(suppressed).toEqual([]);
  });

  it('a complaint after a click still counts, and suppresses', async () => {
    const { handler, status, suppressed } = feedbackSetup(sentRow('clicked'));
    expect(await handler(FIXTURES.complaint)).toEqual({ row: 'updated', suppressed: true });
    expect(status()).toBe('complained');
    expect(suppressed[0]?.entry.reason).toBe('complaint');
  });

  it('a row a crash left `unknown` is resolved by the delivery event, learning its message id', async () => {
    const { handler, ledger } = feedbackSetup(sentRow('unknown', undefined));
    expect(await handler(FIXTURES.delivered)).toEqual({ row: 'resolved', suppressed: false });
    expect(ledger.row('birthday#2026')).toMatchObject({
      status: 'delivered',
      providerMessageId: MESSAGE_ID,
      sentAt: '2026-06-15T09:00:03.000Z',
    });
  });

  it("SES's Send event resolves a crash-left `unknown` birthday email to sent, with its message id and time", async () => {
    const { handler, ledger } = feedbackSetup(sentRow('unknown', undefined));
    expect(await handler(FIXTURES.sent)).toEqual({ row: 'resolved', suppressed: false });
    expect(ledger.row('birthday#2026')).toMatchObject({
      status: 'sent',
      providerMessageId: MESSAGE_ID,
      sentAt: '2026-06-15T09:00:01.000Z',
    });
    // Replayed, or after the delivery event: changes nothing.
    expect(await handler(FIXTURES.sent)).toEqual({ row: 'unchanged', suppressed: false });
    await handler(FIXTURES.delivered);
    expect(await handler(FIXTURES.sent)).toEqual({ row: 'unchanged', suppressed: false });
    expect(ledger.row('birthday#2026')?.status).toBe('delivered');
  });

  it('a late Send event still wins over a retry that has not called SES yet (row back to `queued`)', async () => {
    const { handler, status } = feedbackSetup(sentRow('queued', undefined));
    expect(await handler(FIXTURES.sent)).toEqual({ row: 'resolved', suppressed: false });
    expect(status()).toBe('sent');
  });

  it('a Send event of the first attempt after the retry was sent (another message id) changes nothing', async () => {
    const { handler, status } = feedbackSetup(sentRow('sent', 'the-retry'));
    expect(await handler(FIXTURES.sent)).toEqual({ row: 'mismatch', suppressed: false });
    expect(status()).toBe('sent');
  });

  it('an event for another message id of the same occasion, or for mail we did not send, changes no row', async () => {
    const { handler, status } = feedbackSetup(sentRow('sent', 'another-message'));
    expect(await handler(FIXTURES.delivered)).toEqual({ row: 'mismatch', suppressed: false });
    expect(await handler(FIXTURES.foreign)).toEqual({ row: 'unmatched', suppressed: false });
    expect(status()).toBe('sent');
  });

  it('an event that is not an SES record is refused (kept in the failure queue after retries)', async () => {
    const { handler } = feedbackSetup();
    await expect(
      handler({ source: 'aws.ses', 'detail-type': 'Email Bounced', detail: {} }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});

// An SMS event record as End User Messaging SMS publishes it ("Example SMS event data"), inside
// the Lambda event SNS delivers (one record, the event record as its Message).
const TEXT_ID = '862a8790-60c0-4430-9b2b-658bdexample';
const smsRecord = (
  eventType: string,
  context: Record<string, string> = { campaign: 'birthday', occasion: '2026', customer: 'cus_ana' },
) => ({
  eventType,
  eventVersion: '1.0',
  eventTimestamp: 1781514002000,
  isFinal: eventType !== 'TEXT_QUEUED' && eventType !== 'TEXT_PENDING',
  originationPhoneNumber: '+12065550152',
  destinationPhoneNumber: '+64211234567',
  isInternationalSend: false,
  mcc: '530',
  mnc: '01',
  messageId: TEXT_ID,
  messageRequestTimestamp: 1781514001000,
  messageEncoding: 'GSM',
  messageType: 'PROMOTIONAL',
  messageStatus: 'SUCCESSFUL',
  messageStatusDescription: 'Message has been accepted by phone carrier',
  context,
  totalMessageParts: 1,
  totalMessagePrice: 0.0075,
  totalCarrierFee: 0.003,
});
const viaSns = (record: object) => ({
  Records: [
    {
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:SmsEvents:sub',
      Sns: {
        Type: 'Notification',
        MessageId: 'sns-1',
        TopicArn: 'arn:aws:sns:eu-west-1:123456789012:SmsEvents',
        Message: JSON.stringify(record),
        Timestamp: '2026-06-15T09:00:02.000Z',
      },
    },
  ],
});
const textRow = (status: DeliveryStatus, providerMessageId: string | undefined = TEXT_ID): Delivery => ({
  ...sentRow(status, providerMessageId),
  channel: 'sms',
});

describe('reading SMS events', () => {
  it('each event type moves the row as the one table says: taken → sent, carrier → delivered, the rest → failed with the type', () => {
    const moves = Object.fromEntries(
      SMS_FEEDBACK_EVENT_TYPES.map((type) => {
        const feedback = interpretSmsEvent(SmsEventSchema.parse(smsRecord(type)));
        return [
          type,
          `${feedback.status}${feedback.reason ? `:${feedback.reason}` : ''} from ${feedback.from.join('/')}`,
        ];
      }),
    );
    expect(moves).toEqual({
      TEXT_QUEUED: 'sent from unknown/queued',
      TEXT_PENDING: 'sent from unknown/queued',
      TEXT_SUCCESSFUL: 'delivered from sent/unknown/queued',
      TEXT_DELIVERED: 'delivered from sent/unknown/queued',
      TEXT_BLOCKED: 'failed:TEXT_BLOCKED from sent/unknown/queued',
      TEXT_CARRIER_BLOCKED: 'failed:TEXT_CARRIER_BLOCKED from sent/unknown/queued',
      TEXT_SPAM: 'failed:TEXT_SPAM from sent/unknown/queued',
      TEXT_INVALID: 'failed:TEXT_INVALID from sent/unknown/queued',
      TEXT_INVALID_MESSAGE: 'failed:TEXT_INVALID_MESSAGE from sent/unknown/queued',
      TEXT_UNREACHABLE: 'failed:TEXT_UNREACHABLE from sent/unknown/queued',
      TEXT_CARRIER_UNREACHABLE: 'failed:TEXT_CARRIER_UNREACHABLE from sent/unknown/queued',
      TEXT_TTL_EXPIRED: 'failed:TEXT_TTL_EXPIRED from sent/unknown/queued',
      TEXT_PROTECT_BLOCKED: 'failed:TEXT_PROTECT_BLOCKED from sent/unknown/queued',
      TEXT_UNKNOWN: 'failed:TEXT_UNKNOWN from sent/unknown/queued',
    });
  });

  it('finds the row from our Context, with the message id and the event time; no number is kept', () => {
    const feedback = interpretSmsEvent(SmsEventSchema.parse(smsRecord('TEXT_QUEUED')));
    expect(feedback).toEqual({
      messageId: TEXT_ID,
      row: { customerId: 'cus_ana', deliveryKey: 'birthday#2026' },
      status: 'sent',
      from: ['unknown', 'queued'],
      at: '2026-06-15T09:00:02.000Z',
    });
    expect(JSON.stringify(feedback)).not.toContain('+64211234567');
  });

  it('a text without our ids (not sent by Precis) has no row', () => {
    expect(interpretSmsEvent(SmsEventSchema.parse(smsRecord('TEXT_SUCCESSFUL', {}))).row).toBeUndefined();
    expect(
      interpretSmsEvent(SmsEventSchema.parse(smsRecord('TEXT_SUCCESSFUL', { campaign: 'birthday' }))).row,
    ).toBeUndefined();
  });

  it('refuses what is not an SMS event record (a voice event, no message id)', () => {
    expect(SmsEventSchema.safeParse(smsRecord('VOICE_COMPLETED')).success).toBe(false);
    expect(SmsEventSchema.safeParse({ ...smsRecord('TEXT_QUEUED'), messageId: '' }).success).toBe(false);
  });
});

describe('recording SMS feedback (SNS)', () => {
  it('TEXT_QUEUED resolves a crash-left `unknown` text to sent, with its message id and time; then TEXT_SUCCESSFUL delivers it', async () => {
    const { handler, ledger } = feedbackSetup(textRow('unknown', undefined));
    expect(await handler(viaSns(smsRecord('TEXT_QUEUED')))).toEqual({ row: 'resolved', suppressed: false });
    expect(ledger.row('birthday#2026')).toMatchObject({
      status: 'sent',
      providerMessageId: TEXT_ID,
      sentAt: '2026-06-15T09:00:02.000Z',
    });
    expect(await handler(viaSns(smsRecord('TEXT_SUCCESSFUL')))).toEqual({
      row: 'updated',
      suppressed: false,
    });
    // Replayed, late or out of order: changes nothing.
    expect(await handler(viaSns(smsRecord('TEXT_QUEUED')))).toEqual({ row: 'unchanged', suppressed: false });
    expect(ledger.row('birthday#2026')?.status).toBe('delivered');
  });

  it('a carrier failure marks a sent text failed with the event type, and suppresses nobody', async () => {
    const { handler, ledger, suppressed } = feedbackSetup(textRow('sent'));
    expect(await handler(viaSns(smsRecord('TEXT_UNREACHABLE')))).toEqual({
      row: 'updated',
      suppressed: false,
    });
    expect(ledger.row('birthday#2026')).toMatchObject({ status: 'failed', reason: 'TEXT_UNREACHABLE' });
    expect(suppressed).toEqual([]);
  });

  it('an event of an earlier attempt (another message id) changes nothing', async () => {
    const { handler, status } = feedbackSetup(textRow('sent', 'the-retry'));
    expect(await handler(viaSns(smsRecord('TEXT_QUEUED')))).toEqual({ row: 'mismatch', suppressed: false });
    expect(status()).toBe('sent');
  });

  it('an SNS message that is not an SMS event record is refused (kept in the failure queue after retries)', async () => {
    const { handler } = feedbackSetup();
    await expect(handler(viaSns({ eventType: 'TEXT_QUEUED' }))).rejects.toBeInstanceOf(ValidationError);
    await expect(handler({ Records: [] })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('SMS opt-outs', () => {
  const { campaigns, campaignSettings } = loadConfig(() => undefined, '/nonexistent');
  it('a number on the carrier opted-out list is not texted, and SMS is suppressed on the profile', async () => {
    const sam: Customer = {
      customerId: 'cus_sam',
      firstName: 'Sam',
      phone: '+64211234567',
      timeZone: 'Pacific/Auckland',
      locale: 'en-NZ',
      interests: [],
      consent: {
        email: { status: 'none', updatedAt: '2026-01-01T00:00:00Z', source: 'form' },
        sms: { status: 'opted_in', updatedAt: '2026-01-01T00:00:00Z', source: 'form' },
      },
      source: 'form',
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      version: 1,
    };
    const ledger = new InMemoryDeliveryLedger();
    ledger.put({
      ...sentRow('queued', undefined),
      customerId: 'cus_sam',
      channel: 'sms',
    });
    const texts: string[] = [];
    const suppressed: string[] = [];
    const outcome = await sendMessage(
      {
        customers: { get: async () => sam },
        ledger,
        email: { send: async () => ({ messageId: 'x' }) },
        sms: {
          send: async (sms) => {
            texts.push(sms.text);
            return { messageId: 'sms-1' };
          },
          isOptedOut: async (phone) => phone === '+64211234567',
        },
        links: new HmacLinkSigner('a-test-key-of-32-characters-long'),
        queue: { enqueue: async () => {} },
        numbers: new InMemorySmsNumberDays(),
        consent: {
          recordConfirmationSent: async () => {},
          recordPhoneCode: async () => true,
          suppress: async (_id, channel, entry) => {
            suppressed.push(`${channel}:${entry.reason}`);
            return true;
          },
          suppressIdentity: async (kind, value, entry) => {
            suppressed.push(`${kind}:${value}:${entry.reason}`);
          },
        },
        clock: { now: () => new Date('2026-06-14T21:00:00.000Z') },
        campaigns,
        settings: { ...campaignSettings, publicBaseUrl: 'http://localhost:3000' },
      },
      {
        version: 1,
        customerId: 'cus_sam',
        campaignId: 'birthday',
        occasion: '2026',
        channel: 'sms',
        plannedAt: '2026-06-14T21:00:00.000Z',
      },
    );
    expect(outcome).toEqual({ status: 'skipped', reason: 'suppressed' });
    expect(texts).toEqual([]);
    // On the profile, and on the number's identity (so it outlives an erasure and a new signup).
    expect(suppressed).toEqual(['sms:carrier_opt_out', 'phone:+64211234567:carrier_opt_out']);
    expect(ledger.row('birthday#2026')).toMatchObject({ status: 'skipped', reason: 'suppressed' });
  });
});
