import type { Delivery } from '../domain/campaigns/delivery';
import { type ProfileView, toProfileView } from '../domain/profile-view';
import type { CustomerRepository } from '../ports/customer-repository';
import type { DeliveryLedger } from '../ports/delivery-ledger';
import type { OrderRepository, StoredOrder } from '../ports/order-repository';
import type { StoredSurvey, SurveyRepository } from '../ports/survey-repository';

/** Everything held about one person (the right of access / data portability), as one document. */
export interface CustomerExport {
  customer: ProfileView;
  orders: Omit<StoredOrder, 'customerId'>[];
  surveys: Omit<StoredSurvey, 'customerId'>[];
  /** Messages sent, held out or skipped, from the Deliveries ledger (ids and statuses, no content). */
  deliveries: Omit<Delivery, 'customerId'>[];
}

export async function exportCustomer(
  deps: {
    customers: CustomerRepository;
    orders: OrderRepository;
    surveys: SurveyRepository;
    deliveries: Pick<DeliveryLedger, 'history'>;
  },
  customerId: string,
): Promise<CustomerExport | undefined> {
  const [customer, orders, surveys, deliveries] = await Promise.all([
    deps.customers.get(customerId),
    deps.orders.history(customerId),
    deps.surveys.history(customerId),
    deps.deliveries.history(customerId),
  ]);
  if (!customer) return undefined;
  return {
    customer: toProfileView(customer),
    orders: orders.map(({ customerId: _c, ...order }) => order),
    surveys: surveys.map(({ customerId: _c, ...survey }) => survey),
    deliveries: deliveries.map(({ customerId: _c, ...delivery }) => delivery),
  };
}
