import type { Customer } from '../domain/customer';
import { derivedKeys, derivedKeysChanged } from '../domain/occasion-keys';
import type { Clock } from '../ports/clock';
import type { CustomerRepository } from '../ports/customer-repository';

/**
 * Brings a changed profile's derived keys in line with its data. Idempotent: a replayed record, or
 * the record of this very update, finds the keys already right and writes nothing.
 */
export async function refreshDerivedKeys(
  deps: { customers: CustomerRepository; clock: Clock },
  customer: Customer,
): Promise<'updated' | 'unchanged' | 'stale'> {
  const keys = derivedKeys(customer, deps.clock.now());
  if (!derivedKeysChanged(customer, keys)) return 'unchanged';
  return deps.customers.setDerivedKeys(customer.customerId, keys, customer.version);
}
