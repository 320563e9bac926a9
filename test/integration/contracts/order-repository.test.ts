import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoOrderRepository } from '../../../lib/adapters/dynamodb/dynamo-order-repository';
import { type Order, orderFingerprint, orderSchema } from '../../../lib/domain/order';
import type { OrderRepository, StoredOrder } from '../../../lib/ports/order-repository';
import { InMemoryOrderRepository } from '../../fakes/in-memory-order-repository';
import { appTables } from '../../support/tables';

// The OrderRepository contract, run against DynamoDB Local (Orders and OrderIds from the synthesized
// template) and against the in-memory fake, so the fake cannot drift: an order id is claimed once
// across all customers (a replay is a duplicate, a reuse for another order a conflict), a cancellation
// may arrive before its order, and a customer's history comes back oldest first.

let dynamo: DynamoOrderRepository;

beforeAll(async () => {
  const { db, nameOf } = await appTables();
  dynamo = new DynamoOrderRepository(db, { orders: nameOf('Orders'), orderIds: nameOf('OrderIds') });
});

let run = 0;
const id = (name: string) => `${name}_${run}`;

const parse = orderSchema({ now: '2026-11-24T10:00:00.000Z', reportingCurrency: 'GBP', exchangeRates: {} });
const order = (orderId: string, overrides: Record<string, unknown> = {}): Order =>
  parse.parse({
    orderId: id(orderId),
    customer: { customerId: id('cus_ana') },
    orderedAt: '2026-11-20T10:00:00Z',
    totalAmount: 42.5,
    currency: 'GBP',
    lineItems: [{ sku: 'CAT-FOOD-2KG', category: 'cat food', quantity: 1, unitPrice: 42.5 }],
    ...overrides,
  });
const stored = (o: Order, overrides: Partial<StoredOrder> = {}): StoredOrder => ({
  customerId: id('cus_ana'),
  orderId: o.orderId,
  orderedAt: o.orderedAt,
  totalAmount: o.totalAmount,
  currency: o.currency,
  reportingAmount: o.reportingAmount,
  lineItems: o.lineItems,
  status: 'placed',
  ...overrides,
});

const implementations: [string, () => OrderRepository][] = [
  ['DynamoDB Local', () => dynamo],
  ['in memory', () => new InMemoryOrderRepository()],
];

describe.each(implementations)('OrderRepository contract (%s)', (_name, make) => {
  let orders: OrderRepository;
  beforeEach(() => {
    run++;
    orders = make();
  });

  it('claims an order id once: the same order again is a duplicate, another order under that id a conflict', async () => {
    const first = order('web-1');
    expect(await orders.claim(first, orderFingerprint(first), id('cus_ana'))).toEqual({ status: 'claimed' });
    const claim = { orderId: id('web-1'), customerId: id('cus_ana'), orderedAt: first.orderedAt };
    expect(await orders.claim(first, orderFingerprint(first), id('cus_ana'))).toEqual({
      status: 'duplicate',
      claim,
    });
    const other = order('web-1', {
      totalAmount: 99,
      lineItems: [{ sku: 'X', category: 'x', quantity: 1, unitPrice: 99 }],
    });
    expect(await orders.claim(other, orderFingerprint(other), id('cus_ben'))).toEqual({ status: 'conflict' });
    expect(await orders.findClaim(id('web-1'))).toEqual(claim);
    expect(await orders.findClaim(id('web-unknown'))).toBeUndefined();
  });

  it('keeps a cancellation that arrived before its order, and hands it to the order when it comes', async () => {
    expect(await orders.recordCancellation(id('web-2'), '2026-11-21T09:00:00.000Z')).toEqual({
      orderId: id('web-2'),
      cancelledAt: '2026-11-21T09:00:00.000Z',
    });
    // A second cancellation does not move the first one's time.
    expect(await orders.recordCancellation(id('web-2'), '2026-11-22T09:00:00.000Z')).toEqual({
      orderId: id('web-2'),
      cancelledAt: '2026-11-21T09:00:00.000Z',
    });
    const late = order('web-2');
    expect(await orders.claim(late, orderFingerprint(late), id('cus_ana'))).toEqual({
      status: 'claimed',
      cancelledAt: '2026-11-21T09:00:00.000Z',
    });
    expect(await orders.findClaim(id('web-2'))).toEqual({
      orderId: id('web-2'),
      customerId: id('cus_ana'),
      orderedAt: late.orderedAt,
      cancelledAt: '2026-11-21T09:00:00.000Z',
    });
    expect(await orders.claim(late, orderFingerprint(late), id('cus_ana'))).toMatchObject({
      status: 'duplicate',
    });
  });

  it("returns a customer's orders oldest first, each stored once, and nobody else's", async () => {
    const may = order('web-may', { orderedAt: '2026-05-01T10:00:00Z' });
    const june = order('web-june-1', { orderedAt: '2026-06-01T10:00:00Z' });
    const sameTime = order('web-june-2', { orderedAt: '2026-06-01T10:00:00Z' });
    await orders.store(stored(june));
    await orders.store(stored(sameTime));
    await orders.store(stored(may));
    await orders.store(stored(may, { totalAmount: 1 })); // a replay: the first one stands
    await orders.store(stored(order('web-ben'), { customerId: id('cus_ben') }));
    expect(await orders.history(id('cus_ana'))).toEqual([stored(may), stored(june), stored(sameTime)]);
    expect(await orders.history(id('cus_nobody'))).toEqual([]);
  });

  it('marks a stored order cancelled once, and never reverts it', async () => {
    const o = order('web-3');
    await orders.store(stored(o));
    await orders.markCancelled(id('cus_ana'), o.orderedAt, o.orderId, '2026-11-21T09:00:00.000Z');
    await orders.markCancelled(id('cus_ana'), o.orderedAt, o.orderId, '2026-11-23T09:00:00.000Z');
    await orders.store(stored(o)); // a replayed order event
    expect(await orders.history(id('cus_ana'))).toEqual([
      stored(o, { status: 'cancelled', cancelledAt: '2026-11-21T09:00:00.000Z' }),
    ]);
  });

  it('ignores a cancellation of an order that is not stored (the claim carries it)', async () => {
    const o = order('web-4');
    await orders.markCancelled(id('cus_ana'), o.orderedAt, o.orderId, '2026-11-21T09:00:00.000Z');
    expect(await orders.history(id('cus_ana'))).toEqual([]);
  });
});
