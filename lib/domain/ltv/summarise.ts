// From orders to the LTV models' sufficient statistics.
//
// Exports:
//   summariseCustomer(orders, calibrationEndDay, unit)  one customer's { x, tx, T, mx, firstDay }
//   summariseOrders(columns, options)                    every customer at once, in typed arrays
//   ordersToColumns(orders)                              object rows → the columnar input
//   compressTriples(rows)                                distinct (x, t_x, T) with counts
//   compressSummaries(summaries, unit)                   the same, fast, plus each customer's triple
//   repeatSpends(summaries)                              Gamma-Gamma input: distinct (x, m_x) of repeaters
//
// Definitions (Fader, Hardie & Lee 2005): all orders of a customer on one calendar day are ONE
// transaction (amounts summed). The first transaction starts the customer's clock; x = number of
// later transactions up to the calibration end; t_x = last of those − first (0 when x = 0);
// T = calibration end − first; m_x = mean value of the x repeat transactions (0 when x = 0).
// Orders after the calibration end are ignored (or counted as holdout). Customers whose first
// order is after the calibration end are not in the calibration cohort and are left out.
// Days are integers (see day-number.ts); the model unit is weeks (days / 7) or days.

import type { WeightedTriple } from './bgnbd';
import type { WeightedSpend } from './gamma-gamma';

export type TimeUnit = 'weeks' | 'days';

export const DAYS_PER_UNIT: Readonly<Record<TimeUnit, number>> = { weeks: 7, days: 1 };

export interface CustomerSummary {
  x: number;
  tx: number;
  T: number;
  mx: number;
  firstDay: number;
}

/** One customer's summary; undefined if they have no order on or before the calibration end. */
export function summariseCustomer(
  orders: readonly { day: number; amount: number }[],
  calibrationEndDay: number,
  unit: TimeUnit = 'weeks',
): CustomerSummary | undefined {
  const byDay = new Map<number, number>();
  for (const o of orders) {
    if (o.day <= calibrationEndDay) byDay.set(o.day, (byDay.get(o.day) ?? 0) + o.amount);
  }
  if (byDay.size === 0) return undefined;
  const days = [...byDay.keys()].sort((p, q) => p - q);
  const firstDay = days[0]!;
  const lastDay = days[days.length - 1]!;
  const x = days.length - 1;
  let repeatValue = 0;
  for (const d of days.slice(1)) repeatValue += byDay.get(d)!;
  const scale = DAYS_PER_UNIT[unit];
  return {
    x,
    tx: (lastDay - firstDay) / scale,
    T: (calibrationEndDay - firstDay) / scale,
    mx: x > 0 ? repeatValue / x : 0,
    firstDay,
  };
}

/** Orders as columns: customer index (0 … customerCount−1), day number, amount. */
export interface OrderColumns {
  length: number;
  customerCount: number;
  customer: Int32Array;
  day: Int32Array;
  amount: Float64Array;
}

export interface SummariseOptions {
  calibrationEndDay: number;
  /** When set, also count each customer's repeat transactions in (calibration end, holdout end]. */
  holdoutEndDay?: number;
}

/** Per-customer statistics for the calibration cohort, in days. Row i describes `customer[i]`. */
export interface CustomerSummaries {
  count: number;
  customer: Int32Array;
  firstDay: Int32Array;
  x: Int32Array;
  txDays: Int32Array;
  TDays: Int32Array;
  mx: Float64Array;
  /** Repeat transactions after the calibration end, up to the holdout end (0 without a holdout). */
  holdoutX: Int32Array;
  /** Repeat transactions of the cohort per calendar day, from `startDay` to the last tracked day. */
  repeatsByDay: Int32Array;
  startDay: number;
  calibrationEndDay: number;
  /** Total repeat transactions in the calibration period. */
  calibrationRepeats: number;
}

/** Object rows → columns; customer ids are numbered in order of first appearance. */
export function ordersToColumns(orders: readonly { customerId: string; day: number; amount: number }[]): {
  columns: OrderColumns;
  customerIds: string[];
} {
  const index = new Map<string, number>();
  const customerIds: string[] = [];
  const n = orders.length;
  const columns: OrderColumns = {
    length: n,
    customerCount: 0,
    customer: new Int32Array(n),
    day: new Int32Array(n),
    amount: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const o = orders[i]!;
    let c = index.get(o.customerId);
    if (c === undefined) {
      c = customerIds.length;
      index.set(o.customerId, c);
      customerIds.push(o.customerId);
    }
    columns.customer[i] = c;
    columns.day[i] = o.day;
    columns.amount[i] = o.amount;
  }
  columns.customerCount = customerIds.length;
  return { columns, customerIds };
}

