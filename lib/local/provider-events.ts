import { createHash } from 'node:crypto';
import * as z from '../zod';

// What the providers say after they took a message, as pure functions: which events one email or
// text gets (drawn from configurable rates, deterministically per message id: a seeded hash, so a
// test or the demo gives the same funnel every run) and the event records themselves, in the shapes
// SES publishes to EventBridge (SES developer guide, "Examples of event data that Amazon SES
// publishes": `eventType`, the `mail` object with our tags as `tags: { name: [value] }`, and one
// object per type) and End User Messaging SMS publishes to its event destinations. The local stand-in
// (provider-events-stand-in.ts) schedules them on the runtime's clock and publishes them.

const rate = (fallback: number) => z._default(z.number().check(z.gte(0), z.lte(1)), fallback);
/** [min, max] seconds; a draw is uniform between them. */
const span = (min: number, max: number) =>
  z._default(
    z
      .tuple([z.number().check(z.gte(0)), z.number().check(z.gte(0))])
      .check(z.refine(([a, b]) => a <= b, { message: 'min must not exceed max' })),
    [min, max],
  );

export const ProviderEventSettingsSchema = z.strictObject({
  /** Mixed into every draw: another seed, another (equally likely) funnel. */
  seed: z._default(z.string(), 'precis'),
  email: z.prefault(
    z.strictObject({
      /** Share of accepted emails that bounce (hard: `Permanent`, which suppresses the address). */
      bounce: rate(0.02),
      /** Share of the others whose delivery is delayed first (a `DeliveryDelay`, then `Delivery`). */
      deliveryDelay: rate(0.01),
      /** Shares of the delivered: opened, clicked (a click is opened first), marked as spam. */
      open: rate(0.3),
      click: rate(0.05),
      complaint: rate(0.001),
    }),
    {},
  ),
  sms: z.prefault(
    z.strictObject({
      /** Share of accepted texts the carrier delivers (TEXT_DELIVERED); the rest TEXT_UNREACHABLE. */
      delivered: rate(0.97),
      /** Share of delivered texts answered with STOP (the number joins the opt-out list). */
      stop: rate(0.005),
    }),
    {},
  ),
  /** Delays, in seconds of the runtime's clock (so `precis simulate --days` moves them). */
  delays: z.prefault(
    z.strictObject({
      delivery: span(1, 30),
      /** From the DeliveryDelay event to the Delivery. */
      deliveryDelay: span(60, 600),
      bounce: span(1, 30),
      /** From the delivery. */
      open: span(60, 1800),
      /** From the open. */
      click: span(5, 300),
      /** From the delivery. */
      complaint: span(60, 3600),
      smsDelivery: span(1, 20),
      /** From the text's delivery. */
      stop: span(60, 1800),
    }),
    {},
  ),
});
export type ProviderEventSettings = z.infer<typeof ProviderEventSettingsSchema>;

