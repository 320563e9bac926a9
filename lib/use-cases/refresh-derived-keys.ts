import type { Customer } from '../domain/customer';
import { DERIVED_KEY_NAMES, type DerivedKeys, derivedKeys } from '../domain/occasion-keys';
import type { Clock } from '../ports/clock';
import type { CustomerRepository } from '../ports/customer-repository';

/**
 * Brings a changed profile's derived keys in line with its data. Idempotent: a replayed record, or
 * the record of this very update, finds the keys already right and writes nothing. Only the keys
 * that changed are written, so an index is written only when its own keys move.
 */
export async function refreshDerivedKeys(
  deps: { customers: CustomerRepository; clock: Clock },
  customer: Customer,
): Promise<'updated' | 'unchanged' | 'stale'> {
  const keys = changedKeys(customer, derivedKeys(customer, deps.clock.now()));
  if (Object.keys(keys).length === 0) return 'unchanged';
  return deps.customers.saveDerived(customer.customerId, { keys }, { version: customer.version });
}

/** The keys whose value differs from the stored one (undefined = to be removed). */
export function changedKeys(customer: Customer, keys: Partial<DerivedKeys>): Partial<DerivedKeys> {
  return Object.fromEntries(
    DERIVED_KEY_NAMES.filter((name) => customer[name] !== keys[name]).map((name) => [name, keys[name]]),
  );
}
