import * as z from '../../zod';
import { type DeliveryStatus, deliveryKey } from './delivery';
import { fromSesTags } from './ses-tags';

// Provider feedback on the emails we sent: SES publishes bounce, complaint, delivery, open, click
// and reject events — and a send event for every email it accepted — through the campaigns
// configuration set to EventBridge (default bus, `source: aws.ses`, detail-types `Email Sent`,
// `Email Bounced`, `Email Complaint Received`, `Email Delivered`, `Email Delivery Delayed`, `Email Opened`,
// `Email Clicked`, `Email Rejected`). The detail is the event record SES documents
// (`eventType`, `mail` with the message id and our EmailTags as `tags: { name: [value] }`, and one
// object per type). The sender tags every email with `campaign`, `occasion` and `customer`, so an
// event finds its ledger row without a lookup table. The tags arrive in SES's alphabet
// (ses-tags.ts) and are decoded here; tags of mail sent before the encoding decode to themselves.
//
// What each event does to the row (events arrive in any order and more than once; a later, weaker
// event never overwrites a stronger one, so `clicked` is not turned back into `opened`). This table
// is the one home of that rule. Every event proves SES took the message, so each also resolves a
// row a crash left `unknown` (and one already taken back to `queued` for a retry after the quiet
// period: the event wins if it lands before the retry calls SES; see delivery.ts):
//   sent       (`Send`, detail-type `Email Sent`: SES accepted it; `DeliveryDelay`, `Email Delivery
//              Delayed`: SES took it and is still trying) from unknown / queued
//   delivered  from sent / unknown / queued
//   opened     from sent / unknown / queued / delivered
//   clicked    from sent / unknown / queued / delivered / opened
//   bounced    from sent / unknown / queued / delivered  + a permanent bounce suppresses the address
//   complained from any sent state                       + suppresses the address
//   failed     (reject: SES refused it after accepting, e.g. a virus) from sent / unknown / queued
//
// Texts: AWS End User Messaging SMS publishes an event record per status change of every text sent
// through the campaigns' SMS configuration set (its SNS event destination, SmsEventSchema below),
// carrying the message id and our SendTextMessage `Context` ({ campaign, occasion, customer }, the
// same ids as the email tags). The same table, for texts:
//   sent       (TEXT_QUEUED, TEXT_PENDING: the service took it) from unknown / queued
//   delivered  (TEXT_SUCCESSFUL: the carrier took it; TEXT_DELIVERED, used interchangeably in some
//              countries) from sent / unknown / queued
//   failed     (TEXT_BLOCKED, TEXT_CARRIER_BLOCKED, TEXT_SPAM, TEXT_INVALID, TEXT_INVALID_MESSAGE,
//              TEXT_UNREACHABLE, TEXT_CARRIER_UNREACHABLE, TEXT_TTL_EXPIRED, TEXT_PROTECT_BLOCKED,
//              TEXT_UNKNOWN: taken, then not delivered; the event type is the reason) from sent /
//              unknown / queued

const TagsSchema = z.pipe(z.record(z.string(), z.array(z.string())), z.transform(fromSesTags));
const MailSchema = z.object({
  messageId: z.string().check(z.minLength(1)),
  timestamp: z.string(),
  destination: z._default(
    z.array(
      z.pipe(
        z.string(),
        z.transform((address) => address.toLowerCase()),
      ),
    ),
    [],
  ),
  tags: z._default(TagsSchema, {}),
});
const When = z.object({ timestamp: z.optional(z.string()) });

export const SesEventDetailSchema = z.discriminatedUnion('eventType', [
  z.object({
    eventType: z.literal('Bounce'),
    mail: MailSchema,
    bounce: z.extend(When, {
      bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
      bounceSubType: z.optional(z.string()),
      bouncedRecipients: z._default(z.array(z.object({ emailAddress: z.string() })), []),
    }),
  }),
  z.object({
    eventType: z.literal('Complaint'),
    mail: MailSchema,
    complaint: z.extend(When, {
      complainedRecipients: z._default(z.array(z.object({ emailAddress: z.string() })), []),
      complaintFeedbackType: z.optional(z.string()),
    }),
  }),
  z.object({ eventType: z.literal('Send'), mail: MailSchema, send: z.optional(z.looseObject({})) }),
  z.object({ eventType: z.literal('Delivery'), mail: MailSchema, delivery: When }),
  z.object({
    eventType: z.literal('DeliveryDelay'),
    mail: MailSchema,
    deliveryDelay: z.extend(When, { delayType: z.optional(z.string()) }),
  }),
  z.object({ eventType: z.literal('Open'), mail: MailSchema, open: When }),
  z.object({ eventType: z.literal('Click'), mail: MailSchema, click: When }),
  z.object({
    eventType: z.literal('Reject'),
    mail: MailSchema,
    reject: z.object({ reason: z.optional(z.string()) }),
  }),
]);
export type SesEventDetail = z.infer<typeof SesEventDetailSchema>;

/** The EventBridge envelope of an SES event. */
export const SesEventSchema = z.object({
  source: z.literal('aws.ses'),
  'detail-type': z.string(),
  time: z.optional(z.string()),
  detail: SesEventDetailSchema,
});

/** What one SES event means for our records. */
export interface Feedback {
  /** The provider's message id (checked against the ledger row's). */
  messageId: string;
  /** The ledger row, from our tags; absent for mail Precis did not send. */
  row?: { customerId: string; deliveryKey: string };
  status: DeliveryStatus;
  /** The row statuses this event may move from. */
  from: readonly DeliveryStatus[];
  /** A reason code for the row (`Permanent/General`, `abuse`), never an address. */
  reason?: string;
  at: string;
  /** The addresses to suppress for good (hard bounce, complaint). */
  suppress?: { reason: 'bounce' | 'complaint'; addresses: string[] };
}

