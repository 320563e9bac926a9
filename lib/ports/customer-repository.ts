import type { Customer } from '../domain/customer';
import type { BirthdayIndexKeys } from '../domain/occasion-keys';

export type IdentityKind = 'email' | 'phone';

/** Storage of customer profiles and the identities (email, phone) that find them. */
export interface CustomerRepository {
  get(customerId: string): Promise<Customer | undefined>;
  findByIdentity(kind: IdentityKind, value: string): Promise<Customer | undefined>;
  /** Stores a new customer and claims its identity; throws IdentityTakenError if another has it. */
  create(customer: Customer, identity: { kind: IdentityKind; value: string }): Promise<void>;
  /**
   * Writes the profile fields of `customer` if the stored version is still `expectedVersion`
   * (throws ConcurrentUpdateError otherwise). Other attributes (derived keys, metrics) are untouched.
   */
  updateProfile(customer: Customer, expectedVersion: number): Promise<void>;
  /** Sets or removes derived keys if the profile is still at `version`; 'stale' if it moved on. */
  setDerivedKeys(
    customerId: string,
    keys: Partial<BirthdayIndexKeys>,
    version: number,
  ): Promise<'updated' | 'stale'>;
}

export class IdentityTakenError extends Error {
  readonly code = 'identity_taken';
}

export class ConcurrentUpdateError extends Error {
  readonly code = 'concurrent_update';
}
