import type { Campaign, CampaignSettings, Channel } from '../domain/campaigns/campaign';
import type { CatalogCampaign } from '../domain/campaigns/campaign-versions';
import { CONFIRMATION_CAMPAIGN } from '../domain/campaigns/confirmation';
import { type Delivery, deliveryKey } from '../domain/campaigns/delivery';
import { decide, type SkipReason } from '../domain/campaigns/eligibility';
import { confirmationRequested, emailConfirmed } from '../domain/consent';
import type { Customer } from '../domain/customer';
import { PHONE_CODE_CAMPAIGN, verificationRequested } from '../domain/phone-verification';
import type { Clock } from '../ports/clock';
import type { ConfirmationLimiter } from '../ports/confirmation-limiter';
import type { CustomerRepository } from '../ports/customer-repository';
import type { DeliveryLedger } from '../ports/delivery-ledger';
import type { SendQueue } from '../ports/send-queue';
import { claimOccasion, settleClaimed } from './claim-occasion';

// Event-driven messages (welcome after confirmation, win-back on entering At Risk, the double
// opt-in confirmation): one person, one occasion, through the same path as the hourly planner —
//   profile → eligibility (campaigns only) → conditional put of the ledger row (the claim)
//   → send queue → sender (which runs the send-time guard: send-guard.ts).
// Campaign messages keep the campaign's send window in the person's local time (and SMS the quiet
// hours): an event outside it claims the occasion now with `notBefore` = the next opening, and the
// sender holds the message until then (see send-message.ts). The welcome ships with a wide window
// (08:00–21:00: at once by day, never at night), the win-back with the usual 09:00–11:00. The
// confirmation email is transactional: it answers the person's own signup, at once.
// A replayed stream record or a redelivered event finds the occasion claimed and sends nothing; a
// row still `queued` (a crash between claim and queue) is queued again, which the sender's
// queued → unknown transition makes harmless.

export interface TriggerDeps {
  customers: Pick<CustomerRepository, 'get'>;
  ledger: DeliveryLedger;
  queue: SendQueue;
  clock: Clock;
  /** The catalog's campaigns, each with its current version (recorded on the rows it claims). */
  campaigns: readonly CatalogCampaign[];
  settings: CampaignSettings;
}

export type TriggerOutcome =
  | { status: 'queued' | 'held_out' | 'requeued'; campaignId: string; occasion: string }
  | { status: 'skipped'; campaignId: string; occasion: string; reason: SkipReason };

/** Every enabled, active campaign whose trigger matches `match`, for one person and occasion, as of `at`. */
export async function triggerCampaigns(
  deps: TriggerDeps,
  match: (campaign: Campaign) => boolean,
  customerId: string,
  occasion: string,
  at: Date,
): Promise<TriggerOutcome[]> {
  const outcomes: TriggerOutcome[] = [];
  for (const campaign of deps.campaigns) {
    if (!campaign.enabled || campaign.status !== 'active' || !match(campaign)) continue;
    outcomes.push(await triggerCampaign(deps, campaign, customerId, occasion, at));
  }
  return outcomes;
}

export async function triggerCampaign(
  deps: TriggerDeps,
  campaign: CatalogCampaign,
  customerId: string,
  occasion: string,
  at: Date,
): Promise<TriggerOutcome> {
  const ids = { campaignId: campaign.id, occasion };
  const key = { customerId, deliveryKey: deliveryKey(campaign.id, occasion) };
  const [existing] = await deps.ledger.getMany([key]);
  if (existing) return settle(deps, existing);
  const customer = await deps.customers.get(customerId);
  if (!customer) return { status: 'skipped', ...ids, reason: 'erased' };
  const decision = decide(customer, campaign, at, deps.settings);
  if (decision.outcome === 'skipped') return { status: 'skipped', ...ids, reason: decision.reason };
  const claim = await claimOccasion(deps, {
    customerId,
    campaignId: campaign.id,
    campaignVersion: campaign.version,
    occasion,
    channel: decision.channel,
    at,
    decision,
    customer,
  });
  if (claim.status === 'exists') return settle(deps, claim.existing);
  if (claim.status !== 'queued') return { status: 'held_out', ...ids };
  await deps.queue.enqueue([claim.send]);
  return { status: 'queued', ...ids };
}

