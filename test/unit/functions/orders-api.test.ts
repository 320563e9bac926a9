import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { ordersHandler } from '../../../functions/orders-api/orders';
import { cancelOrder, type OrderDeps } from '../../../lib/use-cases/place-order';
import { recomputeMetrics } from '../../../lib/use-cases/recompute-metrics';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryOrderRepository } from '../../fakes/in-memory-order-repository';
import { httpEvent, lambdaContext } from './fixtures';

const NOW = new Date('2026-11-24T10:00:00Z');
const silent = new Logger({ logLevel: 'SILENT' });
const rules = () => ({ now: NOW.toISOString(), reportingCurrency: 'GBP', exchangeRates: { EUR: 0.85 } });

const order = {
  orderId: 'web-1001',
  customer: { email: 'Ana@Example.com' },
  orderedAt: '2026-11-20T14:30:00+01:00',
  totalAmount: 59.9,
  currency: 'GBP',
  lineItems: [
    { sku: 'CAT-FOOD-2KG', category: 'Cat food', quantity: 2, unitPrice: 24.95 },
    { sku: 'TOY-MOUSE', category: 'toys', quantity: 1, unitPrice: 10 },
  ],
};

let deps: OrderDeps & { customers: InMemoryCustomerRepository; orders: InMemoryOrderRepository };
let ids: number;
const post = (body: unknown) =>
  ordersHandler(deps, rules, silent)(httpEvent('POST /orders', JSON.stringify(body)), lambdaContext);

beforeEach(() => {
  ids = 0;
  deps = {
    customers: new InMemoryCustomerRepository(),
    orders: new InMemoryOrderRepository(),
    clock: { now: () => NOW },
    newCustomerId: () => `cus_${++ids}`,
    defaults: { timeZone: 'Europe/London', locale: 'en-GB' },
  };
});

describe('POST /orders', () => {
  it('stores the order in UTC, creating an unknown email as a customer without marketing consent', async () => {
    const response = await post(order);
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body!)).toEqual({
      status: 'accepted',
      orderId: 'web-1001',
      customerId: 'cus_1',
    });
    const customer = await deps.customers.findByIdentity('email', 'ana@example.com');
    expect(customer).toMatchObject({
      customerId: 'cus_1',
      source: 'order',
      consent: { email: { status: 'none' }, sms: { status: 'none' } },
    });
    expect(await deps.orders.history('cus_1')).toEqual([
      expect.objectContaining({
        orderId: 'web-1001',
        orderedAt: '2026-11-20T13:30:00.000Z',
        reportingAmount: 59.9,
        status: 'placed',
      }),
    ]);
  });

  it('converts another currency at the configured rate for the metrics, keeping the original', async () => {
    await post({ ...order, currency: 'eur', totalAmount: 100 });
    expect((await deps.orders.history('cus_1'))[0]).toMatchObject({
      totalAmount: 100,
      currency: 'EUR',
      reportingAmount: 85,
    });
  });

  it('stores the same order twice as one, and answers the retry as a duplicate', async () => {
    await post(order);
    const again = await post(order);
    expect(again.statusCode).toBe(202);
    expect(JSON.parse(again.body!).status).toBe('duplicate');
    expect(await deps.orders.history('cus_1')).toHaveLength(1);
    expect(deps.customers.customers.size).toBe(1);
  });

  it('refuses an order id reused for a different order with 409; the first one stands', async () => {
    await post(order);
    const reused = await post({ ...order, totalAmount: 1 });
    expect(reused.statusCode).toBe(409);
    expect(JSON.parse(reused.body!).error).toBe('order_conflict');
    expect((await deps.orders.history('cus_1')).map((o) => o.totalAmount)).toEqual([59.9]);
  });

  it('attaches an order to a known customer by id, and refuses an unknown id field by field', async () => {
    await post(order);
    expect(
      (await post({ ...order, orderId: 'web-1002', customer: { customerId: 'cus_1' } })).statusCode,
    ).toBe(202);
    expect(await deps.orders.history('cus_1')).toHaveLength(2);
    const unknown = await post({ ...order, orderId: 'web-1003', customer: { customerId: 'cus_nope' } });
    expect(unknown.statusCode).toBe(400);
    expect(JSON.parse(unknown.body!).fields).toEqual([
      { path: 'customer.customerId', message: 'no customer has this id' },
    ]);
  });

  const bad: [string, unknown, string][] = [
    ['a negative amount', { ...order, totalAmount: -5 }, 'totalAmount'],
    ['an amount as text', { ...order, totalAmount: '59.90' }, 'totalAmount'],
    ['three decimals', { ...order, totalAmount: 59.905 }, 'totalAmount'],
    ['a date far in the future', { ...order, orderedAt: '2099-01-01T00:00:00Z' }, 'orderedAt'],
    ['a date without a zone', { ...order, orderedAt: '2026-11-20T14:30:00' }, 'orderedAt'],
    ['an unknown currency code', { ...order, currency: 'XYZ' }, 'currency'],
    ['a currency with no configured rate', { ...order, currency: 'JPY' }, 'currency'],
    ['no line items', { ...order, lineItems: [] }, 'lineItems'],
    [
      'a fractional quantity',
      { ...order, lineItems: [{ ...order.lineItems[0], quantity: 1.5 }] },
      'lineItems.0.quantity',
    ],
    [
      'a negative unit price',
      { ...order, lineItems: [{ ...order.lineItems[0], unitPrice: -1 }] },
      'lineItems.0.unitPrice',
    ],
    [
      'both a customer id and an email',
      { ...order, customer: { customerId: 'cus_1', email: 'a@b.co' } },
      'customer',
    ],
    ['a customer email with a space', { ...order, customer: { email: 'a b@c.co' } }, 'customer.email'],
    ['an order id with spaces', { ...order, orderId: 'web 1001' }, 'orderId'],
    ['an unknown field', { ...order, discountCode: 'X' }, 'discountCode'],
    [
      '10,000 line items',
      {
        ...order,
        lineItems: Array.from({ length: 10_000 }, (_, i) => ({
          sku: `S${i}`,
          category: 'c',
          quantity: 1,
          unitPrice: 1,
        })),
      },
      'lineItems',
    ],
  ];

  it.each(bad)('refuses %s with a field-level 400 and stores nothing', async (_label, body, path) => {
    const response = await post(body);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!)).toMatchObject({
      error: 'validation_failed',
      fields: expect.arrayContaining([{ path, message: expect.stringMatching(/\w/) }]),
    });
    expect(deps.orders.orders.size).toBe(0);
    expect(deps.customers.customers.size).toBe(0);
  });

  it('answers 202, 400 or 409 to anything, never throwing (property-based)', async () => {
    const anyOrder = fc.record(
      {
        orderId: fc.oneof(fc.string(), fc.constant('web-1001')),
        customer: fc.oneof(fc.record({ email: fc.emailAddress() }), fc.anything()),
        orderedAt: fc.oneof(
          fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
          fc.string(),
        ),
        totalAmount: fc.oneof(fc.double(), fc.integer(), fc.string()),
        currency: fc.oneof(fc.constantFrom('GBP', 'EUR', 'USD'), fc.string()),
        lineItems: fc.anything(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(anyOrder, async (body) => {
        expect([202, 400, 409]).toContain((await post(body)).statusCode);
      }),
      { numRuns: 300 },
    );
  });
});