/** A deterministic draw in [0, 1) for one message and one question about it. */
export function draw(seed: string, messageId: string, question: string): number {
  const digest = createHash('sha256').update(`${seed}\u0000${messageId}\u0000${question}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

const seconds = (
  settings: ProviderEventSettings,
  messageId: string,
  question: string,
  [min, max]: [number, number],
) => Math.round((min + draw(settings.seed, messageId, `${question}:delay`) * (max - min)) * 1000);

/** The events `precis simulate <event> <to>` injects (POST /local/provider-events). */
export const INJECTED_EVENTS = ['delivery', 'delay', 'bounce', 'complaint', 'open', 'click', 'stop'] as const;
export type InjectedEvent = (typeof INJECTED_EVENTS)[number];

export type SesEventType = 'Delivery' | 'DeliveryDelay' | 'Bounce' | 'Complaint' | 'Open' | 'Click';
export type SmsOutcome = 'TEXT_DELIVERED' | 'TEXT_UNREACHABLE' | 'STOP';

export interface Planned<T extends string> {
  type: T;
  /** Milliseconds after the provider took the message. */
  afterMs: number;
}

/** The events one accepted email gets, in time order. */
export function planEmailEvents(settings: ProviderEventSettings, messageId: string): Planned<SesEventType>[] {
  const { email, delays } = settings;
  const u = (question: string) => draw(settings.seed, messageId, question);
  const after = (question: string, range: [number, number]) => seconds(settings, messageId, question, range);
  if (u('bounce') < email.bounce) return [{ type: 'Bounce', afterMs: after('bounce', delays.bounce) }];
  const events: Planned<SesEventType>[] = [];
  let deliveredAt = after('delivery', delays.delivery);
  if (u('deliveryDelay') < email.deliveryDelay) {
    events.push({ type: 'DeliveryDelay', afterMs: deliveredAt });
    deliveredAt += after('deliveryDelay', delays.deliveryDelay);
  }
  events.push({ type: 'Delivery', afterMs: deliveredAt });
  // One draw for engagement, so every clicker (u < click) is an opener (u < open) when click ≤ open.
  const engaged = u('engagement');
  if (engaged < Math.max(email.open, email.click)) {
    const openedAt = deliveredAt + after('open', delays.open);
    events.push({ type: 'Open', afterMs: openedAt });
    if (engaged < email.click)
      events.push({ type: 'Click', afterMs: openedAt + after('click', delays.click) });
  }
  if (u('complaint') < email.complaint) {
    events.push({ type: 'Complaint', afterMs: deliveredAt + after('complaint', delays.complaint) });
  }
  return events.sort((a, b) => a.afterMs - b.afterMs);
}

/** What one accepted text gets: the carrier's receipt, and maybe a STOP reply. */
export function planSmsEvents(settings: ProviderEventSettings, messageId: string): Planned<SmsOutcome>[] {
  const { sms, delays } = settings;
  const u = (question: string) => draw(settings.seed, messageId, question);
  const deliveredAt = seconds(settings, messageId, 'smsDelivery', delays.smsDelivery);
  if (u('smsDelivered') >= sms.delivered) return [{ type: 'TEXT_UNREACHABLE', afterMs: deliveredAt }];
  const events: Planned<SmsOutcome>[] = [{ type: 'TEXT_DELIVERED', afterMs: deliveredAt }];
  if (u('stop') < sms.stop) {
    events.push({ type: 'STOP', afterMs: deliveredAt + seconds(settings, messageId, 'stop', delays.stop) });
  }
  return events;
}

/** The SES event record's `mail` object (what every event of one message repeats). */
export interface SesMail {
  timestamp: string;
  source: string;
  sourceArn: string;
  sendingAccountId: string;
  messageId: string;
  destination: string[];
  headersTruncated: boolean;
  commonHeaders: { from: string[]; to: string[]; messageId: string; subject?: string };
  tags: Record<string, string[]>;
}

/** The EventBridge detail-type SES uses for each event type. */
export const SES_DETAIL_TYPES: Record<SesEventType | 'Send', string> = {
  Send: 'Email Sent',
  Delivery: 'Email Delivered',
  DeliveryDelay: 'Email Delivery Delayed',
  Bounce: 'Email Bounced',
  Complaint: 'Email Complaint Received',
  Open: 'Email Opened',
  Click: 'Email Clicked',
};

/** The configuration set's MatchingEventTypes value of each event type. */
export const SES_MATCHING_TYPES: Record<SesEventType, string> = {
  Delivery: 'DELIVERY',
  DeliveryDelay: 'DELIVERY_DELAY',
  Bounce: 'BOUNCE',
  Complaint: 'COMPLAINT',
  Open: 'OPEN',
  Click: 'CLICK',
};

const LOCAL_MTA = 'a1-1.smtp-out.local.amazonses.com';
const LOCAL_IP = '192.0.2.1';
const USER_AGENT = 'Mozilla/5.0 (Precis local provider stand-in)';

/** A feedback id in SES's form: the message id, a suffix per event. */
const feedbackId = (mail: SesMail, type: string) => `${mail.messageId}-${type.toLowerCase()}-000000`;

export interface SesEventOptions {
  /** Click: the link followed (SES reports it as it was in the email). */
  link?: string;
}

/** The detail of one SES event (`{ eventType, mail, <type object> }`), as SES publishes it. */
export function sesEventDetail(
  type: SesEventType,
  mail: SesMail,
  at: Date,
  options: SesEventOptions = {},
): Record<string, unknown> {
  const timestamp = at.toISOString();
  const base = { eventType: type, mail };
  switch (type) {
    case 'Delivery':
      return {
        ...base,
        delivery: {
          timestamp,
          processingTimeMillis: Math.max(0, at.getTime() - Date.parse(mail.timestamp)),
          recipients: mail.destination,
          smtpResponse: '250 2.6.0 Message received',
          reportingMTA: LOCAL_MTA,
        },
      };
    case 'DeliveryDelay':
      return {
        ...base,
        deliveryDelay: {
          timestamp,
          delayType: 'TransientCommunicationFailure',
          expirationTime: new Date(Date.parse(mail.timestamp) + 14 * 3_600_000).toISOString(),
          delayedRecipients: mail.destination.map((emailAddress) => ({
            emailAddress,
            status: '4.4.1',
            diagnosticCode: 'smtp; 421 4.4.1 Unable to connect to remote host',
          })),
        },
      };
    case 'Bounce':
      return {
        ...base,
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: mail.destination.map((emailAddress) => ({
            emailAddress,
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          })),
          timestamp,
          feedbackId: feedbackId(mail, type),
          reportingMTA: `dsn; ${LOCAL_MTA}`,
        },
      };
    case 'Complaint':
      return {
        ...base,
        complaint: {
          complainedRecipients: mail.destination.map((emailAddress) => ({ emailAddress })),
          timestamp,
          feedbackId: feedbackId(mail, type),
          userAgent: USER_AGENT,
          complaintFeedbackType: 'abuse',
          arrivalDate: timestamp,
        },
      };
    case 'Open':
      return { ...base, open: { ipAddress: LOCAL_IP, timestamp, userAgent: USER_AGENT } };
    case 'Click':
      return {
        ...base,
        click: {
          ipAddress: LOCAL_IP,
          timestamp,
          userAgent: USER_AGENT,
          link: options.link ?? 'http://localhost/',
          linkTags: {},
        },
      };
  }
}

/** The first link of an HTML body that is not the unsubscribe or manage link (what a reader clicks). */
export function firstLink(html: string | undefined): string | undefined {
  if (!html) return undefined;
  const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] ?? '').replace(/&amp;/g, '&'));
  return links.find((link) => !/unsubscribe|manage/i.test(link)) ?? links[0];
}
