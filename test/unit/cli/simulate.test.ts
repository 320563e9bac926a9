import { describe, expect, it } from 'vitest';
import {
  emptySimulation,
  type Fired,
  formatSimulation,
  tallyFired,
} from '../../../lib/cli/commands/campaigns';

// `precis simulate` sums what the simulated clock fired, hour by hour: the planner passes' counts,
// the model refits, the failures, told apart by what each function returned.

const FROM = new Date('2026-06-14T00:00:00.000Z');
const TO = new Date('2026-06-16T00:00:00.000Z');

const pass = (at: string, counts: Record<string, unknown> = {}): Fired => ({
  schedule: 'CampaignsPlannerSchedule',
  functionName: 'CampaignsPlanner',
  at,
  outcome: {
    status: 'succeeded',
    attempts: 1,
    result: {
      at,
      due: 0,
      queued: 0,
      heldOut: 0,
      skipped: {},
      requeued: 0,
      unknown: 0,
      deferred: 0,
      ...counts,
    },
  },
});
const refit = (at: string, version: number): Fired => ({
  schedule: 'ModelRefitSchedule',
  functionName: 'ModelRefit',
  at,
  outcome: {
    status: 'succeeded',
    attempts: 1,
    result: { version, asOfDay: at.slice(0, 10), ltv: 'refitted', profiles: 10, written: 2 },
  },
});

describe('tallyFired', () => {
  it('sums the passes, keeps the most unknown any pass found, lists refits and failures', () => {
    const total = emptySimulation(FROM, TO);
    tallyFired(total, [pass('2026-06-14T02:00:00.000Z', { due: 3, queued: 2, skipped: { no_consent: 1 } })]);
    tallyFired(total, [
      refit('2026-06-14T03:00:00.000Z', 7),
      pass('2026-06-14T03:00:00.000Z', {
        due: 4,
        queued: 1,
        heldOut: 1,
        deferred: 1,
        unknown: 2,
        skipped: { no_consent: 1, already_claimed: 1 },
      }),
    ]);
    tallyFired(total, [
      pass('2026-06-14T04:00:00.000Z', { due: 1, unknown: 1, skipped: { already_claimed: 1 } }),
      {
        schedule: 'ModelRefitSchedule',
        functionName: 'ModelRefit',
        at: '2026-06-15T03:00:00.000Z',
        outcome: { status: 'failed', attempts: 2, errorType: 'Runtime.Timeout' },
      },
    ]);
    expect(total).toEqual({
      ...emptySimulation(FROM, TO),
      passes: 3,
      due: 8,
      queued: 3,
      heldOut: 1,
      deferred: 1,
      unknown: 2,
      skipped: { no_consent: 2, already_claimed: 2 },
      refits: [{ at: '2026-06-14T03:00:00.000Z', version: 7, asOfDay: '2026-06-14' }],
      failed: [
        { schedule: 'ModelRefitSchedule', at: '2026-06-15T03:00:00.000Z', errorType: 'Runtime.Timeout' },
      ],
    });
  });

  it('counts nothing for a schedule whose result is neither a pass nor a refit', () => {
    const total = tallyFired(emptySimulation(FROM, TO), [
      {
        schedule: 'Other',
        functionName: 'Other',
        at: FROM.toISOString(),
        outcome: { status: 'succeeded', attempts: 1, result: null },
      },
    ]);
    expect(total).toEqual(emptySimulation(FROM, TO));
  });
});

describe('formatSimulation', () => {
  it('prints the span, the passes and refits, the counts and the failures', () => {
    const total = tallyFired(emptySimulation(FROM, TO), [
      refit('2026-06-14T03:00:00.000Z', 7),
      pass('2026-06-15T08:00:00.000Z', { due: 1, queued: 1 }),
      {
        schedule: 'ModelRefitSchedule',
        functionName: 'ModelRefit',
        at: '2026-06-15T03:00:00.000Z',
        outcome: { status: 'failed', attempts: 2, errorType: 'Runtime.Timeout' },
      },
    ]);
    const text = formatSimulation(total);
    expect(text.split('\n')[0]).toBe(
      'simulated 2026-06-14T00:00:00.000Z to 2026-06-16T00:00:00.000Z: 1 planner passes, 1 model refits',
    );
    expect(text).toContain('queued    1\n');
    expect(text).toContain('  2026-06-14T03:00:00.000Z  version 7 as of 2026-06-14\n');
    expect(text).toContain('  2026-06-15T03:00:00.000Z  ModelRefitSchedule  Runtime.Timeout\n');
    expect(text).not.toContain('deferred');
  });
});