/** A row whose message may not be known to be taken yet: a provider event settles it. */
const AWAITING: readonly DeliveryStatus[] = ['unknown', 'queued'];
const SENT: readonly DeliveryStatus[] = ['sent', ...AWAITING];

/** Whether a row in `status` was waiting to hear that the provider took its message. */
export const isAwaitingProvider = (status: DeliveryStatus): boolean => AWAITING.includes(status);

const tag = (tags: Record<string, string[]>, name: string): string | undefined => tags[name]?.[0];

/** The ledger row our ids name, when all three are there. */
const rowOf = (ids: Record<string, string | undefined>): Pick<Feedback, 'row'> => {
  const { customer, campaign, occasion } = ids;
  return customer && campaign && occasion
    ? { row: { customerId: customer, deliveryKey: deliveryKey(campaign, occasion) } }
    : {};
};

export function interpretSesEvent(detail: SesEventDetail): Feedback {
  const { mail } = detail;
  const base = {
    messageId: mail.messageId,
    ...rowOf({
      customer: tag(mail.tags, 'customer'),
      campaign: tag(mail.tags, 'campaign'),
      occasion: tag(mail.tags, 'occasion'),
    }),
  };
  switch (detail.eventType) {
    case 'Send':
      return { ...base, status: 'sent', from: AWAITING, at: mail.timestamp };
    case 'Delivery':
      return { ...base, status: 'delivered', from: SENT, at: detail.delivery.timestamp ?? mail.timestamp };
    case 'DeliveryDelay':
      // Still trying: SES has the message (so a crash-left row is `sent`), nothing delivered yet.
      return {
        ...base,
        status: 'sent',
        from: AWAITING,
        at: detail.deliveryDelay.timestamp ?? mail.timestamp,
      };
    case 'Open':
      return {
        ...base,
        status: 'opened',
        from: [...SENT, 'delivered'],
        at: detail.open.timestamp ?? mail.timestamp,
      };
    case 'Click':
      return {
        ...base,
        status: 'clicked',
        from: [...SENT, 'delivered', 'opened'],
        at: detail.click.timestamp ?? mail.timestamp,
      };
    case 'Bounce': {
      const { bounce } = detail;
      const permanent = bounce.bounceType === 'Permanent';
      const addresses = bounce.bouncedRecipients.map((r) => r.emailAddress.toLowerCase());
      return {
        ...base,
        status: 'bounced',
        from: [...SENT, 'delivered'],
        reason: `${bounce.bounceType}/${bounce.bounceSubType ?? 'General'}`,
        at: bounce.timestamp ?? mail.timestamp,
        ...(permanent && {
          suppress: { reason: 'bounce', addresses: addresses.length > 0 ? addresses : mail.destination },
        }),
      };
    }
    case 'Complaint': {
      const { complaint } = detail;
      const addresses = complaint.complainedRecipients.map((r) => r.emailAddress.toLowerCase());
      return {
        ...base,
        status: 'complained',
        from: [...SENT, 'delivered', 'opened', 'clicked', 'bounced'],
        reason: complaint.complaintFeedbackType ?? 'complaint',
        at: complaint.timestamp ?? mail.timestamp,
        suppress: { reason: 'complaint', addresses: addresses.length > 0 ? addresses : mail.destination },
      };
    }
    case 'Reject':
      return { ...base, status: 'failed', from: SENT, reason: 'rejected', at: mail.timestamp };
  }
}

/** The SMS event types and what each means for the row (the table above). */
const SMS_TAKEN = ['TEXT_QUEUED', 'TEXT_PENDING'] as const;
const SMS_DELIVERED = ['TEXT_SUCCESSFUL', 'TEXT_DELIVERED'] as const;
const SMS_FAILED = [
  'TEXT_BLOCKED',
  'TEXT_CARRIER_BLOCKED',
  'TEXT_SPAM',
  'TEXT_INVALID',
  'TEXT_INVALID_MESSAGE',
  'TEXT_UNREACHABLE',
  'TEXT_CARRIER_UNREACHABLE',
  'TEXT_TTL_EXPIRED',
  'TEXT_PROTECT_BLOCKED',
  'TEXT_UNKNOWN',
] as const;
/** Every SMS event type the feedback function handles (the configuration set's MatchingEventTypes). */
export const SMS_FEEDBACK_EVENT_TYPES = [...SMS_TAKEN, ...SMS_DELIVERED, ...SMS_FAILED] as const;

/** An SMS event record (End User Messaging SMS, "Example SMS event data"); other fields ignored. */
export const SmsEventSchema = z.object({
  eventType: z.enum(SMS_FEEDBACK_EVENT_TYPES),
  messageId: z.string().check(z.minLength(1)),
  /** Epoch milliseconds. */
  eventTimestamp: z.number(),
  context: z._default(z.record(z.string(), z.string()), {}),
});
export type SmsEvent = z.infer<typeof SmsEventSchema>;

export function interpretSmsEvent(event: SmsEvent): Feedback {
  const base = {
    messageId: event.messageId,
    ...rowOf(event.context),
    at: new Date(event.eventTimestamp).toISOString(),
  };
  const type = event.eventType;
  if ((SMS_TAKEN as readonly string[]).includes(type)) return { ...base, status: 'sent', from: AWAITING };
  if ((SMS_DELIVERED as readonly string[]).includes(type))
    return { ...base, status: 'delivered', from: SENT };
  return { ...base, status: 'failed', from: SENT, reason: type };
}
