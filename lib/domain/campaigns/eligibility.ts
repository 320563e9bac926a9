import type { Customer } from '../customer';
import { evaluateRule } from '../rule-segments';
import type { Campaign, CampaignSettings, Channel } from './campaign';
import { nextSendTime, sendWindows } from './send-window';

// Whether one person is planned one campaign's message, and on which channel. Pure: the planner
// reads the profile once and asks this. What may change before the message leaves (consent, the
// audience, the campaign's status, the time of day, the frequency cap over what was actually sent)
// is asked again by the send-time guard (send-guard.ts) just before the provider is called.
// Expected outcomes are values, never errors.

export const SKIP_REASONS = [
  /** The campaign is switched off in config. */
  'disabled',
  /** The person's data was erased. */
  'erased',
  /** The campaign's audience rule does not match the profile. */
  'not_in_audience',
  /** No address on the channel(s) the campaign uses. */
  'no_address',
  /** Email not confirmed (double opt-in pending or never asked) / SMS never opted in. */
  'no_consent',
  /** Unsubscribed from email / opted out of SMS. */
  'unsubscribed',
  /** The person opted out of this campaign on the manage-details page (preference centre). */
  'campaign_opt_out',
  /** Hard bounce, complaint or carrier opt-out on the channel. */
  'suppressed',
  /** Already had the capped number of marketing messages within the cap's days (ledger rows sent). */
  'frequency_cap',
  /** SMS, and the campaign's send window never overlaps the quiet-hours allowance (a config mistake). */
  'quiet_hours',
  /** The occasion was already claimed (sent, held out or on its way): never twice. */
  'already_claimed',
  /** A lifecycle change that happened in the past: backfilled or imported old orders moved the person. */
  'historical',
  /** The campaign is no longer in the configuration. */
  'unknown_campaign',
  /** The campaign was paused (status `paused`) after the message was queued. */
  'campaign_paused',
  /** The campaign was archived (status `archived`) after the message was queued. */
  'campaign_archived',
  /** A campaign on entering a segment, and the person has left it since (re-scored active). */
  'left_segment',
  /** Win-back or repurchase, and the person ordered after the message was planned. */
  'ordered_since',
  /** SMS, and another customer with the same number was texted on that local day (SMS pumping cap). */
  'shared_number',
  /** Confirmation email: the mailbox already had 1 in 24 hours or 3 in 7 days (CONFIRMATION_LIMITS). */
  'confirmation_rate_limited',
  /** SMS consent given for a number not verified yet (no code typed back: phone-verification.ts). */
  'phone_unverified',
  /** Verification code text: the number already had its allowance of codes (PHONE_CODE_LIMITS). */
  'phone_code_rate_limited',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export type Decision =
  /** `notBefore`: outside the send window (or SMS quiet hours) now, so sent at the next opening. */
  | { outcome: 'send'; channel: Channel; notBefore?: Date }
  /** In the control group: gets nothing, is measured like everyone else. */
  | { outcome: 'held_out'; channel: Channel }
  | { outcome: 'skipped'; reason: SkipReason };

export type ChannelCheck = { ok: true } | { ok: false; reason: SkipReason };

/** Consent and suppression on one channel (part of `consentCheck`, the one consent rule). */
export function channelCheck(customer: Customer, channel: Channel): ChannelCheck {
  if (channel === 'email') {
    if (customer.email === undefined) return { ok: false, reason: 'no_address' };
    if (customer.consent.email.status === 'unsubscribed') return { ok: false, reason: 'unsubscribed' };
    if (customer.consent.email.status !== 'confirmed') return { ok: false, reason: 'no_consent' };
    if (customer.suppression?.email) return { ok: false, reason: 'suppressed' };
    return { ok: true };
  }
  if (customer.phone === undefined) return { ok: false, reason: 'no_address' };
  if (customer.consent.sms.status === 'opted_out') return { ok: false, reason: 'unsubscribed' };
  if (customer.consent.sms.status === 'pending') return { ok: false, reason: 'phone_unverified' };
  if (customer.consent.sms.status !== 'opted_in') return { ok: false, reason: 'no_consent' };
  if (customer.suppression?.sms) return { ok: false, reason: 'suppressed' };
  return { ok: true };
}

/** The person opted out of this campaign on the manage-details page. */
export const optedOutOf = (customer: Pick<Customer, 'campaignOptOuts'>, campaignId: string): boolean =>
  customer.campaignOptOuts?.includes(campaignId) ?? false;

/**
 * The person's own consent to one campaign on one channel: the preference centre's per-campaign
 * opt-outs, then the channel's consent and suppression (see `channelCheck`). The one consent rule:
 * the planner asks it through `decide`, the send-time guard again just before sending.
 */
export function consentCheck(customer: Customer, campaignId: string, channel: Channel): ChannelCheck {
  if (optedOutOf(customer, campaignId)) return { ok: false, reason: 'campaign_opt_out' };
  return channelCheck(customer, channel);
}

/**
 * The first channel of the campaign's preference the person can be reached on, or why none. The
 * time of day is not a reason to pass a channel over: see `sendTime`.
 */
export function chooseChannel(
  customer: Customer,
  campaign: Pick<Campaign, 'channel'>,
): { channel: Channel } | { reason: SkipReason } {
  const order: Channel[] = campaign.channel === 'email-then-sms' ? ['email', 'sms'] : [campaign.channel];
  let first: SkipReason | undefined;
  for (const channel of order) {
    const check = channelCheck(customer, channel);
    if (check.ok) return { channel };
    // A number waiting for its code is what stands between the person and a text they asked for:
    // that, rather than the first channel's reason, is why they get nothing.
    first = first === undefined || check.reason === 'phone_unverified' ? check.reason : first;
  }
  return { reason: first ?? 'no_address' };
}

/**
 * When a message on `channel` may go: `now` if the person's local time is inside the campaign's send
 * window (and, for SMS, the quiet-hours allowance), else the next opening of both — so a trigger at
 * night (an event, or a window that starts before SMS is allowed) is deferred, never dropped.
 * Undefined when the two never overlap.
 */
export function sendTime(
  customer: Pick<Customer, 'timeZone' | 'phone'>,
  campaign: Pick<Campaign, 'sendWindow'>,
  channel: Channel,
  now: Date,
  settings: Pick<CampaignSettings, 'smsQuietHours'>,
): Date | undefined {
  return nextSendTime(now, customer.timeZone, sendWindows(customer, campaign, channel, settings));
}

/**
 * The decision for one person and campaign at `now`. Order: disabled or not active, erased,
 * audience, channel (consent, suppression), the time it may go (deferred to the next send window /
 * SMS allowance), then the holdout, so the control group is drawn from exactly the people who would
 * have been messaged. The frequency cap counts what was actually sent, so it is the send-time
 * guard's (send-guard.ts), not the plan's.
 */
export function decide(
  customer: Customer,
  campaign: Campaign,
  now: Date,
  settings: Pick<CampaignSettings, 'smsQuietHours'>,
): Decision {
  if (!campaign.enabled) return { outcome: 'skipped', reason: 'disabled' };
  if (campaign.status === 'paused') return { outcome: 'skipped', reason: 'campaign_paused' };
  if (campaign.status === 'archived') return { outcome: 'skipped', reason: 'campaign_archived' };
  if (customer.erasedAt !== undefined) return { outcome: 'skipped', reason: 'erased' };
  if (campaign.audience && !evaluateRule(campaign.audience, customer)) {
    return { outcome: 'skipped', reason: 'not_in_audience' };
  }
  if (optedOutOf(customer, campaign.id)) return { outcome: 'skipped', reason: 'campaign_opt_out' };
  const choice = chooseChannel(customer, campaign);
  if ('reason' in choice) return { outcome: 'skipped', reason: choice.reason };
  const when = sendTime(customer, campaign, choice.channel, now, settings);
  if (when === undefined) return { outcome: 'skipped', reason: 'quiet_hours' };
  if (inHoldout(customer.customerId, campaign.id, campaign.holdoutPercent)) {
    return { outcome: 'held_out', channel: choice.channel };
  }
  return when > now
    ? { outcome: 'send', channel: choice.channel, notBefore: when }
    : { outcome: 'send', channel: choice.channel };
}

/**
 * Deterministic holdout: a hash of campaign and customer into 10,000 buckets, so a person is in or
 * out of a campaign's control group on every run, and independently across campaigns.
 */
export function inHoldout(customerId: string, campaignId: string, percent: number): boolean {
  return holdoutBucket(customerId, campaignId) < Math.round(percent * 100);
}

export function holdoutBucket(customerId: string, campaignId: string): number {
  return fnv1a32(`${campaignId}\u0000${customerId}`) % 10_000;
}

/** FNV-1a, 32 bits, over UTF-16 code units, with a final avalanche (murmur3 fmix32). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