/**
 * Summarises every customer in one pass over the orders. Rows need not be sorted: when they are
 * already grouped by customer (as most exports are) the grouping step is skipped, otherwise a
 * counting sort groups them in O(n). Same-day rows are merged into one transaction.
 */
export function summariseOrders(columns: OrderColumns, options: SummariseOptions): CustomerSummaries {
  const { length: n, customerCount } = columns;
  const calEnd = options.calibrationEndDay;
  const trackEnd = Math.max(calEnd, options.holdoutEndDay ?? calEnd);
  const holdoutEnd = options.holdoutEndDay ?? calEnd;

  let grouped = true;
  let minDay = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    if (i > 0 && columns.customer[i]! < columns.customer[i - 1]!) grouped = false;
    if (columns.day[i]! < minDay) minDay = columns.day[i]!;
  }
  let day = columns.day;
  let amount = columns.amount;
  let customerOf = columns.customer;
  if (!grouped) {
    // Counting sort by customer index (stable).
    const offsets = new Int32Array(customerCount + 1);
    for (let i = 0; i < n; i++) offsets[columns.customer[i]! + 1]!++;
    for (let c = 0; c < customerCount; c++) offsets[c + 1]! += offsets[c]!;
    day = new Int32Array(n);
    amount = new Float64Array(n);
    customerOf = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = columns.customer[i]!;
      const k = offsets[c]!++;
      day[k] = columns.day[i]!;
      amount[k] = columns.amount[i]!;
      customerOf[k] = c;
    }
  }

  const startDay = n > 0 ? minDay : calEnd;
  const repeatsByDay = new Int32Array(Math.max(0, trackEnd - startDay + 1));
  const out = {
    customer: new Int32Array(customerCount),
    firstDay: new Int32Array(customerCount),
    x: new Int32Array(customerCount),
    txDays: new Int32Array(customerCount),
    TDays: new Int32Array(customerCount),
    mx: new Float64Array(customerCount),
    holdoutX: new Int32Array(customerCount),
  };
  let count = 0;
  let calibrationRepeats = 0;
  // Scratch for the rare customer whose rows are not in date order.
  let scratchDay = new Int32Array(64);
  let scratchAmount = new Float64Array(64);

  let s = 0;
  while (s < n) {
    const c = customerOf[s]!;
    let e = s + 1;
    let ordered = true;
    while (e < n && customerOf[e] === c) {
      if (day[e]! < day[e - 1]!) ordered = false;
      e++;
    }
    let segDay = day;
    let segAmount = amount;
    let from = s;
    let to = e;
    if (!ordered) {
      const len = e - s;
      if (len > scratchDay.length) {
        scratchDay = new Int32Array(len * 2);
        scratchAmount = new Float64Array(len * 2);
      }
      // Insertion sort: customers have few orders.
      for (let i = 0; i < len; i++) {
        const d = day[s + i]!;
        const a = amount[s + i]!;
        let j = i - 1;
        while (j >= 0 && scratchDay[j]! > d) {
          scratchDay[j + 1] = scratchDay[j]!;
          scratchAmount[j + 1] = scratchAmount[j]!;
          j--;
        }
        scratchDay[j + 1] = d;
        scratchAmount[j + 1] = a;
      }
      segDay = scratchDay;
      segAmount = scratchAmount;
      from = 0;
      to = len;
    }
    s = e;

    const first = segDay[from]!;
    if (first > calEnd) continue;
    let x = 0;
    let last = first;
    let repeatValue = 0;
    let holdoutX = 0;
    let prev = first;
    for (let i = from + 1; i < to; i++) {
      const d = segDay[i]!;
      if (d === first) continue; // part of the first transaction
      if (d > trackEnd) break;
      if (d !== prev) {
        prev = d;
        repeatsByDay[d - startDay]!++;
        if (d <= calEnd) {
          x++;
          last = d;
        } else if (d <= holdoutEnd) {
          holdoutX++;
        }
      }
      if (d <= calEnd) repeatValue += segAmount[i]!;
    }
    out.customer[count] = c;
    out.firstDay[count] = first;
    out.x[count] = x;
    out.txDays[count] = last - first;
    out.TDays[count] = calEnd - first;
    out.mx[count] = x > 0 ? repeatValue / x : 0;
    out.holdoutX[count] = holdoutX;
    calibrationRepeats += x;
    count++;
  }

  return {
    count,
    customer: out.customer.subarray(0, count),
    firstDay: out.firstDay.subarray(0, count),
    x: out.x.subarray(0, count),
    txDays: out.txDays.subarray(0, count),
    TDays: out.TDays.subarray(0, count),
    mx: out.mx.subarray(0, count),
    holdoutX: out.holdoutX.subarray(0, count),
    repeatsByDay,
    startDay,
    calibrationEndDay: calEnd,
    calibrationRepeats,
  };
}