describe('cancellations and metrics', () => {
  it('takes a cancelled order out of the metrics, even when the cancellation arrives first', async () => {
    await post(order);
    await post({ ...order, orderId: 'web-1002', orderedAt: '2026-11-21T10:00:00Z', totalAmount: 40 });
    expect(await cancelOrder(deps, 'web-1003', '2026-11-22T09:00:00Z')).toBe('pending_order');
    await post({ ...order, orderId: 'web-1003', orderedAt: '2026-11-22T08:00:00Z', totalAmount: 1000 });
    expect(await cancelOrder(deps, 'web-1002', '2026-11-22T09:00:00Z')).toBe('cancelled');

    await recomputeMetrics(deps, 'cus_1');
    const metrics = (await deps.customers.get('cus_1'))?.metrics;
    expect(metrics).toMatchObject({ orderCount: 1, totalSpend: 59.9 });
  });

  it('gives a customer who buys 4 times a year for 3000 the metrics a marketer expects', async () => {
    const dates = ['2025-01-10', '2025-04-10', '2025-07-10', '2025-10-10'];
    for (const [i, day] of dates.entries()) {
      await post({
        ...order,
        orderId: `q-${i}`,
        orderedAt: `${day}T12:00:00Z`,
        totalAmount: 3000,
        lineItems: [{ sku: 'SOFA', category: 'furniture', quantity: 1, unitPrice: 3000 }],
      });
    }
    expect(await recomputeMetrics(deps, 'cus_1')).toBe('updated');
    expect((await deps.customers.get('cus_1'))?.metrics).toMatchObject({
      orderCount: 4,
      repeatOrderCount: 3,
      totalSpend: 12000,
      averageOrderValue: 3000,
      firstOrderAt: '2025-01-10T12:00:00.000Z',
      lastOrderAt: '2025-10-10T12:00:00.000Z',
      medianInterPurchaseDays: 91,
    });
    expect(await recomputeMetrics(deps, 'cus_1')).toBe('unchanged');
  });
});
