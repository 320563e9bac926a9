import * as z from '../zod';
import { replenishmentDate } from './ltv/replenishment';
import { fromMinorUnits, toMinorUnits } from './money';

// A customer's derived purchase metrics, recomputed from the whole order history on every order
// event (DESIGN: replays and out-of-order records cannot double count). The result is stored on
// the customer's DynamoDB item, so it stays lean: per-category detail is capped.

/** Categories kept per customer: the most recently purchased ones. Bounds the item size (400 KB). */
export const MAX_TRACKED_CATEGORIES = 20;

const MS_PER_DAY = 86_400_000;

export const MetricLineItemSchema = z.object({
  sku: z.string().check(z.minLength(1)),
  category: z.string().check(z.minLength(1)),
  quantity: z.number().check(z.positive()),
  unitPrice: z.number().check(z.nonnegative()),
});
export type MetricLineItem = z.infer<typeof MetricLineItemSchema>;

/** A non-cancelled order as the metrics need it; `amount` is already in the reporting currency. */
export const MetricOrderSchema = z.object({
  orderId: z.string().check(z.minLength(1)),
  orderedAt: z.iso.datetime({ offset: true }),
  amount: z.number().check(z.nonnegative()),
  lineItems: z.array(MetricLineItemSchema),
});
export type MetricOrder = z.infer<typeof MetricOrderSchema>;

export const CategoryMetricsSchema = z.object({
  lastPurchasedAt: z.iso.datetime(),
  /** Orders that contained the category. */
  purchaseCount: z.int().check(z.positive()),
  /** Median gap between distinct purchase days in the category; null with fewer than 2 days. */
  typicalCycleDays: z.nullable(z.number().check(z.nonnegative())),
  /** The highest-value line of the category in the most recent order that had it. */
  lastSku: z.string(),
  /**
   * When the category is bought on a regular cycle (at least 3 purchase days, gaps within half a
   * cycle of each other: see ltv/replenishment.ts), the day the next restock is due: the last
   * purchase day + the median gap. Null otherwise; absent on metrics stored before it existed.
   */
  replenishmentDue: z.optional(z.nullable(z.iso.date())),
});
export type CategoryMetrics = z.infer<typeof CategoryMetricsSchema>;

/**
 * The BG/NBD + Gamma-Gamma summary in days. Same-day orders are one transaction: the model
 * counts purchase occasions, and a second basket the same day is not a repeat visit.
 */
export const LtvInputsSchema = z.object({
  /** Repeat transactions: distinct purchase days − 1. */
  x: z.int().check(z.nonnegative()),
  /** Days from the first to the last purchase day (t_x). */
  txDays: z.int().check(z.nonnegative()),
  /** UTC day of the first purchase; T is measured from here by the model fit. */
  firstPurchaseDay: z.iso.date(),
  /** Mean value of the repeat transactions (the first is excluded, as Gamma-Gamma expects). */
  repeatMeanValue: z.nullable(z.number().check(z.nonnegative())),
});
export type LtvInputs = z.infer<typeof LtvInputsSchema>;

export const ProfileMetricsSchema = z.object({
  orderCount: z.int().check(z.nonnegative()),
  /** Repeat purchases counted on distinct UTC days: distinct purchase days − 1, min 0. */
  repeatOrderCount: z.int().check(z.nonnegative()),
  totalSpend: z.number().check(z.nonnegative()),
  averageOrderValue: z.nullable(z.number().check(z.nonnegative())),
  firstOrderAt: z.nullable(z.iso.datetime()),
  lastOrderAt: z.nullable(z.iso.datetime()),
  /**
   * The most recent order's id (the one the post-purchase survey asks about: survey-links.ts); absent
   * on metrics stored before it existed, until the person's next order.
   */
  lastOrderId: z.optional(z.nullable(z.string())),
  meanInterPurchaseDays: z.nullable(z.number().check(z.nonnegative())),
  medianInterPurchaseDays: z.nullable(z.number().check(z.nonnegative())),
  /** At most MAX_TRACKED_CATEGORIES, most recently purchased first. */
  categories: z.record(z.string(), CategoryMetricsSchema),
  /** Null until the first order. */
  ltvInputs: z.nullable(LtvInputsSchema),
});
export type ProfileMetrics = z.infer<typeof ProfileMetricsSchema>;

