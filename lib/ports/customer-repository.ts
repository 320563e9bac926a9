import type { Customer, Suppression } from '../domain/customer';
import type { DerivedKeys } from '../domain/occasion-keys';
import type { ProfileMetrics } from '../domain/profile-metrics';
import type { Satisfaction } from '../domain/satisfaction';
import type { Scores } from '../domain/scoring';

export type IdentityKind = 'email' | 'phone';

/** Storage of customer profiles and the identities (email, phone) that find them. */
export interface CustomerRepository {
  get(customerId: string): Promise<Customer | undefined>;
  /**
   * The profiles of many ids at once (eventually consistent, for lists and exports), in no particular
   * order, each once; ids with no profile are left out.
   */
  getMany(customerIds: readonly string[]): Promise<Customer[]>;
  /** The customer an email/phone belongs to; an erased person's address finds nobody. */
  findByIdentity(kind: IdentityKind, value: string): Promise<Customer | undefined>;
  /**
   * The live customers whose profile has this phone (E.164), through the Customers table's sparse
   * `byPhone` index (keys only, eventually consistent): usually one; a shared number may give several
   * (a phone is no identity when the person signed up with an email). At most 10.
   */
  customerIdsByPhone(phone: string): Promise<string[]>;
  /** The customer id behind an address, erased or not (orders keep counting anonymously). */
  findCustomerIdByIdentity(kind: IdentityKind, value: string): Promise<string | undefined>;
  /**
   * Suppressions recorded on the addresses themselves (hard bounce, complaint, carrier opt-out: see
   * ConsentStore.suppressIdentity), which outlive the profile: an erased person who signs up again
   * with a suppressed address starts suppressed. Keyed by channel (email → email, phone → sms).
   */
  identitySuppression(identities: readonly { kind: IdentityKind; value: string }[]): Promise<Suppression>;
  /**
   * Stores a new customer and claims its identity; throws IdentityTakenError if a live customer has
   * it. An erased person's identity is taken over: signing up again is a new consent (a suppression
   * mark on the identity stays).
   */
  create(customer: Customer, identity: { kind: IdentityKind; value: string }): Promise<void>;
  /**
   * Writes the profile fields of `customer` if the stored version is still `expectedVersion`
   * (throws ConcurrentUpdateError otherwise). Other attributes (derived keys, metrics) are untouched.
   * With `identity`: only while that address still names this customer (ConcurrentUpdateError
   * otherwise), in one transaction of the same shape as `create` — a public signup for a known
   * address then costs the time a new one does.
   */
  updateProfile(
    customer: Customer,
    expectedVersion: number,
    identity?: { kind: IdentityKind; value: string },
    /**
     * `unchanged`: the same values as stored (a repeated signup, written for equal timing): the item's
     * `change` is left as it is, so the write changes nothing and puts no record on the stream.
     */
    options?: { unchanged?: boolean },
  ): Promise<void>;
  /**
   * Writes derived parts of a profile in ONE update (no version bump): any of the metrics, the
   * scores (ltv + segments), and index keys — each key named in `keys` is set, or removed when its
   * value is undefined; keys not named are left alone (name only changed keys: a GSI is written
   * only when its key attributes change). With `version`, only if the profile is still at that
   * version ('stale' otherwise: a newer write's own stream record derives its values); 'stale' also
   * when the profile is gone.
   */
  saveDerived(
    customerId: string,
    update: DerivedUpdate,
    condition?: DerivedCondition,
  ): Promise<'updated' | 'stale'>;
  /** Replaces the profile's survey satisfaction (no version bump: derived, like the metrics). */
  saveSatisfaction(customerId: string, satisfaction: Satisfaction): Promise<void>;
  /**
   * Marks the customer's identities erased, keeping each hashed key as a suppression entry (an
   * erased address finds nobody and is never messaged again). An identity that belongs to another
   * customer is left alone; one that was never claimed is recorded as erased. Idempotent.
   */
  suppressIdentities(
    customerId: string,
    identities: readonly { kind: IdentityKind; value: string }[],
    erasedAt: string,
  ): Promise<void>;
  /**
   * Stores the erased profile (see `eraseProfile`) if the stored version is still `expectedVersion`
   * (throws ConcurrentUpdateError otherwise): personal attributes and the keys derived from them are
   * removed, aggregates are kept.
   */
  erase(erased: Customer, expectedVersion: number): Promise<void>;
}

/**
 * What the profile must still be for a derived write to apply. `version` moves with the facts only
 * (derived writes do not bump it), so a writer scoring a stream record's image, which may be older
 * than the item, also names the `metrics` it scored from (null: none), compared by their order count
 * and total spend: an order or a cancellation stored since makes its scores stale.
 */
export interface DerivedCondition {
  version: number;
  metrics?: ProfileMetrics | null;
}

export interface DerivedUpdate {
  metrics?: ProfileMetrics;
  scores?: Scores;
  keys?: Partial<DerivedKeys>;
  /** The scores move the person into or out of a segment: the write is a `segments` change (see ChangeKind). */
  segmentsChanged?: boolean;
  /**
   * With scores that leave the segments as the writer read them: those segments (null: it read
   * none). The write is a `derived` change only while the stored segments are still these; if another
   * writer moved them since the read, this write moves them back and is written as a `segments`
   * change, so the segment consumers (filtered on `change`) still see every move.
   */
  segmentsRead?: Scores['segments'] | null;
}

export class IdentityTakenError extends Error {
  override readonly name = 'IdentityTakenError';
  readonly code = 'identity_taken';
}

export class ConcurrentUpdateError extends Error {
  override readonly name = 'ConcurrentUpdateError';
  readonly code = 'concurrent_update';
}
