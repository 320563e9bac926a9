import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attributedRow, attributionChange } from '../../../lib/domain/measurement/attribution';
import { OrderImageSchema } from '../../../lib/use-cases/attribute-order';

const row = (campaignId: string, plannedAt: string, occasion = '2026') => ({
  customerId: 'cus_ana',
  deliveryKey: `${campaignId}#${occasion}`,
  campaignId,
  plannedAt,
});
const days = (windows: Record<string, number>) => (campaignId: string) => windows[campaignId];

describe('attribution: the most recent ledger row whose window holds the order', () => {
  const birthday = row('birthday', '2026-05-17T08:00:00.000Z');
  const winBack = row('win-back', '2026-05-20T09:00:00.000Z', '2026-05-20');
  const windows = days({ birthday: 7, 'win-back': 3 });

  it.each([
    ['an order 2 days after the birthday email', '2026-05-19T12:00:00.000Z', [birthday], 'birthday#2026'],
    [
      'an order at the very instant the birthday was planned',
      '2026-05-17T08:00:00.000Z',
      [birthday],
      'birthday#2026',
    ],
    ['an order on day 8 of a 7-day window', '2026-05-24T09:00:00.000Z', [birthday], undefined],
    [
      'an order exactly 7 days later (the window is half-open)',
      '2026-05-24T08:00:00.000Z',
      [birthday],
      undefined,
    ],
    ['an order just before the window closes', '2026-05-24T07:59:59.999Z', [birthday], 'birthday#2026'],
    ['an order before any message', '2026-05-16T12:00:00.000Z', [birthday], undefined],
    [
      'an order after a later win-back: the most recent wins',
      '2026-05-21T12:00:00.000Z',
      [birthday, winBack],
      'win-back#2026-05-20',
    ],
    [
      'the win-back window closed, the birthday one still open',
      '2026-05-23T10:00:00.000Z',
      [winBack, birthday],
      'birthday#2026',
    ],
  ])('%s', (_name, orderedAt, rows, expected) => {
    expect(attributedRow(rows, orderedAt, windows)?.deliveryKey).toBe(expected);
  });

  it('a campaign no longer configured keeps the 7-day default; a confirmation email attracts nothing', () => {
    const old = row('spring-sale', '2026-03-01T10:00:00.000Z');
    expect(attributedRow([old], '2026-03-07T10:00:00.000Z', days({}))?.campaignId).toBe('spring-sale');
    expect(attributedRow([old], '2026-03-08T10:00:00.000Z', days({}))).toBeUndefined();
    const confirmation = row('confirmation', '2026-05-18T08:00:00.000Z', '2026-05-18T08:00:00.000Z');
    expect(attributedRow([birthday, confirmation], '2026-05-19T12:00:00.000Z', windows)?.campaignId).toBe(
      'birthday',
    );
  });

  it('breaks a tie on plannedAt by the ledger key, whatever the order rows come in', () => {
    const a = row('birthday', '2026-05-17T08:00:00.000Z');
    const b = row('repurchase', '2026-05-17T08:00:00.000Z', '2026-05-17');
    const at = '2026-05-18T08:00:00.000Z';
    expect(attributedRow([a, b], at, days({}))?.campaignId).toBe('repurchase');
    expect(attributedRow([b, a], at, days({}))?.campaignId).toBe('repurchase');
  });
});

describe('the counter changes of an attribution', () => {
  it('a held-out customer buying 25.00 on day 3: one conversion, revenue, its square', () => {
    expect(attributionChange({ orders: 0, revenue: 0 }, 25, 1, false)).toEqual({
      change: { add: { orders: 1, revenue: 25, revenueSquares: 625, conversions: 1 } },
      after: { orders: 1, revenue: 25 },
    });
  });

  it('a second order on the same delivery adds 2Rx + x² and no conversion; VIP counters follow', () => {
    expect(attributionChange({ orders: 1, revenue: 40 }, 10.5, 1, true)).toEqual({
      change: {
        add: { orders: 1, revenue: 10.5, revenueSquares: 2 * 40 * 10.5 + 10.5 ** 2, revenueVip: 10.5 },
      },
      after: { orders: 2, revenue: 50.5 },
    });
  });

  it('taking the last order back removes the conversion and exactly the square', () => {
    expect(attributionChange({ orders: 1, revenue: 0.3 }, 0.3, -1, true)).toEqual({
      change: {
        add: {
          orders: -1,
          revenue: -0.3,
          revenueSquares: -0.09,
          conversions: -1,
          revenueVip: -0.3,
          conversionsVip: -1,
        },
      },
      after: { orders: 0, revenue: 0 },
    });
    expect(() => attributionChange({ orders: 0, revenue: 0 }, 1, -1, false)).toThrow(RangeError);
  });

  it('revenue squares always sum to (revenue per delivery)², to the cent', () => {
    const cents = fc.integer({ min: 0, max: 1_000_000 }).map((c) => c / 100);
    fc.assert(
      fc.property(fc.array(cents, { minLength: 1, maxLength: 20 }), (amounts) => {
        let state = { orders: 0, revenue: 0 };
        let squares = 0;
        for (const amount of amounts) {
          const { change, after } = attributionChange(state, amount, 1, false);
          squares = Math.round((squares + (change.add.revenueSquares ?? 0)) * 10_000) / 10_000;
          state = after;
        }
        expect(squares).toBeCloseTo(state.revenue ** 2, 4);
      }),
    );
  });
});

describe('the order image read from the Orders stream', () => {
  const stored = {
    customerId: 'cus_ana',
    orderId: 'web-1',
    orderedAt: '2026-05-19T12:00:00.000Z',
    totalAmount: 48,
    currency: 'EUR',
    reportingAmount: 40.8,
    status: 'placed',
    lineItems: [],
  };
  it('reads the reporting-currency amount of a stored order', () => {
    expect(OrderImageSchema.parse(stored).reportingAmount).toBe(40.8);
  });
  it('rejects anything that is not a stored order, never crashing on it', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const parsed = OrderImageSchema.safeParse(value);
        if (parsed.success) expect(parsed.data.reportingAmount).toBeGreaterThanOrEqual(0);
      }),
    );
    expect(OrderImageSchema.safeParse({ ...stored, reportingAmount: -1 }).success).toBe(false);
    expect(OrderImageSchema.safeParse({ ...stored, orderedAt: 'yesterday' }).success).toBe(false);
  });
});
