import { randomUUID } from 'node:crypto';
import { daysInMonth } from '../domain/calendar';
import { instantOf, type LocalParts, localParts } from '../domain/zoned-time';
import { type AsyncInvoker, type AsyncOutcome, DEFAULT_ASYNC_RETRY } from './async-invoke';
import type { LocalFunction } from './lambda-host';
import { LOCAL_ACCOUNT, LOCAL_REGION, type RetrySettings, type ScheduleModel } from './template';

// Fires the templates' schedules (AWS::Scheduler::Schedule, and AWS::Events::Rule with a
// ScheduleExpression) at their times: rate(...), cron(...) in the schedule's time zone, and
// at(...). The clock is pluggable: `start()` follows the clock in real time, while `advanceTo()`
// fires every occurrence up to a given time in order, for a fast-forwarding simulation.
//
// Payload: a Scheduler target's Input (with <aws.scheduler.*> context attributes filled in), a
// rule target's Input, or otherwise the "Scheduled Event" EventBridge delivers, whose `time` is
// the scheduled time, so handlers can take "now" from the event rather than the wall clock.

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class ScheduleExpressionError extends Error {
  override readonly name = 'ScheduleExpressionError';
  readonly code = 'ScheduleExpressionError';
}

// ---------------------------------------------------------------------------------------------
// Expressions.
// ---------------------------------------------------------------------------------------------

type NextFn = (after: number) => number | undefined;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Values a cron field allows: `*`, lists, ranges, steps and names (AWS's 6-field cron). */
const parseField = (
  field: string,
  min: number,
  max: number,
  names: string[] = [],
  what = 'field',
): Set<number> => {
  const values = new Set<number>();
  const value = (text: string): number => {
    const named = names.indexOf(text.toUpperCase());
    const n = named >= 0 ? named + min : Number(text);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new ScheduleExpressionError(`cron ${what}: bad value ${text}`);
    return n;
  };
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new ScheduleExpressionError(`cron ${what}: bad step in ${part}`);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') {
      from = min;
      to = max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = value(a);
      to = value(b);
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    for (let n = from; n <= to; n += step) values.add(n);
  }
  return values;
};

