import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIFECYCLE_CONFIG,
  LifecycleConfigSchema,
  type LifecycleInput,
  lifecycleStage,
} from '../../../lib/domain/lifecycle';

const asOf = '2024-06-30T12:00:00Z';

/** A customer whose last order was `daysAgo` days before asOf. */
function customer(
  daysAgo: number,
  rest: Partial<LifecycleInput> & { firstDaysAgo?: number } = {},
): LifecycleInput {
  const { firstDaysAgo = daysAgo + 200, ...fields } = rest;
  const at = (days: number) => new Date(Date.parse(asOf) - days * 86_400_000).toISOString();
  return {
    orderCount: 5,
    repeatOrderCount: 4,
    firstOrderAt: at(firstDaysAgo),
    lastOrderAt: at(daysAgo),
    medianInterPurchaseDays: 30,
    pAlive: 0.9,
    ...fields,
  };
}

const oneTimeBuyer = (daysAgo: number) =>
  customer(daysAgo, {
    firstDaysAgo: daysAgo,
    orderCount: 1,
    repeatOrderCount: 0,
    medianInterPurchaseDays: null,
    pAlive: 1,
  });

describe('lifecycleStage', () => {
  it.each<[string, LifecycleInput, string, string]>([
    [
      'signed up, never ordered',
      {
        orderCount: 0,
        repeatOrderCount: 0,
        firstOrderAt: null,
        lastOrderAt: null,
        medianInterPurchaseDays: null,
        pAlive: null,
      },
      'prospect',
      'no_orders',
    ],
    ['first order 10 days ago', oneTimeBuyer(10), 'new', 'first_purchase_recent'],
    ['first order exactly 30 days ago', oneTimeBuyer(30), 'new', 'first_purchase_recent'],
    [
      'two baskets on the same day, 10 days ago',
      customer(10, { firstDaysAgo: 10, orderCount: 2, repeatOrderCount: 0, medianInterPurchaseDays: null }),
      'new',
      'first_purchase_recent',
    ],
    [
      'bought twice in the first month',
      customer(2, { firstDaysAgo: 20, orderCount: 2, repeatOrderCount: 1, medianInterPurchaseDays: 18 }),
      'active',
      'buying_as_usual',
    ],
    ['one order 45 days ago, still within 90 days', oneTimeBuyer(45), 'active', 'buying_as_usual'],
    [
      'one order 120 days ago, never came back',
      oneTimeBuyer(120),
      'at_risk',
      'no_repeat_within_at_risk_days',
    ],
    ['monthly buyer, last order 45 days ago', customer(45), 'active', 'buying_as_usual'],
    [
      'monthly buyer, last order 60 days ago (exactly 2× the cycle)',
      customer(60),
      'active',
      'buying_as_usual',
    ],
    ['monthly buyer, last order 75 days ago', customer(75), 'at_risk', 'overdue_for_usual_cycle'],
    [
      'daily buyer taking 10 days off',
      customer(10, { medianInterPurchaseDays: 1 }),
      'active',
      'buying_as_usual',
    ],
    [
      'daily buyer silent for 31 days',
      customer(31, { medianInterPurchaseDays: 1 }),
      'at_risk',
      'overdue_for_usual_cycle',
    ],
    [
      'quarterly buyer the model gives 40% odds',
      customer(100, { medianInterPurchaseDays: 91, pAlive: 0.4 }),
      'at_risk',
      'p_alive_below_at_risk',
    ],
    [
      'quarterly buyer the model gives 15% odds',
      customer(100, { medianInterPurchaseDays: 91, pAlive: 0.15 }),
      'lapsed',
      'p_alive_below_lapsed',
    ],
    [
      'no order for 400 days, whatever the model says',
      customer(400, { pAlive: 0.9 }),
      'lapsed',
      'no_order_within_lapsed_days',
    ],
    ['one order exactly 365 days ago', oneTimeBuyer(365), 'at_risk', 'no_repeat_within_at_risk_days'],
    ['one order 366 days ago', oneTimeBuyer(366), 'lapsed', 'no_order_within_lapsed_days'],
    [
      'model not fitted yet: recency alone decides',
      customer(75, { pAlive: null }),
      'at_risk',
      'overdue_for_usual_cycle',
    ],
  ])('%s → %s', (_, input, stage, reason) => {
    expect(lifecycleStage(input, asOf)).toEqual({ stage, reason });
  });

  it('counts UTC calendar days: an order at 23:59 yesterday is one day ago', () => {
    const input = {
      ...oneTimeBuyer(0),
      firstOrderAt: '2024-05-31T23:59:00Z',
      lastOrderAt: '2024-05-31T23:59:00Z',
    };
    expect(lifecycleStage(input, '2024-06-30T00:01:00Z').stage).toBe('new'); // 30 days
    expect(lifecycleStage(input, '2024-07-01T00:01:00Z').stage).toBe('active'); // 31 days
  });

  it('follows the configured thresholds', () => {
    const config = LifecycleConfigSchema.parse({ newWithinDays: 14, atRiskAfterDays: 40 });
    expect(lifecycleStage(oneTimeBuyer(20), asOf, config).stage).toBe('active');
    expect(lifecycleStage(oneTimeBuyer(45), asOf, config).stage).toBe('at_risk');
  });
});

describe('LifecycleConfigSchema', () => {
  it('defaults to the documented thresholds', () => {
    expect(DEFAULT_LIFECYCLE_CONFIG).toEqual({
      newWithinDays: 30,
      atRiskPAlive: 0.5,
      lapsedPAlive: 0.2,
      overdueFactor: 2,
      atRiskAfterDays: 90,
      atRiskMinDays: 30,
      lapsedAfterDays: 365,
    });
  });

  it('rejects thresholds that contradict each other, naming the field', () => {
    const pAlive = LifecycleConfigSchema.safeParse({ atRiskPAlive: 0.3, lapsedPAlive: 0.4 });
    expect(pAlive.error?.issues.map((i) => i.path)).toEqual([['lapsedPAlive']]);
    const days = LifecycleConfigSchema.safeParse({ atRiskAfterDays: 400 });
    expect(days.error?.issues.map((i) => i.path)).toEqual([['lapsedAfterDays']]);
    expect(LifecycleConfigSchema.safeParse({ atRiskPAlive: 1.5 }).error?.issues[0]?.path).toEqual([
      'atRiskPAlive',
    ]);
  });
});
