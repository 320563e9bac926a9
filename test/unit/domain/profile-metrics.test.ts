import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeProfileMetrics,
  MAX_TRACKED_CATEGORIES,
  type MetricOrder,
  ProfileMetricsSchema,
} from '../../../lib/domain/profile-metrics';

function order(
  orderId: string,
  orderedAt: string,
  amount: number,
  lineItems: MetricOrder['lineItems'] = [
    { sku: 'SKU-1', category: 'general', quantity: 1, unitPrice: amount },
  ],
): MetricOrder {
  return { orderId, orderedAt, amount, lineItems };
}

describe('computeProfileMetrics', () => {
  it('a customer who buys four times a year for 3000 each (the source example)', () => {
    const metrics = computeProfileMetrics([
      order('o3', '2024-07-15T10:00:00Z', 3000),
      order('o1', '2024-01-15T10:00:00Z', 3000),
      order('o4', '2024-10-15T10:00:00Z', 3000),
      order('o2', '2024-04-15T10:00:00Z', 3000),
    ]);
    // Gaps Jan 15 → Apr 15 → Jul 15 → Oct 15 (2024 is a leap year): 91, 91, 92 days.
    expect(metrics).toMatchObject({
      orderCount: 4,
      repeatOrderCount: 3,
      totalSpend: 12000,
      averageOrderValue: 3000,
      firstOrderAt: '2024-01-15T10:00:00.000Z',
      lastOrderAt: '2024-10-15T10:00:00.000Z',
      meanInterPurchaseDays: 91.33,
      medianInterPurchaseDays: 91,
      ltvInputs: { x: 3, txDays: 274, firstPurchaseDay: '2024-01-15', repeatMeanValue: 3000 },
    });
  });

  it('merges same-day orders into one purchase day for repeats, gaps and the LTV summary', () => {
    const metrics = computeProfileMetrics([
      order('morning', '2024-03-01T09:00:00Z', 20),
      order('evening', '2024-03-01T18:00:00Z', 5.5),
      order('next', '2024-03-11T10:00:00Z', 10),
    ]);
    expect(metrics).toMatchObject({
      orderCount: 3,
      repeatOrderCount: 1,
      totalSpend: 35.5,
      averageOrderValue: 11.83,
      meanInterPurchaseDays: 10,
      medianInterPurchaseDays: 10,
      ltvInputs: { x: 1, txDays: 10, firstPurchaseDay: '2024-03-01', repeatMeanValue: 10 },
    });
  });

  it('sums the orders of a repeat day into one transaction value', () => {
    const metrics = computeProfileMetrics([
      order('a', '2024-05-01T08:00:00Z', 50),
      order('b', '2024-05-08T08:00:00Z', 30),
      order('c', '2024-05-08T20:00:00Z', 10),
      order('d', '2024-05-20T08:00:00Z', 20),
    ]);
    // Repeat transactions: May 8 (30 + 10 = 40) and May 20 (20) → mean 30; the first (50) is excluded.
    expect(metrics.ltvInputs).toEqual({
      x: 2,
      txDays: 19,
      firstPurchaseDay: '2024-05-01',
      repeatMeanValue: 30,
    });
    expect(metrics.meanInterPurchaseDays).toBe(9.5);
    expect(metrics.medianInterPurchaseDays).toBe(9.5);
  });

  it('uses UTC calendar days: 23:30 in New York is the next day', () => {
    const metrics = computeProfileMetrics([
      order('a', '2024-03-01T12:00:00Z', 10),
      order('b', '2024-03-01T23:30:00-05:00', 10),
    ]);
    expect(metrics.lastOrderAt).toBe('2024-03-02T04:30:00.000Z');
    // The order the post-purchase survey asks about.
    expect(metrics.lastOrderId).toBe('b');
    expect(metrics.repeatOrderCount).toBe(1);
    expect(metrics.medianInterPurchaseDays).toBe(1);
  });

  it('sums money in cents, without float drift', () => {
    const metrics = computeProfileMetrics([
      order('a', '2024-01-01T00:00:00Z', 0.1),
      order('b', '2024-01-02T00:00:00Z', 0.2),
    ]);
    expect(metrics.totalSpend).toBe(0.3); // 0.1 + 0.2 in floats is 0.30000000000000004
    expect(metrics.averageOrderValue).toBe(0.15);
  });

  it('counts a replayed order once', () => {
    const once = [order('a', '2024-01-01T00:00:00Z', 40), order('b', '2024-02-01T00:00:00Z', 60)];
    const replayed = computeProfileMetrics([...once, ...once, once[0]!]);
    expect(replayed).toEqual(computeProfileMetrics(once));
    expect(replayed.orderCount).toBe(2);
    expect(replayed.totalSpend).toBe(100);
  });

  it('an empty history has counts of zero and nothing to average', () => {
    const metrics = computeProfileMetrics([]);
    expect(metrics).toEqual({
      orderCount: 0,
      repeatOrderCount: 0,
      totalSpend: 0,
      averageOrderValue: null,
      firstOrderAt: null,
      lastOrderAt: null,
      lastOrderId: null,
      meanInterPurchaseDays: null,
      medianInterPurchaseDays: null,
      categories: {},
      ltvInputs: null,
    });
    expect(ProfileMetricsSchema.parse(metrics)).toEqual(metrics);
  });

  it('a single order has no repeat, no inter-purchase time and no repeat value', () => {
    const metrics = computeProfileMetrics([order('a', '2024-06-01T10:00:00Z', 80)]);
    expect(metrics).toMatchObject({
      orderCount: 1,
      repeatOrderCount: 0,
      averageOrderValue: 80,
      meanInterPurchaseDays: null,
      medianInterPurchaseDays: null,
      ltvInputs: { x: 0, txDays: 0, firstPurchaseDay: '2024-06-01', repeatMeanValue: null },
    });
  });

  it('asOf ignores orders placed after it', () => {
    const orders = [order('a', '2024-01-01T10:00:00Z', 10), order('b', '2024-03-01T10:00:00Z', 20)];
    const metrics = computeProfileMetrics(orders, '2024-02-01T00:00:00Z');
    expect(metrics.orderCount).toBe(1);
    expect(metrics.totalSpend).toBe(10);
    expect(computeProfileMetrics(orders, '2024-03-01T10:00:00Z').orderCount).toBe(2);
  });

  it('rejects a timestamp without a time zone rather than reading it in the host zone', () => {
    expect(() => computeProfileMetrics([order('a', '2024-01-01T10:00:00', 10)])).toThrow(RangeError);
  });

  describe('categories', () => {
    const catFood = (sku: string, quantity = 1) => ({ sku, category: 'cat-food', quantity, unitPrice: 20 });

    it('tracks the repurchase cycle and the last SKU per category', () => {
      const metrics = computeProfileMetrics([
        order('a', '2024-01-01T10:00:00Z', 20, [catFood('CF-2KG')]),
        order('b', '2024-01-31T10:00:00Z', 40, [
          catFood('CF-2KG'),
          { sku: 'MOUSE', category: 'cat-toys', quantity: 1, unitPrice: 20 },
        ]),
        // Two cat-food lines: the bigger line (3 × 20) names what the customer buys.
        order('c', '2024-03-01T10:00:00Z', 80, [catFood('CF-TREATS'), catFood('CF-5KG', 3)]),
      ]);
      expect(metrics.categories).toEqual({
        'cat-food': {
          lastPurchasedAt: '2024-03-01T10:00:00.000Z',
          purchaseCount: 3,
          typicalCycleDays: 30, // gaps of 30 and 30 days
          lastSku: 'CF-5KG',
          replenishmentDue: '2024-03-31', // a regular 30-day cycle: due 30 days after the last
        },
        'cat-toys': {
          lastPurchasedAt: '2024-01-31T10:00:00.000Z',
          purchaseCount: 1,
          typicalCycleDays: null,
          lastSku: 'MOUSE',
          replenishmentDue: null,
        },
      });
    });

    it(`keeps only the ${MAX_TRACKED_CATEGORIES} most recently purchased categories`, () => {
      const orders = Array.from({ length: 25 }, (_, i) =>
        order(`o${i}`, `2024-01-${String(i + 1).padStart(2, '0')}T10:00:00Z`, 5, [
          { sku: `S${i}`, category: `cat-${i}`, quantity: 1, unitPrice: 5 },
        ]),
      );
      const names = Object.keys(computeProfileMetrics(orders).categories);
      expect(names).toHaveLength(MAX_TRACKED_CATEGORIES);
      expect(names[0]).toBe('cat-24');
      expect(names).not.toContain('cat-4');
      expect(names).toContain('cat-5');
    });
  });

  describe('is independent of arrival order', () => {
    const orderArb = fc.record({
      // A small id pool makes duplicate ids (identical or not) common.
      orderId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      orderedAt: fc
        .date({
          min: new Date('2023-01-01T00:00:00Z'),
          max: new Date('2024-12-31T00:00:00Z'),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString()),
      amount: fc.integer({ min: 0, max: 500_000 }).map((cents) => cents / 100),
      lineItems: fc.array(
        fc.record({
          sku: fc.constantFrom('S1', 'S2', 'S3'),
          category: fc.constantFrom('food', 'toys'),
          quantity: fc.integer({ min: 1, max: 5 }),
          unitPrice: fc.integer({ min: 0, max: 10_000 }).map((cents) => cents / 100),
        }),
        { maxLength: 3 },
      ),
    });

    it('shuffled input gives identical output, even when duplicate ids disagree', () => {
      fc.assert(
        fc.property(
          fc
            .array(orderArb, { maxLength: 12 })
            .chain((orders) =>
              fc.tuple(fc.constant(orders), fc.shuffledSubarray(orders, { minLength: orders.length })),
            ),
          ([orders, shuffled]) => {
            expect(computeProfileMetrics(shuffled)).toEqual(computeProfileMetrics(orders));
          },
        ),
      );
    });

    it('replaying any orders changes nothing', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(orderArb, { selector: (o) => o.orderId, maxLength: 6 }),
          fc.array(fc.nat()),
          (orders, picks) => {
            const replays = orders.length === 0 ? [] : picks.map((i) => orders[i % orders.length]!);
            const metrics = computeProfileMetrics([...replays, ...orders]);
            expect(metrics).toEqual(computeProfileMetrics(orders));
            expect(metrics.orderCount).toBe(orders.length);
            expect(ProfileMetricsSchema.safeParse(metrics).success).toBe(true);
          },
        ),
      );
    });
  });
});
