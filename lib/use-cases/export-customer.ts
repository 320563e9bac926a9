import { type ProfileView, toProfileView } from '../domain/profile-view';
import type { CustomerRepository } from '../ports/customer-repository';
import type { OrderRepository, StoredOrder } from '../ports/order-repository';
import type { StoredSurvey, SurveyRepository } from '../ports/survey-repository';

/** Everything held about one person (the right of access / data portability), as one document. */
export interface CustomerExport {
  customer: ProfileView;
  orders: Omit<StoredOrder, 'customerId'>[];
  surveys: Omit<StoredSurvey, 'customerId'>[];
  /**
   * Messages sent or held out, from the Deliveries ledger. The ledger arrives with the campaigns;
   * until then nothing is sent, so this is always empty.
   */
  deliveries: never[];
}

export async function exportCustomer(
  deps: { customers: CustomerRepository; orders: OrderRepository; surveys: SurveyRepository },
  customerId: string,
): Promise<CustomerExport | undefined> {
  const [customer, orders, surveys] = await Promise.all([
    deps.customers.get(customerId),
    deps.orders.history(customerId),
    deps.surveys.history(customerId),
  ]);
  if (!customer) return undefined;
  return {
    customer: toProfileView(customer),
    orders: orders.map(({ customerId: _c, ...order }) => order),
    surveys: surveys.map(({ customerId: _c, ...survey }) => survey),
    deliveries: [],
  };
}
