import { describe, expect, it } from 'vitest';
import { interpretSesEvent, SesEventSchema } from '../../../lib/domain/campaigns/feedback';
import {
  draw,
  firstLink,
  ProviderEventSettingsSchema,
  planEmailEvents,
  planSmsEvents,
  SES_DETAIL_TYPES,
  type SesEventType,
  type SesMail,
  sesEventDetail,
} from '../../../lib/local/provider-events';

// The local provider events: the records match what SES publishes (the developer guide's examples of
// event data, keys and types), the feedback function reads them as it reads SES's, and the draws give
// the configured rates, the same for the same message every time.

const mail: SesMail = {
  timestamp: '2026-06-15T09:00:01.000Z',
  source: 'Precis <hello@shop.example>',
  sourceArn: 'arn:aws:ses:eu-west-1:123456789012:identity/shop.example',
  sendingAccountId: '123456789012',
  messageId: '0100019a-ses-message-id-000000',
  destination: ['ana@example.com'],
  headersTruncated: false,
  commonHeaders: {
    from: ['Precis <hello@shop.example>'],
    to: ['ana@example.com'],
    messageId: '0100019a-ses-message-id-000000',
    subject: 'Happy birthday, Ana!',
  },
  tags: {
    'ses:configuration-set': ['precis-campaigns'],
    campaign: ['birthday'],
    occasion: ['2026'],
    customer: ['cus_ana'],
  },
};

// The type objects of the guide's examples (values of ours; the keys and value types are SES's).
const PUBLISHED: Record<SesEventType, Record<string, unknown>> = {
  Delivery: {
    timestamp: '2016-10-19T23:21:04.133Z',
    processingTimeMillis: 11893,
    recipients: ['recipient@example.com'],
    smtpResponse: '250 2.6.0 Message received',
    reportingMTA: 'mta.example.com',
  },
  DeliveryDelay: {
    timestamp: '2020-06-16T00:15:40.641Z',
    delayType: 'TransientCommunicationFailure',
    expirationTime: '2020-06-16T00:25:40.914Z',
    delayedRecipients: [
      {
        emailAddress: 'recipient@example.com',
        status: '4.4.1',
        diagnosticCode: 'smtp; 421 4.4.1 Unable to connect to remote host',
      },
    ],
  },
  Bounce: {
    bounceType: 'Permanent',
    bounceSubType: 'General',
    bouncedRecipients: [
      {
        emailAddress: 'recipient@example.com',
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: 'smtp; 550 5.1.1 user unknown',
      },
    ],
    timestamp: '2017-08-05T00:41:02.669Z',
    feedbackId: '01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000',
    reportingMTA: 'dsn; mta.example.com',
  },
  Complaint: {
    complainedRecipients: [{ emailAddress: 'recipient@example.com' }],
    timestamp: '2017-08-05T00:41:02.669Z',
    feedbackId: '01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000',
    userAgent: 'Mozilla/5.0 (Windows NT 6.1; WOW64; rv:10.0) Gecko/20100101 Firefox/10.0',
    complaintFeedbackType: 'abuse',
    arrivalDate: '2017-08-05T00:41:02.669Z',
  },
  Open: {
    ipAddress: '192.0.2.1',
    timestamp: '2017-08-09T22:00:19.652Z',
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS X)',
  },
  Click: {
    ipAddress: '192.0.2.1',
    link: 'http://www.example.com/some-link',
    linkTags: { samplekey0: ['samplevalue0'] },
    timestamp: '2017-08-09T23:51:25.570Z',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
  },
};
const OBJECT_KEY: Record<SesEventType, string> = {
  Delivery: 'delivery',
  DeliveryDelay: 'deliveryDelay',
  Bounce: 'bounce',
  Complaint: 'complaint',
  Open: 'open',
  Click: 'click',
};

/** Keys and value types, recursively (arrays by their first element). */
const shape = (value: unknown): unknown => {
  if (Array.isArray(value)) return [value.length > 0 ? shape(value[0]) : 'empty'];
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'linkTags')
        .map(([key, v]) => [key, shape(v)])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  return typeof value;
};

const settings = ProviderEventSettingsSchema.parse({});
const at = new Date('2026-06-15T09:10:00.000Z');