/**
 * The confirmation email for one double opt-in request (`requestedAt`): transactional, so no
 * eligibility beyond what the sender checks (still pending, an address, not suppressed), no cap, no
 * holdout. Claimed as `confirmation#<requestedAt>`: one email per request. And at most 1 per 24 h
 * and 3 per 7 days per mailbox, whatever addresses are posted (CONFIRMATION_LIMITS): one over the
 * limit is claimed `skipped` with reason `confirmation_rate_limited` and never sent; the person who
 * posted the form is answered as always. A suppressed address (bounced, complained) is never mailed
 * and so uses none of its mailbox's allowance: it is queued, and the sender's guard skips it with
 * reason `suppressed`, the reason that matters.
 */
export async function queueConfirmation(
  deps: Pick<TriggerDeps, 'ledger' | 'queue' | 'clock' | 'settings'> & { confirmations: ConfirmationLimiter },
  customerId: string,
  email: string,
  requestedAt: string,
  at: Date,
  suppressed = false,
): Promise<TriggerOutcome> {
  return queueTransactional(deps, deps.confirmations, {
    customerId,
    campaignId: CONFIRMATION_CAMPAIGN,
    channel: 'email',
    address: email,
    requestedAt,
    at,
    limited: 'confirmation_rate_limited',
    suppressed,
  });
}

/**
 * The verification code text for one pending number's request (phone-verification.ts): the same
 * transactional path as the confirmation email, claimed as `phone-verification#<requestedAt>` (one
 * text per request), at most PHONE_CODE_LIMITS per number whatever profiles ask (over the limit:
 * claimed `skipped`, reason `phone_code_rate_limited`, never sent). The sender makes the code.
 */
export async function queuePhoneCode(
  deps: Pick<TriggerDeps, 'ledger' | 'queue' | 'clock' | 'settings'> & { phoneCodes: ConfirmationLimiter },
  customerId: string,
  phone: string,
  requestedAt: string,
  at: Date,
): Promise<TriggerOutcome> {
  return queueTransactional(deps, deps.phoneCodes, {
    customerId,
    campaignId: PHONE_CODE_CAMPAIGN,
    channel: 'sms',
    address: phone,
    requestedAt,
    at,
    limited: 'phone_code_rate_limited',
    suppressed: false,
  });
}

async function queueTransactional(
  deps: Pick<TriggerDeps, 'ledger' | 'queue' | 'clock' | 'settings'>,
  limiter: ConfirmationLimiter,
  message: {
    customerId: string;
    campaignId: string;
    channel: Channel;
    address: string;
    requestedAt: string;
    at: Date;
    limited: SkipReason;
    suppressed: boolean;
  },
): Promise<TriggerOutcome> {
  const { customerId, campaignId, requestedAt, at } = message;
  const ids = { campaignId, occasion: requestedAt };
  // A replayed record finds its row: nothing is counted twice.
  const [existing] = await deps.ledger.getMany([
    { customerId, deliveryKey: deliveryKey(campaignId, requestedAt) },
  ]);
  if (existing) return settle(deps, existing);
  const over = !message.suppressed && !(await limiter.tryCount(message.address, at));
  const claim = await claimOccasion(deps, {
    customerId,
    campaignId,
    occasion: requestedAt,
    channel: message.channel,
    at,
    ...(over && { skipped: message.limited }),
  });
  if (claim.status === 'exists') return settle(deps, claim.existing);
  if (claim.status !== 'queued') return { status: 'skipped', ...ids, reason: message.limited };
  await deps.queue.enqueue([claim.send]);
  return { status: 'queued', ...ids };
}

/** A row found already claimed: queued again if a crash left it so (see settleClaimed), else done. */
async function settle(
  deps: Pick<TriggerDeps, 'ledger' | 'queue' | 'clock' | 'settings'>,
  row: Delivery,
): Promise<TriggerOutcome> {
  const ids = { campaignId: row.campaignId, occasion: row.occasion };
  const settled = await settleClaimed(deps, row);
  if (settled.outcome !== 'requeued' && settled.outcome !== 'retried')
    return { status: 'skipped', ...ids, reason: 'already_claimed' };
  await deps.queue.enqueue([settled.send]);
  return { status: 'requeued', ...ids };
}

