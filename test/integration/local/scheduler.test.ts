import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Clock, parseScheduleExpression, ScheduleExpressionError } from '../../../lib/local/scheduler';
import { invocationsOf, resetRecorder } from '../../fixtures/local/functions/recorder';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The next `count` occurrences after `from`. */
const occurrences = (
  expression: string,
  zone: string,
  from: string,
  count: number,
): (string | undefined)[] => {
  const next = parseScheduleExpression(expression, zone, at(from));
  const result: (string | undefined)[] = [];
  let cursor = at(from);
  for (let i = 0; i < count; i++) {
    const time = next(cursor);
    result.push(iso(time));
    if (time === undefined) break;
    cursor = time;
  }
  return result;
};

describe('schedule expressions', () => {
  it.each([
    ['rate(1 hour)', 'UTC', '2026-03-01T10:20:00Z', ['2026-03-01T11:20:00.000Z', '2026-03-01T12:20:00.000Z']],
    [
      'rate(15 minutes)',
      'UTC',
      '2026-03-01T10:00:00Z',
      ['2026-03-01T10:15:00.000Z', '2026-03-01T10:30:00.000Z'],
    ],
    [
      'cron(0 3 * * ? *)',
      'UTC',
      '2026-03-01T10:00:00Z',
      ['2026-03-02T03:00:00.000Z', '2026-03-03T03:00:00.000Z'],
    ],
    [
      'cron(0/30 9-10 ? * MON-FRI *)',
      'UTC',
      '2026-03-06T10:31:00Z',
      ['2026-03-09T09:00:00.000Z', '2026-03-09T09:30:00.000Z', '2026-03-09T10:00:00.000Z'],
    ],
    // 9:00 in London: GMT before the clocks change on 29 March 2026, BST after.
    [
      'cron(0 9 * * ? *)',
      'Europe/London',
      '2026-03-28T12:00:00Z',
      ['2026-03-29T08:00:00.000Z', '2026-03-30T08:00:00.000Z'],
    ],
    [
      'cron(0 0 L * ? *)',
      'UTC',
      '2026-02-01T00:00:00Z',
      ['2026-02-28T00:00:00.000Z', '2026-03-31T00:00:00.000Z'],
    ],
    [
      'cron(0 12 ? * 2#1 *)',
      'UTC',
      '2026-03-01T00:00:00Z',
      ['2026-03-02T12:00:00.000Z', '2026-04-06T12:00:00.000Z'],
    ],
    [
      'cron(0 12 ? * 6L *)',
      'UTC',
      '2026-03-01T00:00:00Z',
      ['2026-03-27T12:00:00.000Z', '2026-04-24T12:00:00.000Z'],
    ],
    ['cron(0 8 1 JAN ? 2027)', 'UTC', '2026-03-01T00:00:00Z', ['2027-01-01T08:00:00.000Z', undefined]],
    [
      'at(2026-05-01T09:30:00)',
      'Europe/Paris',
      '2026-03-01T00:00:00Z',
      ['2026-05-01T07:30:00.000Z', undefined],
    ],
  ])('%s in %s after %s', (expression, zone, from, expected) => {
    expect(occurrences(expression, zone, from, expected.length)).toEqual(expected);
  });

  it.each([
    'rate(0 hours)',
    'rate(1 fortnight)',
    'cron(0 3 * * *)',
    'cron(0 3 * * MON *)',
    'cron(61 3 * * ? *)',
    'cron(0 3 15W * ? *)',
    'every day',
  ])('rejects %s', (expression) => {
    expect(() => parseScheduleExpression(expression, 'UTC', 0)).toThrow(ScheduleExpressionError);
  });
});

