import { birthdayPartitions } from '../domain/calendar';
import {
  type Campaign,
  type CampaignSettings,
  isScheduledTrigger,
  type ScheduledTrigger,
} from '../domain/campaigns/campaign';
import type { CatalogCampaign } from '../domain/campaigns/campaign-versions';
import { deliveryKey, type SendRequest } from '../domain/campaigns/delivery';
import { decide, type SkipReason } from '../domain/campaigns/eligibility';
import { daysBefore } from '../domain/campaigns/last-order-keys';
import { dueRanges } from '../domain/campaigns/send-window';
import type { Clock } from '../ports/clock';
import type { CustomerRepository } from '../ports/customer-repository';
import type { DeliveryKey, DeliveryLedger } from '../ports/delivery-ledger';
import type { DueCustomers } from '../ports/due-customers';
import type { SendQueue } from '../ports/send-queue';
import * as z from '../zod';
import { claimOccasion, settleClaimed } from './claim-occasion';

// One planner pass "as of" an instant (the hourly schedule's time, or `precis planner --at`):
//
//   for each scheduled campaign (birthday, next-order, after-order: the survey N days after the last order):
//     index queries: one BETWEEN on the UTC offset per local date in play (see send-window.ts)
//     → the ledger rows of those (customer, occasion) pairs in one batch read: claimed ones are done
//       (no profile read; a row still `queued` is queued again, which is harmless: the sender's
//       queued → unknown transition lets one message through; a row an interrupted send left
//       `unknown` past its quiet period with no provider event goes back to `queued` (conditional:
//       one retrier wins) and is queued again: `retried`; see delivery.ts)
//     → each unclaimed customer's profile, read once → eligibility (consent, audience, holdout)
//     → conditional put of the ledger row (`queued` or `held_out`): the claim → the send queue
//
// Nothing is written to the profile: the frequency cap counts the ledger rows actually sent, at
// send time (send-guard.ts), where the time of day, consent and the audience are checked again.
// Reads per due person and occasion: this profile read, and the sender's. Nothing is scanned: the
// cost grows with the number of people due, not the size of the table.

export interface PlannerDeps {
  due: DueCustomers;
  customers: Pick<CustomerRepository, 'get'>;
  ledger: DeliveryLedger;
  queue: SendQueue;
  clock: Clock;
  /** The catalog's campaigns, each with its current version (recorded on the rows it claims). */
  campaigns: readonly CatalogCampaign[];
  settings: CampaignSettings;
  /** Profiles read and claimed in parallel (DynamoDB calls in flight). */
  concurrency?: number;
  /**
   * Fan-out: a campaign with more than `size` people due is not claimed by this pass but split into
   * pages of `size` on `queue`, each claimed by planPage in its own invocation, in parallel.
   */
  pages?: { size: number; queue: PlannerPageQueue };
}

/** Part of a pass's due set for one campaign, claimed on its own (planPage). */
export const PlannerPageSchema = z.object({
  campaignId: z.string(),
  /** The pass's instant. */
  at: z.iso.datetime(),
  candidates: z.array(z.object({ customerId: z.string(), occasion: z.string() })),
});
export type PlannerPage = z.infer<typeof PlannerPageSchema>;

/** Where a pass puts its pages (SQS: one message a page, ids only). */
export interface PlannerPageQueue {
  enqueue(pages: readonly PlannerPage[]): Promise<void>;
}

export interface PlanSummary {
  /** (customer, occasion) pairs the indexes found inside their send window. */
  due: number;
  queued: number;
  heldOut: number;
  skipped: Partial<Record<SkipReason, number>>;
  /** Rows found still `queued` and put on the queue again. */
  requeued: number;
  /**
   * Rows of the due people an interrupted send left `unknown` (the provider was called, the ledger
   * not updated), still inside their quiet period: sent or not, the provider's events will tell.
   */
  unknown: number;
  /** Rows left `unknown` past their quiet period with no provider event: taken back and queued again. */
  retried: number;
  /** Of `queued`, those outside the SMS allowance now: sent at its next opening (see `sendTime`). */
  deferred: number;
  /** The rows this pass queued (to wait for their sending). */
  claimed: DeliveryKey[];
  /** Pages put on the page queue (fan-out): their people are claimed by planPage, not counted here. */
  paged: number;
}

export type Candidate = PlannerPage['candidates'][number];

export async function planCampaigns(deps: PlannerDeps, at: Date): Promise<PlanSummary> {
  const summary = emptySummary();
  // Campaigns one after another (the frequency cap between them is checked when each is sent).
  for (const campaign of deps.campaigns) {
    if (!campaign.enabled || campaign.status !== 'active') continue;
    if (!isScheduledTrigger(campaign.trigger)) continue;
    const candidates = await findDue(deps.due, campaign.trigger, campaign.sendWindow, at);
    summary.due += candidates.length;
    if (deps.pages && candidates.length > deps.pages.size) {
      const pages: PlannerPage[] = [];
      for (let i = 0; i < candidates.length; i += deps.pages.size) {
        pages.push({
          campaignId: campaign.id,
          at: at.toISOString(),
          candidates: candidates.slice(i, i + deps.pages.size),
        });
      }
      await deps.pages.queue.enqueue(pages);
      summary.paged += pages.length;
      continue;
    }
    await planCandidates(deps, campaign, candidates, at, summary);
  }
  return summary;
}

