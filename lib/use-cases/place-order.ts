import { newOrderCustomer } from '../domain/customer';
import { type Order, orderFingerprint } from '../domain/order';
import type { Clock } from '../ports/clock';
import { type CustomerRepository, IdentityTakenError } from '../ports/customer-repository';
import type { OrderRepository } from '../ports/order-repository';

export interface OrderDeps {
  customers: CustomerRepository;
  orders: OrderRepository;
  clock: Clock;
  newCustomerId: () => string;
  /** Zone and locale for a customer first known from an order. */
  defaults: { timeZone: string; locale: string };
}

export type PlaceOrderOutcome =
  | { status: 'accepted' | 'duplicate'; orderId: string; customerId: string }
  | { status: 'conflict'; orderId: string }
  | { status: 'unknown_customer'; orderId: string };

/**
 * Stores an order once, whatever the retries and replays: the order id is claimed with the order's
 * fingerprint before the order is written, so the same order twice stores one order, and an id reused
 * for a different order is a conflict (the first one stands). An unknown email becomes a customer
 * without marketing consent; an erased person's orders go to their anonymous record, bringing no
 * personal data back.
 */
export async function placeOrder(deps: OrderDeps, order: Order): Promise<PlaceOrderOutcome> {
  const fingerprint = orderFingerprint(order);
  const existing = await deps.orders.findClaim(order.orderId);
  const customerId = existing?.customerId ?? (await resolveCustomer(deps, order));
  if (customerId === undefined) return { status: 'unknown_customer', orderId: order.orderId };

  const claim = await deps.orders.claim(order, fingerprint, customerId);
  if (claim.status === 'conflict') return { status: 'conflict', orderId: order.orderId };
  const cancelledAt = claim.status === 'claimed' ? claim.cancelledAt : claim.claim.cancelledAt;
  const owner = claim.status === 'duplicate' ? (claim.claim.customerId ?? customerId) : customerId;
  // Written after the claim, and again on a retry of a crash in between; never reverts a cancellation.
  await deps.orders.store({
    customerId: owner,
    orderId: order.orderId,
    orderedAt: order.orderedAt,
    totalAmount: order.totalAmount,
    currency: order.currency,
    reportingAmount: order.reportingAmount,
    lineItems: order.lineItems,
    status: cancelledAt ? 'cancelled' : 'placed',
    ...(cancelledAt && { cancelledAt }),
  });
  return {
    status: claim.status === 'claimed' ? 'accepted' : 'duplicate',
    orderId: order.orderId,
    customerId: owner,
  };
}

async function resolveCustomer(deps: OrderDeps, order: Order): Promise<string | undefined> {
  if ('customerId' in order.customer) {
    return (await deps.customers.get(order.customer.customerId))?.customerId;
  }
  const identity = { kind: 'email' as const, value: order.customer.email };
  const known = await deps.customers.findCustomerIdByIdentity(identity.kind, identity.value);
  if (known) return known;
  const customer = newOrderCustomer(
    identity.value,
    deps.newCustomerId(),
    deps.clock.now().toISOString(),
    deps.defaults,
  );
  try {
    await deps.customers.create(customer, identity);
    return customer.customerId;
  } catch (err) {
    // Another order or signup created this customer a moment ago.
    if (err instanceof IdentityTakenError)
      return deps.customers.findCustomerIdByIdentity(identity.kind, identity.value);
    throw err;
  }
}

/** Takes an order out of the metrics; a cancellation that overtakes its order is kept until it arrives. */
export async function cancelOrder(
  deps: Pick<OrderDeps, 'orders'>,
  orderId: string,
  cancelledAt: string,
): Promise<'cancelled' | 'pending_order'> {
  const claim = await deps.orders.recordCancellation(orderId, cancelledAt);
  if (claim.customerId === undefined || claim.orderedAt === undefined) return 'pending_order';
  await deps.orders.markCancelled(
    claim.customerId,
    claim.orderedAt,
    orderId,
    claim.cancelledAt ?? cancelledAt,
  );
  return 'cancelled';
}