/** One change of a profile as the Customers stream reports it (the old image read leniently). */
export interface ProfileChangeEvent {
  before?: Record<string, unknown>;
  after: Customer;
  /** When the change was stored. */
  at: Date;
}

/**
 * The Customers stream's message triggers: a new double opt-in request queues its confirmation
 * email; a new phone verification request queues its code text; a confirmation (pending →
 * confirmed) triggers the welcome campaigns, once per person (occasion `once`).
 */
export async function onProfileChange(
  deps: TriggerDeps & { confirmations: ConfirmationLimiter; phoneCodes: ConfirmationLimiter },
  change: ProfileChangeEvent,
): Promise<TriggerOutcome[]> {
  const { before, after, at } = change;
  const outcomes: TriggerOutcome[] = [];
  const verification = verificationRequested(before, after);
  if (verification)
    outcomes.push(
      await queuePhoneCode(deps, after.customerId, verification.phone, verification.requestedAt, at),
    );
  const requestedAt = confirmationRequested(before, after);
  if (requestedAt && after.email !== undefined)
    outcomes.push(
      await queueConfirmation(
        deps,
        after.customerId,
        after.email,
        requestedAt,
        at,
        after.suppression?.email !== undefined,
      ),
    );
  if (emailConfirmed(before, after)) {
    const welcome = (campaign: Campaign) => campaign.trigger.type === 'email-confirmed';
    outcomes.push(...(await triggerCampaigns(deps, welcome, after.customerId, WELCOME_OCCASION, at)));
  }
  return outcomes;
}

/** The welcome is sent once per person, whatever happens to their consent later. */
export const WELCOME_OCCASION = 'once';

/** A `SegmentEntered` event from the app's bus (published by the profile stream). */
export interface SegmentEnteredEvent {
  customerId: string;
  kind: string;
  segment: string;
  /** When the membership changed. */
  at: string;
  /** The same write changed the order history (see SegmentChangeDetail). */
  historyChanged?: boolean;
}

/**
 * How old the newest order may be for an order-driven lifecycle change to count as happening now.
 * Entering At Risk (or any lifecycle stage) is a reason to write when the clock moved the person
 * (the nightly re-score, same order history) or a recent order did; when the write that moved them
 * brought in orders whose newest is older than this (an import of two-year-old orders, a late
 * cancellation of the last order), the change belongs to the past, and nothing is sent.
 */
export const LIFECYCLE_RECENT_ORDER_DAYS = 7;

/** Whether a segment entry is a lifecycle change that happened in the past (see above). */
export function historicalEntry(event: SegmentEnteredEvent, customer: Customer): boolean {
  if (event.kind !== 'lifecycle' || !event.historyChanged) return false;
  const last = customer.metrics?.lastOrderAt;
  if (!last) return false;
  return Date.parse(event.at) - Date.parse(last) > LIFECYCLE_RECENT_ORDER_DAYS * 86_400_000;
}

/**
 * Entering a segment triggers the campaigns on it (win-back on `lifecycle:at_risk`), once per day
 * of entry (`win-back#2026-06-15`): a person who leaves and comes back another day is asked again,
 * within the frequency cap.
 */
export async function onSegmentEntered(
  deps: TriggerDeps,
  event: SegmentEnteredEvent,
): Promise<TriggerOutcome[]> {
  const membership = `${event.kind}:${event.segment}`;
  const onIt = (campaign: Campaign) =>
    campaign.enabled &&
    campaign.trigger.type === 'segment-entered' &&
    campaign.trigger.segment === membership;
  const occasion = event.at.slice(0, 10);
  if (event.historyChanged && event.kind === 'lifecycle' && deps.campaigns.some(onIt)) {
    const customer = await deps.customers.get(event.customerId);
    if (customer && historicalEntry(event, customer)) {
      return deps.campaigns
        .filter(onIt)
        .map((c) => ({ status: 'skipped', campaignId: c.id, occasion, reason: 'historical' }));
    }
  }
  return triggerCampaigns(deps, onIt, event.customerId, occasion, new Date(event.at));
}
