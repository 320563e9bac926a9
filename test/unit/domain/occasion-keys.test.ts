import { describe, expect, it } from 'vitest';
import { celebrationDate, monthDayKey, parseBirthday } from '../../../lib/domain/calendar';
import type { Customer } from '../../../lib/domain/customer';
import {
  birthdayIndexKeys,
  derivedKeys,
  indexPartitions,
  shardedPartition,
} from '../../../lib/domain/occasion-keys';

const NOW = new Date('2026-11-24T10:00:00Z');

describe('birthdays on the calendar', () => {
  it.each([
    ['1990-05-17', { year: 1990, month: 5, day: 17 }],
    ['--12-31', { month: 12, day: 31 }],
    ['--02-29', { month: 2, day: 29 }],
    ['2000-02-29', { year: 2000, month: 2, day: 29 }],
  ])('reads %s', (value, parsed) => expect(parseBirthday(value)).toEqual(parsed));

  it.each(['2023-02-29', '1900-02-29', '1990-04-31', '--13-01', '--00-10', '1990-5-17', '17.05.1990'])(
    'refuses %s',
    (value) => expect(parseBirthday(value)).toBeUndefined(),
  );

  it('celebrates Feb 29 birthdays on Feb 28 in non-leap years only', () => {
    expect(celebrationDate('02-29', 2027)).toBe('2027-02-28');
    expect(celebrationDate('02-29', 2028)).toBe('2028-02-29');
    expect(celebrationDate('07-04', 2027)).toBe('2027-07-04');
  });

  it('keys the index by month and day whatever the year', () => {
    expect(monthDayKey('1984-03-09')).toBe('03-09');
    expect(monthDayKey('--03-09')).toBe('03-09');
  });
});

describe('birthday index keys', () => {
  it.each([
    ['a Londoner in January (GMT)', '1990-01-15', 'Europe/London', 0],
    ['a Londoner just after the clocks go forward (BST, 28 Mar 2027)', '1990-03-29', 'Europe/London', 60],
    ['an Aucklander in December (NZDT)', '1985-12-01', 'Pacific/Auckland', 780],
    ['an Aucklander in June (NZST)', '1985-06-01', 'Pacific/Auckland', 720],
    ['someone in Kathmandu (+05:45)', '--08-08', 'Asia/Kathmandu', 345],
    ['someone in Adelaide in January (+10:30)', '--01-20', 'Australia/Adelaide', 630],
    ['a New Yorker in July (EDT)', '1970-07-04', 'America/New_York', -240],
  ])('sorts %s by the UTC offset on the day', (_who, birthday, timeZone, offset) => {
    expect(birthdayIndexKeys({ birthday, timeZone }, NOW)?.birthdayOffset).toBe(offset);
  });

  it('partitions by MM-DD and leaves customers without a birthday out of the index', () => {
    expect(birthdayIndexKeys({ birthday: '1990-05-17', timeZone: 'Europe/Paris' }, NOW)?.birthdayKey).toBe(
      '05-17',
    );
    expect(birthdayIndexKeys({ timeZone: 'Europe/Paris' }, NOW)).toBeUndefined();
  });
});

describe('write-sharded day keys', () => {
  const ana = {
    customerId: 'cus_ana',
    birthday: '1990-05-17',
    timeZone: 'Europe/London',
    ltv: { nextOrderDate: '2026-12-01' },
    metrics: { lastOrderAt: '2026-11-20T10:00:00.000Z' },
  } as unknown as Customer;
  const now = new Date('2026-11-24T10:00:00.000Z');

  it('one shard is the plain day: the keys are what they always were', () => {
    expect(derivedKeys(ana, now, 1)).toEqual(derivedKeys(ana, now));
    expect(derivedKeys(ana, now)).toMatchObject({ birthdayKey: '05-17', nextOrderKey: '2026-12-01' });
    expect(indexPartitions('05-17', 1)).toEqual(['05-17']);
  });

  it('with 8 shards every day key carries the same shard of the customer, and the planner asks all 8', () => {
    const keys = derivedKeys(ana, now, 8);
    const shard = (keys.birthdayKey as string).split('#')[1];
    expect(keys).toMatchObject({
      birthdayKey: `05-17#${shard}`,
      nextOrderKey: `2026-12-01#${shard}`,
      lastOrderKey: `2026-11-20#${shard}`,
      birthdayOffset: 60,
    });
    expect(indexPartitions('05-17', 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((k) => `05-17#${k}`));
    expect(indexPartitions('05-17', 8)).toContain(keys.birthdayKey);
  });

  it('spreads 10,000 customers evenly (each of 8 shards within 10% of an eighth) and stably', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const key = shardedPartition('2026-11-24', `cus_${i.toString(36)}-${(i * 7919) % 10007}`, 8);
      counts[Number(key.split('#')[1])]++;
    }
    for (const n of counts) expect(Math.abs(n - 1250)).toBeLessThan(125);
    expect(shardedPartition('2026-11-24', 'cus_ana', 8)).toBe(shardedPartition('2026-11-24', 'cus_ana', 8));
  });
});
