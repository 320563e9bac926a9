import { celebrationDate, monthDayKey } from './calendar';
import { type LastOrderKeys, lastOrderIndexKeys } from './campaigns/last-order-keys';
import type { Customer } from './customer';
import { stableShard } from './shards';
import { isoDateOf, localParts, offsetAtLocalNoon } from './zoned-time';

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
  const today = localParts(now, customer.timeZone);
  if (!today) return undefined;
  const thisYear = celebrationDate(key, today.year);
  const next = thisYear >= isoDateOf(today) ? thisYear : celebrationDate(key, today.year + 1);
  return { birthdayKey: key, birthdayOffset: offsetAtLocalNoon(next, customer.timeZone) as number };
}

/**
 * Keys of the sparse next-order index (`byNextOrder`): partition = the expected next order's date
 * (`ltv.nextOrderDate`, read as a date on the customer's own calendar), sort = the zone's UTC offset
 * in minutes at local noon that day, as for birthdays, so the hourly planner reads only the people
 * whose local time is in the send window. Customers without a predicted date (no order, or before
 * the first model fit) and erased records are not indexed.
 */
export interface NextOrderIndexKeys {
  nextOrderKey: string;
  nextOrderOffset: number;
}

export function nextOrderIndexKeys(
  customer: Pick<Customer, 'ltv' | 'timeZone' | 'erasedAt'>,
): NextOrderIndexKeys | undefined {
  const date = customer.ltv?.nextOrderDate;
  if (!date || customer.erasedAt !== undefined) return undefined;
  const offset = offsetAtLocalNoon(date, customer.timeZone);
  if (offset === undefined) return undefined;
  return { nextOrderKey: date, nextOrderOffset: offset };
}

/**
 * Every derived index key of a profile, all in this one home: birthday, next order and last order
 * (the post-purchase survey's `byLastOrder`, see campaigns/last-order-keys.ts). They are written
 * with the rest of the derived state, in the same single update.
 */
export type DerivedKeys = BirthdayIndexKeys & NextOrderIndexKeys & LastOrderKeys;
export const DERIVED_KEY_NAMES = [
  'birthdayKey',
  'birthdayOffset',
  'nextOrderKey',
  'nextOrderOffset',
  'lastOrderKey',
  'lastOrderOffset',
] as const satisfies readonly (keyof DerivedKeys)[];
/** The keys an order changes (its metrics and lifetime value): the orders stream writes these. */
export const ORDER_KEY_NAMES = [
  'nextOrderKey',
  'nextOrderOffset',
  'lastOrderKey',
  'lastOrderOffset',
] as const satisfies readonly (keyof DerivedKeys)[];

/**
 * Write-sharding of the day-keyed indexes: one day's people (a birthday `MM-DD`, an expected or a
 * last order date) share one partition, and DynamoDB writes at most 1,000 units a second to one
 * partition — a single-zone shop's orders on its busiest day all land on today's `byLastOrder` key.
 * With `shards` > 1 the partition key is `<day>#<k>`, k a stable hash of the customer id, so the day
 * spreads over `shards` partitions and the planner queries each of them (indexPartitions). 1, the
 * default, is the plain day. Changing it re-keys every profile at the next refit (see the README).
 */
export const MAX_INDEX_SHARDS = 1_000;

export function shardedPartition(day: string, customerId: string, shards: number): string {
  return shards > 1 ? `${day}#${stableShard(customerId, shards)}` : day;
}

/** Every partition a day's people may be under: what the planner queries. */
export function indexPartitions(day: string, shards: number): string[] {
  return shards > 1 ? Array.from({ length: shards }, (_, k) => `${day}#${k}`) : [day];
}

/** The derived keys a profile should carry; `undefined` fields are to be removed from the item. */
export function derivedKeys(customer: Customer, now: Date, shards = 1): Partial<DerivedKeys> {
  const birthday = birthdayIndexKeys(customer, now);
  const nextOrder = nextOrderIndexKeys(customer);
  const lastOrder = lastOrderIndexKeys(customer);
  const shard = (day: string) => shardedPartition(day, customer.customerId, shards);
  return {
    ...(birthday && { ...birthday, birthdayKey: shard(birthday.birthdayKey) }),
    ...(nextOrder && { ...nextOrder, nextOrderKey: shard(nextOrder.nextOrderKey) }),
    ...(lastOrder && { ...lastOrder, lastOrderKey: shard(lastOrder.lastOrderKey) }),
  };
}