const cronNext = (body: string, zone: string): NextFn => {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw new ScheduleExpressionError(`cron(${body}): AWS cron has 6 fields`);
  const [minF, hourF, domF, monthF, dowF, yearF] = fields as [string, string, string, string, string, string];
  if (domF !== '?' && dowF !== '?') {
    throw new ScheduleExpressionError(`cron(${body}): one of day-of-month and day-of-week must be ?`);
  }
  const minutes = parseField(minF, 0, 59, [], 'minutes');
  const hours = parseField(hourF, 0, 23, [], 'hours');
  const months = parseField(monthF, 1, 12, MONTHS, 'month');
  const years = parseField(yearF, 1970, 2199, [], 'year');
  let dayMatches: (day: LocalParts) => boolean;
  if (domF === 'L') {
    dayMatches = (day) => day.day === daysInMonth(day.year, day.month);
  } else if (domF !== '?') {
    if (/W/.test(domF)) throw new ScheduleExpressionError(`cron(${body}): W is not supported locally`);
    const doms = parseField(domF, 1, 31, [], 'day-of-month');
    dayMatches = (day) => doms.has(day.day);
  } else {
    // AWS numbers days of the week 1 (SUN) to 7 (SAT); ISO 1 (Mon) to 7 (Sun).
    const awsDow = (day: LocalParts) => (day.weekday % 7) + 1;
    const nth = dowF.match(/^(\w+)#([1-5])$/);
    const last = dowF.match(/^(\w+)L$/);
    if (nth) {
      const dow = parseField(nth[1] as string, 1, 7, DAYS, 'day-of-week');
      const n = Number(nth[2]);
      dayMatches = (day) => dow.has(awsDow(day)) && Math.ceil(day.day / 7) === n;
    } else if (last) {
      const dow = parseField(last[1] as string, 1, 7, DAYS, 'day-of-week');
      dayMatches = (day) => dow.has(awsDow(day)) && day.day + 7 > daysInMonth(day.year, day.month);
    } else {
      const dows = parseField(dowF, 1, 7, DAYS, 'day-of-week');
      dayMatches = (day) => dows.has(awsDow(day));
    }
  }
  const sortedHours = [...hours].sort((a, b) => a - b);
  const sortedMinutes = [...minutes].sort((a, b) => a - b);
  // The start of the local day an instant is in; a repeated hour is read at the offset `near` has.
  const startOfDay = (instant: number): number => {
    const local = localParts(instant, zone) as LocalParts;
    return instantOf({ year: local.year, month: local.month, day: local.day }, zone, instant) as number;
  };
  return (after) => {
    if (localParts(after, zone) === undefined) return undefined; // an unknown zone never fires
    const start = Math.floor(after / 60_000) * 60_000 + 60_000;
    let dayStart = startOfDay(start);
    for (let i = 0; i < 366 * 10; i++) {
      const day = localParts(dayStart, zone) as LocalParts;
      if (years.has(day.year) && months.has(day.month) && dayMatches(day)) {
        for (const hour of sortedHours) {
          for (const minute of sortedMinutes) {
            const candidate = instantOf({ ...day, hour, minute }, zone, dayStart) as number;
            // Times skipped by a DST change shift forward; keep only real wall-clock matches.
            const local = localParts(candidate, zone) as LocalParts;
            if (local.hour !== hour || local.minute !== minute) continue;
            if (candidate >= start) return candidate;
          }
        }
      }
      dayStart = startOfDay(instantOf({ ...day, day: day.day + 1 }, zone, dayStart) as number);
    }
    return undefined;
  };
};

/** The next-occurrence function of a schedule expression; rate() counts from `anchor`. */
export const parseScheduleExpression = (expression: string, zone: string, anchor: number): NextFn => {
  const rate = expression.match(/^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$/);
  if (rate) {
    const amount = Number(rate[1]);
    const unit = rate[2]?.replace(/s$/, '') as 'minute' | 'hour' | 'day';
    if (amount < 1) throw new ScheduleExpressionError(`${expression}: the rate must be positive`);
    const period = amount * { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[unit];
    return (after) => anchor + (Math.floor((after - anchor) / period) + 1) * period;
  }
  const cron = expression.match(/^cron\((.*)\)$/);
  if (cron) return cronNext(cron[1] as string, zone);
  const at = expression.match(/^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/);
  if (at) {
    // A repeated local time (a fall-back change) is its first occurrence, whatever the date today.
    const time = instantOf(at[1] as string, zone);
    if (time === undefined) throw new ScheduleExpressionError(`${expression}: invalid date`);
    return (after) => (time > after ? time : undefined);
  }
  throw new ScheduleExpressionError(`Unsupported schedule expression ${expression}`);
};

// ---------------------------------------------------------------------------------------------
// Scheduler.
// ---------------------------------------------------------------------------------------------

export interface ScheduledTarget {
  model: ScheduleModel;
  fn: LocalFunction;
}

interface Entry {
  /** Time up to which this schedule has fired (advanceTo). */
  cursor: number;
  model: ScheduleModel;
  fn: LocalFunction;
  next: NextFn;
  settings: RetrySettings;
  arn: string;
}

/** One occurrence `advanceTo` fired, and how its invocation ended. */
export interface FiredOccurrence {
  schedule: string;
  functionName: string;
  /** The scheduled time (what the schedule's input carries as `<aws.scheduler.scheduled-time>`). */
  at: string;
  outcome: AsyncOutcome;
}

export interface AdvanceOptions {
  /**
   * Sets the simulated clock here first, without firing what lies between: an occurrence at
   * exactly `from` fires. Default: where the previous advance (or construction) left it.
   */
  from?: Date;
  /** Called just before each occurrence fires, with its scheduled time (e.g. to move a shared clock there). */
  beforeEach?: (at: Date) => void;
  /** Awaited after each occurrence, before the next one fires (e.g. to let the runtime settle). */
  afterEach?: (fired: FiredOccurrence) => Promise<void>;
}

export interface LocalSchedulerOptions {
  schedules: ScheduledTarget[];
  invoker: AsyncInvoker;
  asyncConfigs?: ReadonlyMap<string, RetrySettings>;
  clock?: Clock;
  log: (line: string) => void;
}

const isoSeconds = (time: number) => `${new Date(time).toISOString().slice(0, 19)}Z`;

export class LocalScheduler {
  private readonly entries: Entry[];
  private readonly clock: Clock;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private running = false;

  constructor(private readonly options: LocalSchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    const startedAt = this.clock.now();
    const names = new Set<string>();
    this.entries = options.schedules.map(({ model, fn }) => {
      if (names.has(model.name)) throw new ScheduleExpressionError(`Two schedules are named ${model.name}`);
      names.add(model.name);
      return {
        cursor: startedAt,
        model,
        fn,
        next: parseScheduleExpression(model.expression, model.timezone, startedAt),
        settings: options.asyncConfigs?.get(model.functionKey) ?? DEFAULT_ASYNC_RETRY,
        arn:
          model.kind === 'rule'
            ? `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${model.name}`
            : `arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT}:schedule/default/${model.name}`,
      };
    });
  }

  /** Every schedule with its next occurrence after the clock's now. */
  list(): { name: string; expression: string; timezone: string; functionName: string; next?: string }[] {
    const now = this.clock.now();
    return this.entries.map((entry) => {
      const next = entry.next(now);
      return {
        name: entry.model.name,
        expression: entry.model.expression,
        timezone: entry.model.timezone,
        functionName: entry.fn.name,
        ...(next !== undefined ? { next: new Date(next).toISOString() } : {}),
      };
    });
  }

  /** Follows the clock in real time until stop(). */
  start(): void {
    this.running = true;
    for (const entry of this.entries) this.arm(entry);
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Fires one schedule now (or as if at `at`) and waits for the invocation, retries included. */
  runScheduleNow(name: string, at?: Date): Promise<AsyncOutcome> {
    const entry = this.entries.find((candidate) => candidate.model.name === name);
    if (!entry) {
      throw new ScheduleExpressionError(
        `No schedule named ${name}; known: ${this.entries.map((e) => e.model.name).join(', ') || 'none'}`,
      );
    }
    return this.fire(entry, at?.getTime() ?? this.clock.now());
  }

  /**
   * Fires every occurrence of every schedule after the previous advance (or construction, or
   * `from`) up to and including `until`, in time order, each awaited (and `afterEach`) before the
   * next; returns what fired.
   */
  async advanceTo(until: Date, options: AdvanceOptions = {}): Promise<FiredOccurrence[]> {
    if (options.from) for (const entry of this.entries) entry.cursor = options.from.getTime() - 1;
    const fired: FiredOccurrence[] = [];
    for (;;) {
      let earliest: { entry: Entry; time: number } | undefined;
      for (const entry of this.entries) {
        const time = entry.next(entry.cursor);
        if (time !== undefined && time <= until.getTime() && (!earliest || time < earliest.time)) {
          earliest = { entry, time };
        }
      }
      if (!earliest) break;
      const { entry, time } = earliest;
      entry.cursor = time;
      options.beforeEach?.(new Date(time));
      const occurrence: FiredOccurrence = {
        schedule: entry.model.name,
        functionName: entry.fn.name,
        at: new Date(time).toISOString(),
        outcome: await this.fire(entry, time),
      };
      fired.push(occurrence);
      await options.afterEach?.(occurrence);
    }
    for (const entry of this.entries) entry.cursor = Math.max(entry.cursor, until.getTime());
    return fired;
  }

  private arm(entry: Entry): void {
    if (!this.running) return;
    const now = this.clock.now();
    const next = entry.next(now);
    if (next === undefined) return;
    // setTimeout cannot wait longer than ~24.8 days; re-arm hourly for far-off occurrences.
    const delay = Math.min(next - now, 3_600_000);
    const timer = setTimeout(() => {
      this.timers.delete(entry.model.name);
      if (this.clock.now() >= next) {
        void this.fire(entry, next);
      }
      this.arm(entry);
    }, delay);
    timer.unref();
    this.timers.set(entry.model.name, timer);
  }

  private event(entry: Entry, time: number): unknown {
    const id = randomUUID();
    if (entry.model.input !== undefined) {
      const input =
        entry.model.kind === 'scheduler'
          ? entry.model.input
              .replaceAll('<aws.scheduler.schedule-arn>', entry.arn)
              .replaceAll('<aws.scheduler.scheduled-time>', isoSeconds(time))
              .replaceAll('<aws.scheduler.execution-id>', id)
              .replaceAll('<aws.scheduler.attempt-number>', '1')
          : entry.model.input;
      return JSON.parse(input);
    }
    return {
      version: '0',
      id,
      'detail-type': 'Scheduled Event',
      source: entry.model.kind === 'scheduler' ? 'aws.scheduler' : 'aws.events',
      account: LOCAL_ACCOUNT,
      time: isoSeconds(time),
      region: LOCAL_REGION,
      resources: [entry.arn],
      detail: {},
    };
  }

  private fire(entry: Entry, time: number): Promise<AsyncOutcome> {
    const event = this.event(entry, time);
    const eventId = (event as { id?: unknown }).id;
    return this.options.invoker.invoke({
      fn: entry.fn,
      event,
      source: `schedule ${entry.model.name}`,
      eventId: typeof eventId === 'string' ? eventId : randomUUID(),
      detailType: 'Scheduled Event',
      settings: entry.settings,
    });
  }
}
