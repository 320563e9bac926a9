import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDay } from '../../../lib/domain/ltv/day-number';
import {
  compressSummaries,
  compressTriples,
  ordersToColumns,
  repeatSpends,
  summariseCustomer,
  summariseOrders,
} from '../../../lib/domain/ltv/summarise';

const day = (text: string) => parseDay(text)!;
const END = day('1997-09-30');

// Ann: two orders on her first day, a repeat in June (two rows, one transaction), one in August and
// one after the calibration end. Bob: one order only. Cy: first order after the calibration end.
const orders = [
  { customerId: 'ann', day: day('1997-01-01'), amount: 10 },
  { customerId: 'bob', day: day('1997-03-31'), amount: 99 },
  { customerId: 'ann', day: day('1997-01-01'), amount: 5 },
  { customerId: 'ann', day: day('1997-06-10'), amount: 20 },
  { customerId: 'ann', day: day('1997-06-10'), amount: 10 },
  { customerId: 'ann', day: day('1997-08-02'), amount: 40 },
  { customerId: 'ann', day: day('1997-12-12'), amount: 1000 },
  { customerId: 'cy', day: day('1997-10-05'), amount: 7 },
];

describe('summariseCustomer', () => {
  it('merges same-day rows into one transaction and ignores orders after the calibration end', () => {
    const ann = summariseCustomer(
      orders.filter((o) => o.customerId === 'ann'),
      END,
      'weeks',
    );
    // Repeats on Jun 10 (30) and Aug 2 (40): x = 2, m_x = 35; t_x = Jan 1 → Aug 2 = 213 days.
    expect(ann).toEqual({ x: 2, tx: 213 / 7, T: 272 / 7, mx: 35, firstDay: day('1997-01-01') });
    expect(summariseCustomer([{ day: day('1997-03-31'), amount: 99 }], END, 'days')).toEqual({
      x: 0,
      tx: 0,
      T: 183,
      mx: 0,
      firstDay: day('1997-03-31'),
    });
    expect(summariseCustomer([{ day: day('1997-10-05'), amount: 7 }], END)).toBeUndefined();
  });
});

describe('summariseOrders', () => {
  const { columns, customerIds } = ordersToColumns(orders);
  const s = summariseOrders(columns, { calibrationEndDay: END, holdoutEndDay: day('1998-06-30') });

  it('leaves out customers who start after the calibration end', () => {
    expect(s.count).toBe(2);
    expect([...s.customer].map((c) => customerIds[c])).toEqual(['ann', 'bob']);
  });

  it('computes x, t_x, T (days), m_x and holdout repeats per customer', () => {
    expect([...s.x]).toEqual([2, 0]);
    expect([...s.txDays]).toEqual([213, 0]);
    expect([...s.TDays]).toEqual([272, 183]);
    expect([...s.mx]).toEqual([35, 0]);
    expect([...s.holdoutX]).toEqual([1, 0]);
    expect(s.calibrationRepeats).toBe(2);
  });

  it('counts repeat transactions per calendar day for tracking plots', () => {
    const total = s.repeatsByDay.reduce((a, b) => a + b, 0);
    expect(total).toBe(3);
    expect(s.repeatsByDay[day('1997-06-10') - s.startDay]).toBe(1);
    expect(s.repeatsByDay[day('1997-12-12') - s.startDay]).toBe(1);
  });

  it('gives the same result whatever the row order (property)', () => {
    const orderArb = fc.record({
      customerId: fc.constantFrom('a', 'b', 'c', 'd'),
      day: fc.integer({ min: END - 300, max: END + 100 }),
      amount: fc.integer({ min: 1, max: 500 }),
    });
    fc.assert(
      fc.property(fc.array(orderArb, { minLength: 1, maxLength: 40 }), fc.integer(), (rows, seed) => {
        const shuffled = [...rows].sort(
          (p, q) => ((p.day * 31 + p.amount + seed) % 7) - ((q.day * 31 + q.amount + seed) % 7),
        );
        const bulk = (input: typeof rows) => {
          const { columns: c, customerIds: ids } = ordersToColumns(input);
          const r = summariseOrders(c, { calibrationEndDay: END });
          return Object.fromEntries(
            [...r.customer].map((cust, i): [string, number[]] => [
              ids[cust]!,
              [r.x[i]!, r.txDays[i]!, r.TDays[i]!, r.mx[i]!],
            ]),
          );
        };
        const a = bulk(rows);
        expect(bulk(shuffled)).toEqual(a);
        // …and agrees with the one-customer function.
        for (const [id, [x, tx, T, mx]] of Object.entries(a)) {
          const one = summariseCustomer(
            rows.filter((r) => r.customerId === id),
            END,
            'days',
          )!;
          expect([one.x, one.tx, one.T]).toEqual([x, tx, T]);
          expect(one.mx).toBeCloseTo(mx!, 9);
        }
      }),
    );
  });
});

describe('compression', () => {
  it('counts customers per distinct (x, t_x, T)', () => {
    const triples = compressTriples([
      { x: 0, tx: 0, T: 38 },
      { x: 2, tx: 30, T: 38 },
      { x: 0, tx: 0, T: 38 },
    ]);
    expect(triples).toEqual([
      { x: 0, tx: 0, T: 38, weight: 2 },
      { x: 2, tx: 30, T: 38, weight: 1 },
    ]);
  });

  it('maps every customer to its triple, in the chosen unit', () => {
    const rows = [
      ['a', '1997-01-01'],
      ['a', '1997-01-08'],
      ['b', '1997-01-01'],
      ['b', '1997-01-08'],
      ['c', '1997-01-01'],
    ].map(([customerId, d]) => ({ customerId: customerId!, day: day(d!), amount: 10 }));
    const s = summariseOrders(ordersToColumns(rows).columns, { calibrationEndDay: day('1997-01-15') });
    const { triples, tripleOf } = compressSummaries(s, 'weeks');
    expect(triples).toEqual([
      { x: 1, tx: 1, T: 2, weight: 2 },
      { x: 0, tx: 0, T: 2, weight: 1 },
    ]);
    expect([...tripleOf]).toEqual([0, 0, 1]);
    expect(compressSummaries(s, 'days').triples[0]).toEqual({ x: 1, tx: 7, T: 14, weight: 2 });
  });

  it('compresses Gamma-Gamma input to distinct (x, m_x) of repeaters with a positive spend', () => {
    const spends = repeatSpends({
      count: 5,
      x: Int32Array.from([1, 1, 0, 2, 1]),
      mx: Float64Array.from([9.99, 9.99, 0, 12.5, -3]),
    });
    expect(spends).toEqual([
      { x: 1, mx: 9.99, weight: 2 },
      { x: 2, mx: 12.5, weight: 1 },
    ]);
  });
});
