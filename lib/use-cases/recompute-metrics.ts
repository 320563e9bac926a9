import { computeProfileMetrics } from '../domain/profile-metrics';
import type { CustomerRepository } from '../ports/customer-repository';
import type { OrderRepository } from '../ports/order-repository';

/**
 * Recomputes a customer's metrics from their whole order history (a query, never an increment), so
 * replayed, duplicated or out-of-order stream records cannot double count. Writes only on change.
 */
export async function recomputeMetrics(
  deps: { customers: CustomerRepository; orders: OrderRepository },
  customerId: string,
): Promise<'updated' | 'unchanged' | 'no_customer'> {
  const [customer, history] = await Promise.all([
    deps.customers.get(customerId),
    deps.orders.history(customerId),
  ]);
  if (!customer) return 'no_customer';
  const metrics = computeProfileMetrics(
    history
      .filter((order) => order.status === 'placed')
      .map((order) => ({
        orderId: order.orderId,
        orderedAt: order.orderedAt,
        amount: order.reportingAmount,
        lineItems: order.lineItems,
      })),
  );
  if (JSON.stringify(metrics) === JSON.stringify(customer.metrics)) return 'unchanged';
  await deps.customers.saveMetrics(customerId, metrics);
  return 'updated';
}
