import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AWS, capacityPlan, type MeasuredUnits, MeasuredUnitsSchema } from '../../../lib/capacity/model';
import { capacityMarkdown } from '../../../lib/capacity/render';

// A shop's figures, as the benches would have measured them: an order costs 4 write units (1 of them
// on the day-keyed byLastOrder index) and 3 read units; a message 1 write and 2.5 reads.
const measured: MeasuredUnits = {
  order: {
    read: 3,
    write: 4,
    byTarget: {
      Orders: { read: 1, write: 1 },
      OrderIds: { read: 1, write: 1 },
      Customers: { read: 1, write: 1 },
      'Customers/byLastOrder': { read: 0, write: 1 },
    },
    latencyMs: 50,
    command: 'npm run bench -- orders',
    measuredAt: '2026-12-07',
  },
  signup: { read: 2, write: 6, byTarget: {}, command: 'npm run bench -- signup', measuredAt: '2026-12-07' },
  message: {
    read: 2.5,
    write: 1,
    byTarget: {},
    command: 'npm run bench -- campaigns',
    measuredAt: '2026-12-07',
  },
  plannedPerson: {
    read: 0.5,
    write: 1,
    byTarget: {},
    command: 'npm run bench -- campaigns',
    measuredAt: '2026-12-07',
  },
};

describe('the capacity model', () => {
  it('sizes the peak from the measured units per order', () => {
    const plan = capacityPlan(measured, { customers: 1e6, ordersPerSecond: 2_000, messagesPerDay: 0 });
    expect(plan.peak.writeUnitsPerSecond).toBe(8_000);
    expect(plan.peak.readUnitsPerSecond).toBe(6_000);
    // 2,000 write units/s on Orders need 2 partitions (1,000 each); the API takes 2,000 requests/s
    // and, at 50 ms each, 100 concurrent Lambdas.
    expect(plan.peak.byTarget.find((t) => t.target === 'Orders')?.partitions).toBe(2);
    expect(plan.peak.lambdaConcurrency).toBe(100);
    expect(plan.missing).toEqual([]);
  });

  it('finds the day-keyed index first: one partition key takes every order of the day', () => {
    const plan = capacityPlan(measured, { customers: 1e8, ordersPerSecond: 544_000, messagesPerDay: 1e7 });
    const first = plan.limits[0];
    expect(first?.what).toContain('byLastOrder');
    expect(first?.reachedAt).toBe(AWS.partitionWriteUnitsPerSecond / 1); // 1,000 orders/s
    expect(first?.headroom).toBeLessThan(1);
    // Limits come in the order the workload reaches them.
    const headrooms = plan.limits.map((l) => l.headroom);
    expect(headrooms).toEqual([...headrooms].sort((a, b) => a - b));
  });

  it('prices a month at on-demand rates from the daily volumes', () => {
    const plan = capacityPlan(measured, {
      customers: 1e5,
      ordersPerSecond: 10,
      messagesPerDay: 1_000,
      ordersPerDay: 1_000,
      signupsPerDay: 100,
    });
    // writes a day: 1,000 orders × 4 + 100 signups × 6 + 1,000 messages × (1 + 1) = 6,600
    expect(plan.monthly.writeUnits).toBe(6_600 * 30);
    // reads a day: 1,000 × 3 + 100 × 2 + 1,000 × (2.5 + 0.5) = 6,200
    expect(plan.monthly.readUnits).toBe(6_200 * 30);
    expect(plan.monthly.usd.dynamoWrites).toBeCloseTo(6_600 * 30 * AWS.writeRequestUnitUsd, 12);
    expect(plan.monthly.usd.ses).toBeCloseTo(1_000 * 30 * AWS.sesMessageUsd, 12);
  });

  it('says which events were not measured instead of guessing them', () => {
    const plan = capacityPlan(
      { order: measured.order },
      { customers: 1, ordersPerSecond: 1, messagesPerDay: 1 },
    );
    expect(plan.missing).toEqual(['signup', 'message', 'plannedPerson']);
  });

  it('docs/capacity.md is what `npm run capacity -- --markdown` prints from the measured units', () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    const units = MeasuredUnitsSchema.parse(
      JSON.parse(readFileSync(join(root, 'bench/results/units.json'), 'utf8')),
    );
    expect(readFileSync(join(root, 'docs/capacity.md'), 'utf8')).toBe(capacityMarkdown(units));
  });
});
