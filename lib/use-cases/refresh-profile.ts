import type { Customer } from '../domain/customer';
import { DERIVED_KEY_NAMES } from '../domain/occasion-keys';
import type { RuleSegment } from '../domain/rule-segments';
import { membershipChanges, type SegmentMembership, SegmentsSchema } from '../domain/scoring';
import { audienceChanges } from '../domain/segment-members';
import type { Clock } from '../ports/clock';
import type { CustomerRepository } from '../ports/customer-repository';
import type { EventPublisher, PrecisEvent } from '../ports/event-publisher';
import type { SegmentMembers } from '../ports/segment-members';
import { derivedUpdate } from './derived-update';
import type { ModelSource } from './model-cache';

export interface RefreshProfileDeps {
  customers: CustomerRepository;
  events: EventPublisher;
  /** The segment membership index: this function is its one writer. */
  members: Pick<SegmentMembers, 'apply'>;
  models: ModelSource;
  rules: readonly RuleSegment[];
  clock: Clock;
  /** The day-keyed indexes' write shards (default 1: unsharded). */
  indexShards?: number;
}

/** One change of a profile, as the Customers stream reports it. */
export interface ProfileChange {
  /** The stored item before the change (absent for a new profile); read leniently. */
  before?: Record<string, unknown>;
  after: Customer;
  /** When the change was stored. */
  at: string;
  /** Unique per change (the stream record's sequence number): makes event ids stable on retries. */
  changeId: string;
}

export interface RefreshProfileOutcome {
  write: 'updated' | 'unchanged' | 'stale';
  entered: number;
  exited: number;
  /** Membership items written (segments and consent audiences entered or left). */
  memberships: number;
}

/**
 * Runs on every change of a profile, whoever made it:
 * 1. announces the segment memberships the change itself stored: SegmentEntered / SegmentExited for
 *    each difference between the old and the new item's segments (rfm name, value tier, lifecycle
 *    stage, matrix strategy, rule segment ids) — so every membership change is announced exactly
 *    once, by the record of the write that made it, and a write that changes no membership (a
 *    replayed order, this function's own no-op) announces nothing;
 * 2. records the same change in the segment membership index (plus the consent audiences, which a
 *    `facts` write moves): a put per audience entered, a delete per audience left, nothing when none
 *    moved (lib/domain/segment-members.ts);
 * 3. re-scores the new item (a signup may have changed interests that a rule segment reads) and
 *    writes the ltv, segments and index keys that differ, if the profile is still at this version.
 *    After the orders stream's write it finds everything right and writes nothing; after its own
 *    write, likewise, so the stream settles.
 * Delivery is at least once: a record Lambda retries announces again with the same `eventId`.
 */
export async function refreshProfile(
  deps: RefreshProfileDeps,
  change: ProfileChange,
): Promise<RefreshProfileOutcome> {
  const { after } = change;
  const before = SegmentsSchema.safeParse(change.before?.segments);
  const { entered, exited } = membershipChanges(before.success ? before.data : undefined, after.segments);
  const audiences = audienceChanges(change.before, after);
  const memberships = audiences.entered.length + audiences.exited.length;
  if (memberships > 0) await deps.members.apply(after.customerId, audiences);

  const { update, changed } = derivedUpdate(after, {
    model: await deps.models.current(after.ltv?.modelVersion),
    rules: deps.rules,
    now: deps.clock.now(),
    keyNames: DERIVED_KEY_NAMES,
    indexShards: deps.indexShards,
  });
  const write = changed
    ? // The record's image may be older than the item: only if its facts and metrics are still stored.
      await deps.customers.saveDerived(after.customerId, update, {
        version: after.version,
        metrics: after.metrics ?? null,
      })
    : 'unchanged';

  const historyChanged = historyOf(change.before?.metrics) !== historyOf(after.metrics);
  const event = (type: 'SegmentEntered' | 'SegmentExited', m: SegmentMembership): PrecisEvent => ({
    type,
    detail: {
      version: 1,
      customerId: after.customerId,
      kind: m.kind,
      segment: m.segment,
      at: change.at,
      eventId: `${change.changeId}:${type}:${m.kind}:${m.segment}`,
      ...(historyChanged && { historyChanged }),
    },
  });
  const events = [
    ...exited.map((m) => event('SegmentExited', m)),
    ...entered.map((m) => event('SegmentEntered', m)),
  ];
  if (events.length > 0) await deps.events.publish(events);
  return { write, entered: entered.length, exited: exited.length, memberships };
}

/** What identifies an order history on a stored profile (read leniently: the old image is raw). */
function historyOf(metrics: unknown): string {
  const m = (metrics ?? {}) as Record<string, unknown>;
  return JSON.stringify([
    m.orderCount ?? 0,
    m.firstOrderAt ?? null,
    m.lastOrderAt ?? null,
    m.totalSpend ?? 0,
  ]);
}
