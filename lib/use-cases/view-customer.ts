import { type ProfileView, toProfileView } from '../domain/profile-view';
import type { CustomerRepository } from '../ports/customer-repository';

/** The customer behind an id (erased records included, as anonymous aggregates) or a live email. */
export async function viewCustomer(
  deps: { customers: CustomerRepository },
  key: { customerId: string } | { email: string },
): Promise<ProfileView | undefined> {
  const customer =
    'customerId' in key
      ? await deps.customers.get(key.customerId)
      : await deps.customers.findByIdentity('email', key.email);
  return customer && toProfileView(customer);
}