// Time zone designator required: a bare local time would be read in the host's zone.
const INSTANT = /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2}))?$/i;

/** Epoch milliseconds of an ISO-8601 instant (or a date, read as UTC midnight); null if it is not one. */
export function tryParseInstant(iso: string): number | null {
  const ms = INSTANT.test(iso) ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(ms) ? null : ms;
}

/** As tryParseInstant, for values already validated: anything else is a bug. */
export function parseInstant(iso: string): number {
  const ms = tryParseInstant(iso);
  if (ms === null) throw new RangeError(`not an ISO-8601 instant with a time zone: ${iso}`);
  return ms;
}

/** Days since 1970-01-01 of the instant's UTC calendar day. */
export function utcDayNumber(iso: string): number {
  return Math.floor(parseInstant(iso) / MS_PER_DAY);
}

/** 'YYYY-MM-DD' of a day number from utcDayNumber. */
export function utcDayString(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Whole UTC calendar days from one instant's day to another's (negative if `to` is earlier). */
export function calendarDaysBetween(from: string, to: string): number {
  return utcDayNumber(to) - utcDayNumber(from);
}

interface TimedOrder {
  order: MetricOrder;
  at: number;
  day: number;
  minor: number;
}

export function computeProfileMetrics(orders: readonly MetricOrder[], asOf?: string): ProfileMetrics {
  const cutoff = asOf === undefined ? Number.POSITIVE_INFINITY : parseInstant(asOf);
  // asOf excludes later orders, so a backtest or a model calibration can see history as it was.
  const timeline = canonicalTimeline(orders).filter((o) => o.at <= cutoff);
  const first = timeline[0];
  const last = timeline[timeline.length - 1];
  if (first === undefined || last === undefined) return emptyMetrics();

  let totalMinor = 0;
  const minorByDay = new Map<number, number>();
  for (const o of timeline) {
    totalMinor += o.minor;
    minorByDay.set(o.day, (minorByDay.get(o.day) ?? 0) + o.minor);
  }
  // The timeline is sorted, so the map's insertion order is already ascending by day.
  const days = [...minorByDay.keys()];
  const repeatDays = days.length - 1;
  const firstDay = first.day;
  const lastDay = last.day;
  const repeatMinor = totalMinor - (minorByDay.get(firstDay) ?? 0);

  return {
    orderCount: timeline.length,
    repeatOrderCount: repeatDays,
    totalSpend: fromMinorUnits(totalMinor),
    averageOrderValue: fromMinorUnits(Math.round(totalMinor / timeline.length)),
    firstOrderAt: new Date(first.at).toISOString(),
    lastOrderAt: new Date(last.at).toISOString(),
    lastOrderId: last.order.orderId,
    meanInterPurchaseDays: repeatDays === 0 ? null : round2((lastDay - firstDay) / repeatDays),
    medianInterPurchaseDays: medianGap(days),
    categories: categoryMetrics(timeline),
    ltvInputs: {
      x: repeatDays,
      txDays: lastDay - firstDay,
      firstPurchaseDay: utcDayString(firstDay),
      repeatMeanValue: repeatDays === 0 ? null : fromMinorUnits(Math.round(repeatMinor / repeatDays)),
    },
  };
}

function emptyMetrics(): ProfileMetrics {
  return {
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
  };
}

/**
 * Sorted by time, one entry per orderId. The Orders table is idempotent on orderId, so duplicates
 * should be identical; if they are not, the smallest under a total order wins, so the result never
 * depends on the order the records arrived in.
 */
function canonicalTimeline(orders: readonly MetricOrder[]): TimedOrder[] {
  const timed = orders.map((order) => {
    const at = parseInstant(order.orderedAt);
    return { order, at, day: Math.floor(at / MS_PER_DAY), minor: toMinorUnits(order.amount) };
  });
  timed.sort(compareTimed);
  const seen = new Set<string>();
  return timed.filter((o) => {
    if (seen.has(o.order.orderId)) return false;
    seen.add(o.order.orderId);
    return true;
  });
}

function compareTimed(a: TimedOrder, b: TimedOrder): number {
  return (
    a.at - b.at ||
    compareStrings(a.order.orderId, b.order.orderId) ||
    a.minor - b.minor ||
    compareStrings(lineItemsKey(a.order), lineItemsKey(b.order))
  );
}

function lineItemsKey(order: MetricOrder): string {
  return JSON.stringify(order.lineItems.map((l) => [l.sku, l.category, l.quantity, l.unitPrice]));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface CategoryAccumulator {
  days: number[];
  purchaseCount: number;
  lastAt: number;
  lastSku: string;
}

function categoryMetrics(timeline: readonly TimedOrder[]): Record<string, CategoryMetrics> {
  const byCategory = new Map<string, CategoryAccumulator>();
  for (const o of timeline) {
    for (const [category, sku] of topSkuPerCategory(o.order.lineItems)) {
      const acc = byCategory.get(category);
      if (acc === undefined) {
        byCategory.set(category, { days: [o.day], purchaseCount: 1, lastAt: o.at, lastSku: sku });
        continue;
      }
      if (acc.days[acc.days.length - 1] !== o.day) acc.days.push(o.day);
      acc.purchaseCount += 1;
      acc.lastAt = o.at;
      acc.lastSku = sku;
    }
  }
  const recentFirst = [...byCategory].sort(
    ([nameA, a], [nameB, b]) => b.lastAt - a.lastAt || compareStrings(nameA, nameB),
  );
  // Object.fromEntries defines own properties, so a category called "__proto__" is just a key.
  return Object.fromEntries(
    recentFirst.slice(0, MAX_TRACKED_CATEGORIES).map(([name, acc]) => [
      name,
      {
        lastPurchasedAt: new Date(acc.lastAt).toISOString(),
        purchaseCount: acc.purchaseCount,
        typicalCycleDays: medianGap(acc.days),
        lastSku: acc.lastSku,
        replenishmentDue: replenishmentDueDay(acc.days),
      },
    ]),
  );
}

function replenishmentDueDay(days: readonly number[]): string | null {
  const due = replenishmentDate(days);
  return due ? utcDayString(due.nextDay) : null;
}

/** For each category in the order, its highest-value line's SKU (ties: smallest SKU). */
function topSkuPerCategory(lineItems: readonly MetricLineItem[]): Map<string, string> {
  const best = new Map<string, { sku: string; value: number }>();
  for (const line of lineItems) {
    const value = line.quantity * line.unitPrice;
    const current = best.get(line.category);
    if (
      current === undefined ||
      value > current.value ||
      (value === current.value && line.sku < current.sku)
    ) {
      best.set(line.category, { sku: line.sku, value });
    }
  }
  return new Map([...best].map(([category, { sku }]) => [category, sku]));
}

/** Median gap between ascending distinct days; null with fewer than two days. */
function medianGap(days: readonly number[]): number | null {
  const gaps: number[] = [];
  for (let i = 1; i < days.length; i++) gaps.push(days[i]! - days[i - 1]!);
  if (gaps.length === 0) return null;
  gaps.sort((a, b) => a - b);
  const mid = Math.floor(gaps.length / 2);
  return gaps.length % 2 === 1 ? gaps[mid]! : round2((gaps[mid - 1]! + gaps[mid]!) / 2);
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
