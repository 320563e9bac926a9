import type { CampaignSettings, Channel } from '../domain/campaigns/campaign';
import {
  type Delivery,
  deliveryKey,
  isPastQuietPeriod,
  isStuckUnknown,
  type SendRequest,
  sendRequestOf,
} from '../domain/campaigns/delivery';
import type { Decision } from '../domain/campaigns/eligibility';
import type { Customer } from '../domain/customer';
import type { Clock } from '../ports/clock';
import type { DeliveryLedger } from '../ports/delivery-ledger';

// The one home of "claim an occasion, then queue it", for the hourly planner and the event triggers
// alike: the ledger row a decision claims, the conditional put, and what a row found already claimed
// asks of whoever found it (a replayed record, a later planner pass).

export interface ClaimDeps {
  ledger: DeliveryLedger;
  clock: Clock;
}

/** A message's occasion, as the planner or a trigger decided it. */
export interface OccasionClaim {
  customerId: string;
  campaignId: string;
  /** The campaign's version (recorded on the row; the report can be read per version). */
  campaignVersion?: number | undefined;
  occasion: string;
  channel: Channel;
  /** The pass's or the event's instant (`plannedAt`). */
  at: Date;
  /** The campaign's decision; omitted for transactional messages (confirmation, phone code). */
  decision?: Extract<Decision, { outcome: 'send' | 'held_out' }>;
  /** The person as claimed: their value tier is kept on the row (the report splits VIPs out). */
  customer?: Pick<Customer, 'segments'>;
  /** A transactional message refused before sending (e.g. over its rate limit): claimed `skipped`. */
  skipped?: Delivery['reason'];
}

export type ClaimResult =
  | { status: 'queued'; row: Delivery; send: SendRequest }
  | { status: 'held_out' | 'skipped'; row: Delivery }
  | { status: 'exists'; existing: Delivery };

/** The conditional put of the occasion's ledger row: the claim. What to send is returned, not queued. */
export async function claimOccasion(deps: ClaimDeps, claim: OccasionClaim): Promise<ClaimResult> {
  const now = deps.clock.now().toISOString();
  const { decision } = claim;
  const status = claim.skipped ? 'skipped' : decision?.outcome === 'held_out' ? 'held_out' : 'queued';
  const row: Delivery = {
    customerId: claim.customerId,
    deliveryKey: deliveryKey(claim.campaignId, claim.occasion),
    campaignId: claim.campaignId,
    ...(claim.campaignVersion !== undefined && { campaignVersion: claim.campaignVersion }),
    occasion: claim.occasion,
    channel: claim.channel,
    status,
    ...(claim.skipped && { reason: claim.skipped }),
    plannedAt: claim.at.toISOString(),
    ...(claim.customer?.segments?.valueTier && { valueTier: claim.customer.segments.valueTier }),
    claimedAt: now,
    updatedAt: now,
    ...(decision?.outcome === 'send' &&
      decision.notBefore && { notBefore: decision.notBefore.toISOString() }),
  };
  const put = await deps.ledger.claim(row);
  if (put.status === 'exists') return { status: 'exists', existing: put.existing };
  return status === 'queued' ? { status, row, send: sendRequestOf(row) } : { status, row };
}

/**
 * What a row found already claimed asks: `requeued` — still `queued` (a crash between claim and
 * queue), queue it again (the sender's queued → unknown move makes a copy harmless); `retried` — left
 * `unknown` past its channel's quiet period with no provider event, taken back (one retrier wins) and
 * queued again; `unknown` — left `unknown` inside the quiet period, reported; `done` — nothing to do.
 */
export async function settleClaimed(
  deps: ClaimDeps & { settings: Pick<CampaignSettings, 'unknownQuietPeriod'> },
  row: Delivery,
): Promise<{ outcome: 'requeued' | 'retried'; send: SendRequest } | { outcome: 'unknown' | 'done' }> {
  if (row.status === 'queued') return { outcome: 'requeued', send: sendRequestOf(row) };
  const now = deps.clock.now();
  if (isPastQuietPeriod(row, now, deps.settings.unknownQuietPeriod)) {
    return (await deps.ledger.requeueUnknown(row, row.updatedAt))
      ? { outcome: 'retried', send: sendRequestOf(row) }
      : { outcome: 'done' };
  }
  return { outcome: isStuckUnknown(row, now) ? 'unknown' : 'done' };
}
