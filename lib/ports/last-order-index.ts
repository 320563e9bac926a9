import type { LastOrderKeys } from '../domain/campaigns/last-order-keys';

/** The sparse `byLastOrder` keys on a profile (see domain/campaigns/last-order-keys.ts). */
export interface LastOrderIndex {
  /** Sets the keys, or removes them when undefined (no version bump: derived, not told). */
  save(customerId: string, keys: LastOrderKeys | undefined): Promise<void>;
}