/**
 * One page of a fanned-out pass: its people claimed exactly as the pass would have (the ledger's
 * conditional claim makes a redelivered page, or one racing the next hour's pass, claim nothing twice).
 */
export async function planPage(deps: PlannerDeps, page: PlannerPage): Promise<PlanSummary> {
  const summary = emptySummary();
  const campaign = deps.campaigns.find((c) => c.id === page.campaignId);
  summary.due = page.candidates.length;
  if (!campaign) {
    summary.skipped.unknown_campaign = page.candidates.length;
    return summary;
  }
  // A campaign paused or archived since the pass: eligibility skips each person with that reason.
  await planCandidates(deps, campaign, page.candidates, new Date(page.at), summary);
  return summary;
}

function emptySummary(): PlanSummary {
  return {
    due: 0,
    queued: 0,
    heldOut: 0,
    skipped: {},
    requeued: 0,
    unknown: 0,
    retried: 0,
    deferred: 0,
    claimed: [],
    paged: 0,
  };
}

/** Claims (or settles) each due person's occasion for one campaign, then queues what is to be sent. */
async function planCandidates(
  deps: PlannerDeps,
  campaign: CatalogCampaign,
  candidates: readonly Candidate[],
  at: Date,
  summary: PlanSummary,
): Promise<void> {
  const skip = (reason: SkipReason) => {
    summary.skipped[reason] = (summary.skipped[reason] ?? 0) + 1;
  };
  const keys = candidates.map((c) => ({
    customerId: c.customerId,
    deliveryKey: deliveryKey(campaign.id, c.occasion),
  }));
  const existing = new Map(
    (await deps.ledger.getMany(keys)).map((row) => [`${row.customerId}\u0000${row.deliveryKey}`, row]),
  );
  const toQueue: SendRequest[] = [];
  await forEachLimited(candidates, deps.concurrency ?? 8, async (candidate, i) => {
    const key = keys[i] as DeliveryKey;
    const row = existing.get(`${key.customerId}\u0000${key.deliveryKey}`);
    if (row) {
      skip('already_claimed');
      const settled = await settleClaimed(deps, row);
      if (settled.outcome === 'requeued' || settled.outcome === 'retried') {
        toQueue.push(settled.send);
        summary[settled.outcome]++;
      } else if (settled.outcome === 'unknown') summary.unknown++;
      return;
    }
    const customer = await deps.customers.get(candidate.customerId);
    if (!customer) return skip('erased');
    const decision = decide(customer, campaign, at, deps.settings);
    if (decision.outcome === 'skipped') return skip(decision.reason);
    const claim = await claimOccasion(deps, {
      customerId: candidate.customerId,
      campaignId: campaign.id,
      campaignVersion: campaign.version,
      occasion: candidate.occasion,
      channel: decision.channel,
      at,
      decision,
      customer,
    });
    if (claim.status === 'exists') return skip('already_claimed');
    if (claim.status !== 'queued') {
      summary.heldOut++;
      return;
    }
    toQueue.push(claim.send);
    summary.queued++;
    if (claim.row.notBefore) summary.deferred++;
    else summary.claimed.push(key);
  });
  await deps.queue.enqueue(toQueue);
}

/** The (customer, occasion) pairs whose local time is inside the campaign's window at `at`. */
async function findDue(
  due: DueCustomers,
  trigger: ScheduledTrigger,
  window: Campaign['sendWindow'],
  at: Date,
): Promise<Candidate[]> {
  const found = new Map<string, Candidate>();
  for (const range of dueRanges(at, window)) {
    const { localDate, lowOffset, highOffset } = range;
    // A birthday is once a year (`birthday#2026`); a repurchase occasion is its expected date; a
    // survey's is the local date of the order it asks about (`survey#2026-03-07`).
    let ids: string[];
    let occasion: string;
    if (trigger.type === 'birthday') {
      ids = (
        await Promise.all(
          birthdayPartitions(localDate).map((monthDay) => due.byBirthday(monthDay, lowOffset, highOffset)),
        )
      ).flat();
      occasion = localDate.slice(0, 4);
    } else if (trigger.type === 'after-order') {
      occasion = daysBefore(localDate, trigger.days);
      ids = await due.byLastOrder(occasion, lowOffset, highOffset);
    } else {
      ids = await due.byNextOrder(localDate, lowOffset, highOffset);
      occasion = localDate;
    }
    for (const customerId of ids) found.set(`${customerId}\u0000${occasion}`, { customerId, occasion });
  }
  return [...found.values()];
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Waits until none of `keys` is still `queued` or `unknown` (the sender has finished with them: sent,
 * skipped or failed), polling the ledger; returns how many are not finished when `timeoutMs` runs out
 * (a row left `unknown` by a crash stays so, and is counted).
 */
export async function awaitSending(
  ledger: DeliveryLedger,
  keys: readonly DeliveryKey[],
  timeoutMs: number,
  pollMs = 100,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...keys];
  for (;;) {
    const rows = await ledger.getMany(pending);
    const still = new Set(
      rows
        .filter((r) => r.status === 'queued' || r.status === 'unknown')
        .map((r) => `${r.customerId}\u0000${r.deliveryKey}`),
    );
    pending = pending.filter((k) => still.has(`${k.customerId}\u0000${k.deliveryKey}`));
    if (pending.length === 0 || Date.now() >= deadline) return pending.length;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
