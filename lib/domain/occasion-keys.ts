import { DateTime } from 'luxon';
import { celebrationDate, monthDayKey } from './calendar';
import type { Customer } from './customer';

/**
 * Keys of the sparse birthday index, derived from the profile. The hourly planner queries one
 * `MM-DD` partition per local date in play and selects, by the sort key, only the people whose
 * local clock is inside the send window. The sort key is the zone's UTC offset (minutes) at local
 * noon on the next celebration, so daylight saving on that day is already accounted for.
 */
export interface BirthdayIndexKeys {
  birthdayKey: string;
  birthdayOffset: number;
}

export function birthdayIndexKeys(
  customer: Pick<Customer, 'birthday' | 'timeZone'>,
  now: Date,
): BirthdayIndexKeys | undefined {
  const key = customer.birthday === undefined ? undefined : monthDayKey(customer.birthday);
  if (key === undefined) return undefined;
  const today = DateTime.fromJSDate(now, { zone: customer.timeZone });
  if (!today.isValid) return undefined;
  const thisYear = celebrationDate(key, today.year);
  const next = thisYear >= today.toISODate()! ? thisYear : celebrationDate(key, today.year + 1);
  const noon = DateTime.fromISO(`${next}T12:00`, { zone: customer.timeZone });
  return { birthdayKey: key, birthdayOffset: noon.offset };
}

/** The derived keys a profile should carry; `undefined` fields are to be removed from the item. */
export function derivedKeys(customer: Customer, now: Date): Partial<BirthdayIndexKeys> {
  return birthdayIndexKeys(customer, now) ?? {};
}

export function derivedKeysChanged(customer: Customer, keys: Partial<BirthdayIndexKeys>): boolean {
  return customer.birthdayKey !== keys.birthdayKey || customer.birthdayOffset !== keys.birthdayOffset;
}