/** Distinct (x, t_x, T) patterns with the number of rows sharing each. */
export function compressTriples(rows: Iterable<{ x: number; tx: number; T: number }>): WeightedTriple[] {
  const index = new Map<string, WeightedTriple>();
  for (const { x, tx, T } of rows) {
    const key = `${x}|${tx}|${T}`;
    const hit = index.get(key);
    if (hit) hit.weight++;
    else index.set(key, { x, tx, T, weight: 1 });
  }
  return [...index.values()];
}

export interface CompressedSummaries {
  triples: WeightedTriple[];
  /** For each summary row, the index of its triple (so per-triple predictions can be shared). */
  tripleOf: Int32Array;
}

/**
 * compressTriples for summarised customers, with an open-addressing hash table over the integer
 * day values: a million customers compress in a few tens of milliseconds.
 */
export function compressSummaries(
  summaries: CustomerSummaries,
  unit: TimeUnit = 'weeks',
): CompressedSummaries {
  const scale = DAYS_PER_UNIT[unit];
  const n = summaries.count;
  const { x: xs, txDays, TDays } = summaries;
  let capacity = 16;
  while (capacity < 2 * n) capacity *= 2;
  const mask = capacity - 1;
  const slots = new Int32Array(capacity).fill(-1);
  const keyX = new Int32Array(n);
  const keyTx = new Int32Array(n);
  const keyT = new Int32Array(n);
  const weight = new Float64Array(n);
  const tripleOf = new Int32Array(n);
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const tx = txDays[i]!;
    const T = TDays[i]!;
    let h = Math.imul(x, 0x9e3779b1) ^ Math.imul(tx + 0x632be5ab, 0x85ebca6b) ^ Math.imul(T, 0xc2b2ae35);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    let slot = h & mask;
    let k = slots[slot]!;
    while (k >= 0 && (keyX[k] !== x || keyTx[k] !== tx || keyT[k] !== T)) {
      slot = (slot + 1) & mask;
      k = slots[slot]!;
    }
    if (k < 0) {
      k = distinct++;
      slots[slot] = k;
      keyX[k] = x;
      keyTx[k] = tx;
      keyT[k] = T;
    }
    weight[k]!++;
    tripleOf[i] = k;
  }
  const triples: WeightedTriple[] = new Array(distinct);
  for (let k = 0; k < distinct; k++) {
    triples[k] = { x: keyX[k]!, tx: keyTx[k]! / scale, T: keyT[k]! / scale, weight: weight[k]! };
  }
  return { triples, tripleOf };
}

/**
 * The Gamma-Gamma input: distinct (x, m_x) of customers with x > 0, with counts. Customers whose
 * mean repeat value is not positive (refunds only) are left out: the model needs m_x > 0.
 */
export function repeatSpends(summaries: Pick<CustomerSummaries, 'count' | 'x' | 'mx'>): WeightedSpend[] {
  const n = summaries.count;
  let capacity = 16;
  while (capacity < 2 * n) capacity *= 2;
  const mask = capacity - 1;
  const slots = new Int32Array(capacity).fill(-1);
  const out: WeightedSpend[] = [];
  // Hash m_x by its bit pattern.
  const bits = new Float64Array(1);
  const words = new Int32Array(bits.buffer);
  for (let i = 0; i < n; i++) {
    const x = summaries.x[i]!;
    const mx = summaries.mx[i]!;
    if (!(x > 0 && mx > 0)) continue;
    bits[0] = mx;
    let h = Math.imul(x, 0x9e3779b1) ^ Math.imul(words[0]!, 0x85ebca6b) ^ Math.imul(words[1]!, 0xc2b2ae35);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    let slot = h & mask;
    let k = slots[slot]!;
    while (k >= 0 && (out[k]!.x !== x || out[k]!.mx !== mx)) {
      slot = (slot + 1) & mask;
      k = slots[slot]!;
    }
    if (k < 0) {
      slots[slot] = out.length;
      out.push({ x, mx, weight: 1 });
    } else {
      out[k]!.weight++;
    }
  }
  return out;
}
