import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CapacityTally } from '../../../lib/adapters/dynamodb/capacity';
import { DynamoSegmentMembers } from '../../../lib/adapters/dynamodb/dynamo-segment-members';
import { InvalidCursorError } from '../../../lib/domain/segment-members';
import type { SegmentMembers } from '../../../lib/ports/segment-members';
import { InMemorySegmentMembers } from '../../fakes/in-memory-segment-members';
import { appTables, meteredDb } from '../../support/tables';

// The SegmentMembers contract, run against DynamoDB Local (the SegmentMembers table from the
// synthesized template) and against the in-memory fake the use-case tests use: memberships applied
// per change, pages that together hold every member exactly once whatever the page size and the
// number of write shards, counts, and a cursor that is not ours refused.

let table: string;
let db: Awaited<ReturnType<typeof appTables>>['db'];

beforeAll(async () => {
  const tables = await appTables();
  db = tables.db;
  table = tables.nameOf('SegmentMembers');
});

const implementations: [string, (shards: number) => SegmentMembers][] = [
  ['DynamoDB Local', (shards) => new DynamoSegmentMembers(db, table, shards)],
  ['in memory', (shards) => new InMemorySegmentMembers(shards)],
];

let run = 0;
const segment = (name: string) => `rule:${name}-${run}`;

async function everyPage(members: SegmentMembers, of: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await members.page(of, { limit, ...(cursor !== undefined && { cursor }) });
    expect(page.customerIds.length).toBeLessThanOrEqual(limit);
    ids.push(...page.customerIds);
    cursor = page.cursor;
    if (cursor === undefined) return ids;
  }
  throw new Error('the pages never end');
}

describe.each(implementations)('SegmentMembers contract (%s)', (_name, make) => {
  beforeEach(() => {
    run++;
  });

  it.each([1, 4])(
    'lists every member exactly once over %i shard(s), whatever the page size',
    async (shards) => {
      const members = make(shards);
      const ids = Array.from({ length: 23 }, (_, i) => `cus_${String(i).padStart(3, '0')}`);
      for (const id of ids)
        await members.apply(id, { entered: [segment('vip'), segment('other')], exited: [] });
      for (const limit of [1, 5, 23, 100]) {
        const listed = await everyPage(members, segment('vip'), limit);
        expect([...listed].sort()).toEqual(ids);
        expect(new Set(listed).size).toBe(ids.length);
      }
      expect(await members.count(segment('vip'))).toBe(23);
      // One shard: the page that holds the last member says there is no more.
      if (shards === 1) expect((await members.page(segment('vip'), { limit: 23 })).cursor).toBeUndefined();
      expect(await members.count(segment('nobody'))).toBe(0);
      expect(await everyPage(members, segment('nobody'), 10)).toEqual([]);
    },
  );

  it('moves a member between segments and is idempotent on replay', async () => {
    const members = make(2);
    const change = { entered: [segment('champions')], exited: [] };
    await members.apply('cus_ana', change);
    await members.apply('cus_ana', change);
    await members.apply('cus_bo', change);
    expect(await members.count(segment('champions'))).toBe(2);

    const move = { entered: [segment('cant-lose')], exited: [segment('champions')] };
    await members.apply('cus_ana', move);
    await members.apply('cus_ana', move);
    expect(await everyPage(members, segment('champions'), 10)).toEqual(['cus_bo']);
    expect(await everyPage(members, segment('cant-lose'), 10)).toEqual(['cus_ana']);
    // Leaving a segment one was never in is no error.
    await members.apply('cus_cy', { entered: [], exited: [segment('champions')] });
    expect(await members.count(segment('champions'))).toBe(1);
  });

  it('writes more than one batch of changes for one customer', async () => {
    const members = make(1);
    const many = Array.from({ length: 30 }, (_, i) => segment(`s${i}`));
    await members.apply('cus_ana', { entered: many, exited: [] });
    for (const s of many) expect(await members.count(s)).toBe(1);
  });

  it('refuses a cursor it did not give out', async () => {
    const members = make(2);
    await expect(members.page(segment('vip'), { limit: 5, cursor: 'abc' })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    const nineShards = Buffer.from(JSON.stringify({ s: 9 })).toString('base64url');
    await expect(members.page(segment('vip'), { limit: 5, cursor: nineShards })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });
});

describe('what the index costs (DynamoDB Local ConsumedCapacity)', () => {
  it('one write unit per membership change; listing and counting read the segment only', async () => {
    run++;
    const tally = new CapacityTally();
    const members = new DynamoSegmentMembers(meteredDb(tally), table, 4);
    const ids = Array.from({ length: 1000 }, (_, i) => `cus_${String(i).padStart(6, '0')}`);
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map((id) => members.apply(id, { entered: [segment('big')], exited: [] })),
      );
    }
    const units = () =>
      [...tally.byTarget.values()].reduce(
        (sum, u) => ({ read: sum.read + u.read, write: sum.write + u.write }),
        { read: 0, write: 0 },
      );
    expect(units().write).toBe(1000);
    const afterWrites = units();
    expect(await members.count(segment('big'))).toBe(1000);
    const countRead = units().read - afterWrites.read;
    const listed = await everyPage(members, segment('big'), 1000);
    const listRead = units().read - afterWrites.read - countRead;
    expect(listed).toHaveLength(1000);
    // ~45 bytes an item: a 1,000-member segment is ~45 KB of keys, eventually consistent (0.5 per 4 KB).
    expect(countRead).toBeLessThanOrEqual(10);
    expect(listRead).toBeLessThanOrEqual(10);
    console.log(`segment members: 1,000 members, count ${countRead} read units, list ${listRead} read units`);
  });
});