describe('scheduler in the runtime', () => {
  let runtime: TestRuntime;
  let now = at('2026-03-01T10:00:00Z');
  const clock: Clock = { now: () => now };

  beforeAll(async () => {
    runtime = await startTestRuntime(undefined, { clock });
  });
  afterAll(async () => {
    await runtime?.stop();
  });
  beforeEach(() => resetRecorder());

  it('lists the schedules from the templates with their next run', () => {
    expect(runtime.scheduler.list()).toEqual([
      {
        name: 'NightlyModel',
        expression: 'cron(0 3 * * ? *)',
        timezone: 'UTC',
        functionName: 'ScheduleRecorder',
        next: '2026-03-02T03:00:00.000Z',
      },
      {
        name: 'hourly-planner',
        expression: 'rate(1 hour)',
        timezone: 'Etc/UTC',
        functionName: 'ScheduleRecorder',
        next: '2026-03-01T11:00:00.000Z',
      },
    ]);
  });

  it('runs a schedule on demand with its Input and the Scheduler context attributes', async () => {
    await runtime.scheduler.runScheduleNow('hourly-planner');
    expect(invocationsOf('ScheduleRecorder').map((i) => i.event)).toEqual([
      { kind: 'hourly', at: '2026-03-01T10:00:00Z' },
    ]);
  });

  it('sends the EventBridge "Scheduled Event" to a rule target without Input', async () => {
    await runtime.scheduler.runScheduleNow('NightlyModel', new Date('2026-03-02T03:00:00Z'));
    expect(invocationsOf('ScheduleRecorder')[0]?.event).toMatchObject({
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-03-02T03:00:00Z',
      resources: ['arn:aws:events:local:000000000000:rule/NightlyModel'],
      detail: {},
    });
  });

  it('fast-forwards: fires every occurrence up to a time, in order', async () => {
    now = at('2026-03-02T04:30:00Z');
    const fired = await runtime.scheduler.advanceTo(new Date(now));
    // 11:00 on the 1st to 04:00 on the 2nd is 18 hourly runs, plus the 03:00 nightly run.
    expect(fired).toHaveLength(19);
    expect(fired[16]).toMatchObject({
      schedule: 'NightlyModel',
      functionName: 'ScheduleRecorder',
      at: '2026-03-02T03:00:00.000Z',
      outcome: { status: 'succeeded', attempts: 1 },
    });
    const events = invocationsOf('ScheduleRecorder').map((i) => i.event as { at?: string; time?: string });
    const times = events.map((event) => event.at ?? event.time);
    expect(times[0]).toBe('2026-03-01T11:00:00Z');
    expect(times.at(-1)).toBe('2026-03-02T04:00:00Z');
    expect(times.indexOf('2026-03-02T03:00:00Z')).toBe(16);
    expect([...times].sort()).toEqual(times);
  });

  describe('POST /local/clock', () => {
    const advance = (body: unknown, key: string | undefined = TEST_ADMIN_KEY) =>
      fetch(`${runtime.url}/local/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    it('fires every occurrence from ≤ t < to in order, each with its scheduled time, and says what fired', async () => {
      const response = await advance({ from: '2026-04-10T01:00:00Z', to: '2026-04-10T04:00:00Z' });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { from: string; to: string; fired: unknown[] };
      // The hourly schedule is a rate() anchored at the runtime's start (10:00), so on the hour.
      expect(body).toEqual({
        from: '2026-04-10T01:00:00.000Z',
        to: '2026-04-10T04:00:00.000Z',
        fired: [
          ['hourly-planner', '2026-04-10T01:00:00.000Z'],
          ['hourly-planner', '2026-04-10T02:00:00.000Z'],
          // Occurrences at the same time fire in the templates' order.
          ['NightlyModel', '2026-04-10T03:00:00.000Z'],
          ['hourly-planner', '2026-04-10T03:00:00.000Z'],
        ].map(([schedule, at]) =>
          expect.objectContaining({
            schedule,
            functionName: 'ScheduleRecorder',
            at,
            outcome: { status: 'succeeded', attempts: 1 },
          }),
        ),
      });
      const events = invocationsOf('ScheduleRecorder').map((i) => i.event as { at?: string; time?: string });
      expect(events.map((event) => event.at ?? event.time).sort()).toEqual([
        '2026-04-10T01:00:00Z',
        '2026-04-10T02:00:00Z',
        '2026-04-10T03:00:00Z',
        '2026-04-10T03:00:00Z',
      ]);
    });

    it('fires the same span again when asked again (the clock is set to from on every call)', async () => {
      for (let i = 0; i < 2; i++) {
        const response = await advance({ from: '2026-04-10T05:00:00Z', to: '2026-04-10T06:00:00Z' });
        expect(((await response.json()) as { fired: unknown[] }).fired).toHaveLength(1);
      }
      expect(invocationsOf('ScheduleRecorder')).toHaveLength(2);
    });

    it.each([
      [
        'to before from',
        { from: '2026-04-10T05:00:00Z', to: '2026-04-10T04:00:00Z' },
        /to must be after from/,
      ],
      [
        'a span over a year',
        { from: '2026-01-01T00:00:00Z', to: '2027-01-03T00:00:00Z' },
        /at most 366 days/,
      ],
      ['no from', { to: '2026-04-10T04:00:00Z' }, /from/],
      ['not an instant', { from: 'today', to: '2026-04-10T04:00:00Z' }, /from/],
      ['not JSON', '{', /not JSON/],
    ])('answers 400 for %s, firing nothing', async (_, body, message) => {
      const response = await advance(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(message);
      expect(invocationsOf('ScheduleRecorder')).toEqual([]);
    });

    it('needs the admin key', async () => {
      const response = await advance({ from: '2026-04-10T05:00:00Z', to: '2026-04-10T06:00:00Z' }, 'wrong');
      expect(response.status).toBe(401);
      expect(invocationsOf('ScheduleRecorder')).toEqual([]);
    });
  });

  it('names the known schedules when asked for an unknown one', () => {
    expect(() => runtime.scheduler.runScheduleNow('nope')).toThrow(/known: NightlyModel, hourly-planner/);
  });
});
