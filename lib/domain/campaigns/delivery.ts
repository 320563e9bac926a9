import * as z from '../../zod';
import { ValueTierSchema } from '../value-tier';

// The Deliveries ledger: one row per customer and campaign occasion (sk `campaign#occasion`, e.g.
// `birthday#2026`, `repurchase#2026-03-14`). The planner claims the occasion with a conditional put
// before anything is queued, so whatever retries, re-runs and replays happen, an occasion is
// messaged at most once. Lifecycle of a row:
//
//   queued ─▶ unknown ─▶ sent ─▶ delivered / bounced / complained / opened / clicked (feedback)
//     │         └──────▶ failed (the provider refused it for good)
//     ├──▶ queued (deferred: outside the send window or SMS hours when the sender looked; `notBefore`
//     │           and `deferReason` say until when and why; the claim stays, so it goes once)
//     └──▶ skipped (the send-time guard said no: unsubscribed, erased, left the segment, capped…)
//   held_out (the control group: claimed, never sent, measured)
//
// `unknown` is written just before the provider is called and replaced by `sent` with the provider's
// message id once it accepts. A crash in between leaves `unknown`, resolved from the provider's own
// events (feedback.ts): SES publishes a `Send` event, with our tags, for every email it accepted, so
// such an event moves the row to `sent`. A row still `unknown` after the quiet period
// (`unknownQuietPeriod` in the campaign settings) heard of no acceptance: it goes back to `queued`
// (unknown ─▶ queued, conditional on the `updatedAt` read, so exactly one retrier wins) and is sent
// again by the same path as any queued row (send guard included). The quiet period is what keeps
// that retry from being a second message: it is far longer than SES takes to publish `Send`.
// Residual risk: a `Send` event later than the quiet period (an EventBridge or SES delay of more
// than 15 minutes) finds the row retried; if it lands before the retry calls SES it still wins (it
// moves `queued` too), after that the person gets two emails. Texts follow the same rule: End User
// Messaging SMS publishes TEXT_QUEUED, with our ids in its `context`, for every text it took.

export const DELIVERY_STATUSES = [
  'queued',
  'held_out',
  'skipped',
  'unknown',
  'sent',
  'failed',
  'delivered',
  'bounced',
  'complained',
  'opened',
  'clicked',
] as const;
export const DeliveryStatusSchema = z.enum(DELIVERY_STATUSES);
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;

export const ChannelSchema = z.enum(['email', 'sms']);

export const DeliverySchema = z.object({
  customerId: z.string(),
  /** `campaignId#occasion`. */
  deliveryKey: z.string(),
  campaignId: z.string(),
  /**
   * The campaign version the occasion was claimed with (campaigns as data); absent on transactional
   * messages and on rows claimed before campaigns were versioned. Not part of the key: editing a
   * campaign never makes an occasion claimable again.
   */
  campaignVersion: z.optional(z.int()),
  occasion: z.string(),
  channel: ChannelSchema,
  status: DeliveryStatusSchema,
  /** The planner pass (its "now") that claimed the occasion. */
  plannedAt: z.iso.datetime(),
  claimedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  sentAt: z.optional(z.iso.datetime()),
  providerMessageId: z.optional(z.string()),
  /** Why a row was skipped or failed (a code, never a message body or address). */
  reason: z.optional(z.string()),
  /** Outside the send window (or SMS quiet hours) when claimed or when due: not sent before this instant. */
  notBefore: z.optional(z.iso.datetime()),
  /** Why the send-time guard last put the message off until `notBefore` (send_window, quiet_hours…). */
  deferReason: z.optional(z.string()),
  /** Measurement: the customer's value tier when the occasion was claimed (VIP = top 20%). */
  valueTier: z.optional(ValueTierSchema),
  /** Measurement: the ISO 3166 region of an SMS's destination number, set when it is sent (SMS is priced per country). */
  country: z.optional(z.string()),
  /** Measurement: when the person used this message's unsubscribe link. */
  unsubscribedAt: z.optional(z.iso.datetime()),
});
export type Delivery = z.infer<typeof DeliverySchema>;

export const deliveryKey = (campaignId: string, occasion: string): string => `${campaignId}#${occasion}`;

/**
 * How long a row may be `unknown` while its sender is still at work: longer than the sender's Lambda
 * timeout (30 s), so a row `unknown` for longer was left by an attempt that stopped between the
 * provider call and the ledger update.
 */
export const UNKNOWN_AFTER_SECONDS = 120;

/** A row an interrupted send left `unknown`: the provider may have taken it (reported while it lasts). */
export const isStuckUnknown = (row: Pick<Delivery, 'status' | 'updatedAt'>, now: Date): boolean =>
  row.status === 'unknown' && now.getTime() - Date.parse(row.updatedAt) > UNKNOWN_AFTER_SECONDS * 1000;

/** Per channel, minutes without a provider event after which an `unknown` row is sent again; null: never (SMS only). */
export interface UnknownQuietPeriod {
  emailMinutes: number;
  smsMinutes: number | null;
}

/**
 * A row left `unknown` for longer than its channel's quiet period: the provider published no event
 * saying it took the message, so it is safe to send again (see the lifecycle above).
 */
export function isPastQuietPeriod(
  row: Pick<Delivery, 'status' | 'updatedAt' | 'channel'>,
  now: Date,
  quiet: UnknownQuietPeriod,
): boolean {
  const minutes = row.channel === 'email' ? quiet.emailMinutes : quiet.smsMinutes;
  return (
    row.status === 'unknown' &&
    minutes !== null &&
    now.getTime() - Date.parse(row.updatedAt) > Math.max(minutes * 60, UNKNOWN_AFTER_SECONDS) * 1000
  );
}

/** What the planner puts on the send queue: ids only, no personal data. */
export const SendRequestSchema = z.object({
  version: z.literal(1),
  customerId: z.string().check(z.minLength(1)),
  campaignId: z.string().check(z.minLength(1)),
  occasion: z.string().check(z.minLength(1)),
  channel: ChannelSchema,
  plannedAt: z.iso.datetime(),
  /** The sender puts a message that arrives earlier back on the queue, delayed (see send-message.ts). */
  notBefore: z.optional(z.iso.datetime()),
  /** How many times the provider has throttled this message so far (its back-off grows with it). */
  throttled: z.optional(z.int().check(z.gte(1))),
});
export type SendRequest = z.infer<typeof SendRequestSchema>;

/** The message that sends a claimed ledger row (a deferred row keeps its `notBefore`). */
export const sendRequestOf = (row: Omit<Delivery, 'status'>): SendRequest => ({
  version: 1,
  customerId: row.customerId,
  campaignId: row.campaignId,
  occasion: row.occasion,
  channel: row.channel,
  plannedAt: row.plannedAt,
  ...(row.notBefore && { notBefore: row.notBefore }),
});
