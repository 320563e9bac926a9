import { addDays } from '../calendar';
import type { Customer } from '../customer';
import { localDate, offsetAtLocalNoon } from '../zoned-time';

// The post-purchase survey's index (`byLastOrder` on the Customers table, sparse): partition = the
// local date of the person's most recent order, sort = their zone's UTC offset in minutes at local
// noon that day. The hourly planner asks, for a survey N days after an order, for the people whose
// last order was on (local date in the send window − N days) and whose offset puts them in the
// window now — the same BETWEEN query as birthdays, so no scan and no per-order schedule.
//
// Why this and not one EventBridge Scheduler schedule per order: no extra resource per order, no
// cleanup, replays and re-runs are absorbed by the ledger like every other campaign, and the local
// runtime runs it as it runs the planner. The trade-offs: only the most recent order is surveyed (a
// newer order before the survey is due moves the date: one survey, about the latest order, which is
// what a marketer wants), and across a daylight-saving change between the order and the survey the
// send can be an hour off within the window.

export interface LastOrderKeys {
  lastOrderKey: string;
  lastOrderOffset: number;
}

/** The keys a profile should carry; undefined = not indexed (no order, erased, bad zone). */
export function lastOrderIndexKeys(
  customer: Pick<Customer, 'metrics' | 'timeZone' | 'erasedAt'>,
): LastOrderKeys | undefined {
  const lastOrderAt = customer.metrics?.lastOrderAt;
  if (!lastOrderAt || customer.erasedAt !== undefined) return undefined;
  const date = localDate(Date.parse(lastOrderAt), customer.timeZone);
  if (date === undefined) return undefined;
  return { lastOrderKey: date, lastOrderOffset: offsetAtLocalNoon(date, customer.timeZone) as number };
}

/** The local date `days` before a `YYYY-MM-DD` date. */
export function daysBefore(date: string, days: number): string {
  return addDays(date, -days);
}
