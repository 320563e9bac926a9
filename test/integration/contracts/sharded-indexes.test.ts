import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDueCustomers } from '../../../lib/adapters/dynamodb/dynamo-due-customers';
import type { Customer } from '../../../lib/domain/customer';
import { Random } from '../../../lib/domain/ltv/simulate';
import { derivedKeys } from '../../../lib/domain/occasion-keys';
import { simulatedCustomers } from '../../fakes/simulated-population';
import { appTables } from '../../support/tables';

// Write-sharded day indexes find exactly the people the unsharded ones find: the same 600
// customers, keyed once with indexShards = 1 and once with 8 (the nightly refit's re-keying), asked
// for every day and offset range the planner would ask, on DynamoDB Local's real GSIs.

const NOW = new Date('2026-11-24T10:00:00.000Z');
const ZONES = ['Europe/London', 'America/New_York', 'Asia/Tokyo', 'Pacific/Auckland', 'America/Los_Angeles'];
const RANGES: [number, number][] = [
  [-720, 840], // everyone
  [-480, -240], // the Americas
  [0, 60], // London, summer or winter
  [540, 780], // Tokyo and Auckland
];

let db: Awaited<ReturnType<typeof appTables>>['db'];
let table: string;
let people: Customer[];

beforeAll(async () => {
  const tables = await appTables();
  db = tables.db;
  table = tables.nameOf('Customers');
  const rng = new Random(7);
  const run = `shard${Date.now()}`;
  people = simulatedCustomers({ customers: 600, seed: 3, today: '2026-11-24' }).map((c, i) => {
    const day = 1 + Math.floor(rng.uniform() * 3);
    return {
      ...c,
      customerId: `cus_${run}_${i}`,
      timeZone: ZONES[i % ZONES.length] as string,
      birthday: `1990-12-0${day}`,
      ltv: { ...(c.ltv as NonNullable<Customer['ltv']>), nextOrderDate: `2026-12-0${day}` },
    } as Customer;
  });
});

async function keyed(shards: number): Promise<void> {
  for (let i = 0; i < people.length; i += 25) {
    await Promise.all(
      people.slice(i, i + 25).map((c) =>
        db.send(
          new PutCommand({
            TableName: table,
            Item: { customerId: c.customerId, ...derivedKeys(c, NOW, shards) },
          }),
        ),
      ),
    );
  }
}

/** What the planner would be told for each index, day and range (only this suite's people). */
async function found(shards: number): Promise<Record<string, string[]>> {
  const due = new DynamoDueCustomers(db, table, shards);
  const mine = new Set(people.map((c) => c.customerId));
  const lastOrderDays = [...new Set(people.map((c) => c.metrics?.lastOrderAt?.slice(0, 10)))].filter(
    (d): d is string => d !== undefined,
  );
  const out: Record<string, string[]> = {};
  for (const [low, high] of RANGES) {
    for (const day of ['01', '02', '03']) {
      out[`birthday 12-${day} ${low}..${high}`] = await due.byBirthday(`12-${day}`, low, high);
      out[`next 2026-12-${day} ${low}..${high}`] = await due.byNextOrder(`2026-12-${day}`, low, high);
    }
    for (const day of lastOrderDays.slice(0, 40)) {
      out[`last ${day} ${low}..${high}`] = await due.byLastOrder(day, low, high);
    }
  }
  for (const [k, ids] of Object.entries(out)) out[k] = ids.filter((id) => mine.has(id)).sort();
  return out;
}

describe('write-sharded day indexes', () => {
  it('find the same people, day by day and range by range, as the unsharded ones', async () => {
    await keyed(1);
    const unsharded = await found(1);
    await keyed(8);
    const sharded = await found(8);
    expect(sharded).toEqual(unsharded);
    // Not vacuous: most people are found, under every index.
    const total = (prefix: string) =>
      Object.entries(unsharded)
        .filter(([k]) => k.startsWith(prefix) && k.includes('-720..840'))
        .reduce((n, [, ids]) => n + ids.length, 0);
    expect(total('birthday')).toBe(people.length);
    expect(total('next')).toBe(people.length);
    expect(total('last')).toBeGreaterThan(10);
    // And an unsharded reader would miss the sharded keys: the shard count must agree.
    expect(Object.values(await found(1)).flat()).toEqual([]);
  });
});
