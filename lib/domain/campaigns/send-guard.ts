import type { Customer } from '../customer';
import { evaluateRule } from '../rule-segments';
import { memberships } from '../scoring';
import type { Campaign, CampaignSettings } from './campaign';
import type { Delivery } from './delivery';
import { consentCheck, type SkipReason } from './eligibility';
import { nextSendTime, sendWindows } from './send-window';

// The send-time guard: every rule that decides whether a message may leave, checked by the sender
// immediately before it calls SES or SNS — after any queue delay, retry or redrive — on the profile
// and ledger row read at that moment. Planning decides who is due; this decides whether it is still
// right to send now. Pure: the sender reads, this decides, the sender acts.
//
//   campaign gone / disabled / paused / archived          → skip
//   erased; consent, campaign opt-out, suppression        → skip (the one consent rule: consentCheck)
//   the audience no longer true: the campaign's rule, the segment a segment-entered campaign is
//   about (a win-back to someone re-scored active), an order since the occasion (win-back,
//   repurchase)                                           → skip
//   the person's local time outside the campaign window, or for SMS outside the quiet-hours
//   allowance (which is never wider than the law allows)  → defer to the next opening of both
//   the frequency cap: messages actually sent (ledger rows) in the cap's days → skip
//
// Deferred messages keep their claim (the row stays `queued`), so nothing can be sent twice.

export type GuardDecision =
  | { outcome: 'send' }
  | { outcome: 'defer'; until: Date; reason: DeferReason }
  | { outcome: 'skip'; reason: SkipReason };

export const DEFER_REASONS = [
  /** Outside the campaign's send window in the person's local time. */
  'send_window',
  /** SMS outside quiet hours (the configured allowance, the TCPA's and Florida's) in local time. */
  'quiet_hours',
  /** Claimed with a `notBefore` that has not come yet. */
  'not_before',
] as const;
export type DeferReason = (typeof DEFER_REASONS)[number];

/** Ledger statuses of a message the provider took (or may have: `unknown` counts, to be safe). */
const SENT_STATUSES: ReadonlySet<Delivery['status']> = new Set([
  'unknown',
  'sent',
  'delivered',
  'bounced',
  'complained',
  'opened',
  'clicked',
]);

/**
 * Marketing messages actually sent to the person within the cap's days before `now`: their ledger
 * rows with a sent status (the double opt-in email is transactional and never counts).
 */
export function sentWithin(
  rows: readonly Pick<Delivery, 'status' | 'sentAt' | 'updatedAt' | 'campaignId'>[],
  now: Date,
  days: number,
  transactional: ReadonlySet<string>,
): number {
  const since = now.getTime() - days * 86_400_000;
  return rows.filter((row) => {
    if (!SENT_STATUSES.has(row.status) || transactional.has(row.campaignId)) return false;
    const at = Date.parse(row.sentAt ?? row.updatedAt);
    return at > since && at <= now.getTime();
  }).length;
}

export interface GuardInput {
  /** The profile as read now; undefined when it no longer exists. */
  customer: Customer | undefined;
  /** The message's ledger row (status `queued`), as read now. */
  row: Pick<Delivery, 'campaignId' | 'channel' | 'plannedAt' | 'notBefore'>;
  /** The campaign's definition now; undefined when it was removed. */
  campaign: Campaign | undefined;
  /** The person's other ledger rows (for the frequency cap). */
  history: readonly Pick<Delivery, 'status' | 'sentAt' | 'updatedAt' | 'campaignId' | 'deliveryKey'>[];
  now: Date;
  settings: Pick<CampaignSettings, 'smsQuietHours' | 'frequencyCap'>;
  /** Campaign ids outside the frequency cap (the double opt-in email). */
  transactional?: ReadonlySet<string>;
}

/** Whether one queued message may leave now; see the top of this file for the order of the checks. */
export function guardSend(input: GuardInput): GuardDecision {
  const { customer, row, campaign, now, settings } = input;
  if (!campaign) return { outcome: 'skip', reason: 'unknown_campaign' };
  if (!campaign.enabled) return { outcome: 'skip', reason: 'disabled' };
  if (campaign.status === 'paused') return { outcome: 'skip', reason: 'campaign_paused' };
  if (campaign.status === 'archived') return { outcome: 'skip', reason: 'campaign_archived' };
  if (!customer || customer.erasedAt !== undefined) return { outcome: 'skip', reason: 'erased' };
  const consent = consentCheck(customer, campaign.id, row.channel);
  if (!consent.ok) return { outcome: 'skip', reason: consent.reason };
  const audience = audienceCheck(customer, campaign, row);
  if (audience) return { outcome: 'skip', reason: audience };

  if (row.notBefore !== undefined && Date.parse(row.notBefore) > now.getTime()) {
    return { outcome: 'defer', until: new Date(row.notBefore), reason: 'not_before' };
  }
  const windows = sendWindows(customer, campaign, row.channel, settings);
  const next = nextSendTime(now, customer.timeZone, windows);
  if (next === undefined) return { outcome: 'skip', reason: 'quiet_hours' };
  if (next.getTime() > now.getTime()) {
    const inCampaignWindow =
      nextSendTime(now, customer.timeZone, [campaign.sendWindow])?.getTime() === now.getTime();
    return { outcome: 'defer', until: next, reason: inCampaignWindow ? 'quiet_hours' : 'send_window' };
  }

  const cap = settings.frequencyCap;
  if (sentWithin(input.history, now, cap.days, input.transactional ?? new Set()) >= cap.messages) {
    return { outcome: 'skip', reason: 'frequency_cap' };
  }
  return { outcome: 'send' };
}

/**
 * Why the person is no longer in the campaign's audience, if they are not: its rule; for a campaign
 * on entering a segment, still being in it; for win-back and repurchase, no order since the message
 * was planned (the reason for it has gone).
 */
function audienceCheck(
  customer: Customer,
  campaign: Campaign,
  row: Pick<Delivery, 'plannedAt'>,
): SkipReason | undefined {
  if (campaign.audience && !evaluateRule(campaign.audience, customer)) return 'not_in_audience';
  const trigger = campaign.trigger;
  if (trigger.type === 'segment-entered' && !memberships(customer.segments).includes(trigger.segment)) {
    return 'left_segment';
  }
  if (trigger.type === 'segment-entered' || trigger.type === 'next-order') {
    const last = customer.metrics?.lastOrderAt;
    if (last && Date.parse(last) > Date.parse(row.plannedAt)) return 'ordered_since';
  }
  return undefined;
}
