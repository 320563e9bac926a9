import { birthdayPartitions, parseIsoDate } from '../domain/calendar';
import { productOf } from '../domain/campaigns/message';
import { MAX_OFFSET_MINUTES, MIN_OFFSET_MINUTES } from '../domain/campaigns/send-window';
import type { CustomerRepository } from '../ports/customer-repository';
import type { DueCustomers } from '../ports/due-customers';

// The operator's "next 7 days": per local date, who has a birthday and whose repurchase window opens
// (the expected next order), read from the same sparse indexes the hourly planner reads. Per day, one
// Query per index partition (birthdays: `MM-DD`, and `02-29` as well on Feb 28 of a non-leap year;
// repurchases: the date) over every UTC offset, keys only, then at most `perDay` profiles for the
// names shown. Nothing is scanned: the cost grows with the days asked for and the people due on
// them, not with the size of the table.

export const MAX_UPCOMING_DAYS = 31;
export const MAX_UPCOMING_PER_DAY = 50;

export type UpcomingKind = 'birthday' | 'repurchase';

export interface UpcomingCustomer {
  customerId: string;
  /** Null for a profile without a first name (or erased since it was indexed). */
  firstName: string | null;
  /** The date on the customer's own calendar (a Feb 29 birthday shows on Feb 28 in other years). */
  localDate: string;
  due: UpcomingKind;
  /** For a repurchase: the product they buy again (as the campaign's template shows it). */
  product: { sku: string; category: string } | null;
}

export interface UpcomingDay {
  date: string;
  birthdays: number;
  repurchases: number;
  /** The first `perDay` of the day's people (birthdays first); the counts are complete. */
  customers: UpcomingCustomer[];
}

export interface Upcoming {
  from: string;
  days: UpcomingDay[];
}

export interface UpcomingDeps {
  due: Pick<DueCustomers, 'byBirthday' | 'byNextOrder'>;
  customers: Pick<CustomerRepository, 'get'>;
}

export class InvalidUpcomingRangeError extends Error {
  override readonly name = 'InvalidUpcomingRangeError';
  readonly code = 'invalid_range';
}

const addDays = (date: string, days: number): string => {
  const { year, month, day } = parseIsoDate(date)!;
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
};

/** Birthdays and repurchase windows for `days` local dates from `from` (a `YYYY-MM-DD`). */
export async function upcomingOccasions(
  deps: UpcomingDeps,
  request: { from: string; days: number; perDay: number },
): Promise<Upcoming> {
  const { from, days, perDay } = request;
  if (!parseIsoDate(from)) throw new InvalidUpcomingRangeError(`from must be a date YYYY-MM-DD, got ${from}`);
  if (!Number.isInteger(days) || days < 1 || days > MAX_UPCOMING_DAYS)
    throw new InvalidUpcomingRangeError(`days must be a whole number from 1 to ${MAX_UPCOMING_DAYS}`);
  if (!Number.isInteger(perDay) || perDay < 0 || perDay > MAX_UPCOMING_PER_DAY)
    throw new InvalidUpcomingRangeError(`perDay must be a whole number from 0 to ${MAX_UPCOMING_PER_DAY}`);
  const dates = Array.from({ length: days }, (_, i) => addDays(from, i));
  const result = await Promise.all(
    dates.map(async (date): Promise<UpcomingDay> => {
      const [birthdayIds, repurchaseIds] = await Promise.all([
        Promise.all(
          birthdayPartitions(date).map((monthDay) =>
            deps.due.byBirthday(monthDay, MIN_OFFSET_MINUTES, MAX_OFFSET_MINUTES),
          ),
        ).then((lists) => lists.flat()),
        deps.due.byNextOrder(date, MIN_OFFSET_MINUTES, MAX_OFFSET_MINUTES),
      ]);
      const shown: [string, UpcomingKind][] = [
        ...birthdayIds.map((id): [string, UpcomingKind] => [id, 'birthday']),
        ...repurchaseIds.map((id): [string, UpcomingKind] => [id, 'repurchase']),
      ].slice(0, perDay);
      const customers = await Promise.all(
        shown.map(async ([customerId, due]): Promise<UpcomingCustomer> => {
          const customer = await deps.customers.get(customerId);
          return {
            customerId,
            firstName: customer?.firstName ?? null,
            localDate: date,
            due,
            product: due === 'repurchase' && customer ? productOf(customer) : null,
          };
        }),
      );
      return { date, birthdays: birthdayIds.length, repurchases: repurchaseIds.length, customers };
    }),
  );
  return { from, days: result };
}