describe('SES event records', () => {
  it.each(Object.keys(PUBLISHED) as SesEventType[])(
    '%s has the keys and types of the published example',
    (type) => {
      const detail = sesEventDetail(type, mail, at, { link: 'https://shop.example/birthday' });
      expect(detail.eventType).toBe(type);
      expect(shape(detail[OBJECT_KEY[type]])).toEqual(shape(PUBLISHED[type]));
      expect(detail.mail).toBe(mail);
    },
  );

  it.each([
    ['Delivery', 'delivered'],
    ['DeliveryDelay', 'sent'],
    ['Bounce', 'bounced'],
    ['Complaint', 'complained'],
    ['Open', 'opened'],
    ['Click', 'clicked'],
  ] as const)('the feedback function reads %s as the row moving to %s', (type, status) => {
    const event = SesEventSchema.parse({
      source: 'aws.ses',
      'detail-type': SES_DETAIL_TYPES[type],
      detail: sesEventDetail(type, mail, at),
    });
    const feedback = interpretSesEvent(event.detail);
    expect(feedback).toMatchObject({
      status,
      messageId: mail.messageId,
      row: { customerId: 'cus_ana', deliveryKey: 'birthday#2026' },
      at: at.toISOString(),
    });
    if (type === 'Bounce')
      expect(feedback.suppress).toEqual({ reason: 'bounce', addresses: ['ana@example.com'] });
  });

  it('a click follows the email link, not the unsubscribe link', () => {
    const html =
      '<a href="http://127.0.0.1:3000/unsubscribe?token=x">Unsubscribe</a> <a href="https://shop.example/offer?a=1&amp;b=2">Shop</a>';
    expect(firstLink(html)).toBe('https://shop.example/offer?a=1&b=2');
    expect(firstLink(undefined)).toBeUndefined();
  });
});

describe('which events a message gets', () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => `0100019a-${i.toString(16).padStart(8, '0')}`);

  it('20,000 emails at the default rates: ~2% bounce, ~30% opened, ~5% clicked, every clicker opened', () => {
    const plans = ids.map((id) => planEmailEvents(settings, id));
    const share = (type: SesEventType) =>
      plans.filter((p) => p.some((e) => e.type === type)).length / ids.length;
    expect(share('Bounce')).toBeCloseTo(0.02, 2);
    expect(share('Delivery')).toBeCloseTo(0.98, 2);
    expect(share('DeliveryDelay')).toBeCloseTo(0.0098, 2);
    expect(share('Open')).toBeCloseTo(0.98 * 0.3, 1);
    expect(share('Click')).toBeCloseTo(0.98 * 0.05, 2);
    expect(share('Complaint')).toBeLessThan(0.003);
    for (const plan of plans) {
      const types = plan.map((e) => e.type);
      if (types.includes('Bounce')) expect(types).toEqual(['Bounce']);
      if (types.includes('Click')) expect(types).toContain('Open');
      // In time order: delivered before opened before clicked.
      const when = (t: SesEventType) => plan.find((e) => e.type === t)?.afterMs ?? Number.POSITIVE_INFINITY;
      if (types.includes('Open')) expect(when('Delivery')).toBeLessThan(when('Open'));
      if (types.includes('Click')) expect(when('Open')).toBeLessThan(when('Click'));
      expect(plan.map((e) => e.afterMs)).toEqual([...plan.map((e) => e.afterMs)].sort((a, b) => a - b));
    }
  });

  it('the same message gets the same events every time; another seed draws again', () => {
    expect(planEmailEvents(settings, 'msg-1')).toEqual(planEmailEvents(settings, 'msg-1'));
    expect(draw('precis', 'msg-1', 'bounce')).toBe(draw('precis', 'msg-1', 'bounce'));
    expect(draw('precis', 'msg-1', 'bounce')).not.toBe(draw('other', 'msg-1', 'bounce'));
  });

  it('rates and delays come from the settings: everyone bounces at once, or opens and clicks', () => {
    const zero = { delivery: [0, 0], bounce: [0, 0], open: [0, 0], click: [0, 0] };
    const bounce = ProviderEventSettingsSchema.parse({ email: { bounce: 1 }, delays: zero });
    expect(planEmailEvents(bounce, 'msg-1')).toEqual([{ type: 'Bounce', afterMs: 0 }]);
    const engaged = ProviderEventSettingsSchema.parse({
      email: { bounce: 0, deliveryDelay: 0, open: 1, click: 1, complaint: 0 },
      delays: zero,
    });
    expect(planEmailEvents(engaged, 'msg-1').map((e) => e.type)).toEqual(['Delivery', 'Open', 'Click']);
    expect(ProviderEventSettingsSchema.safeParse({ email: { bounce: 2 } }).success).toBe(false);
    expect(ProviderEventSettingsSchema.safeParse({ delays: { open: [10, 5] } }).success).toBe(false);
    expect(ProviderEventSettingsSchema.safeParse({ emial: {} }).success).toBe(false);
  });

  it('texts: ~97% delivered, the rest unreachable; a few delivered ones answered STOP', () => {
    const plans = ids.map((id) => planSmsEvents(settings, id));
    const share = (type: string) => plans.filter((p) => p.some((e) => e.type === type)).length / ids.length;
    expect(share('TEXT_DELIVERED')).toBeCloseTo(0.97, 2);
    expect(share('TEXT_UNREACHABLE')).toBeCloseTo(0.03, 2);
    expect(share('STOP')).toBeCloseTo(0.97 * 0.005, 2);
    for (const plan of plans)
      if (plan.some((e) => e.type === 'STOP')) expect(plan[0]?.type).toBe('TEXT_DELIVERED');
  });
});
