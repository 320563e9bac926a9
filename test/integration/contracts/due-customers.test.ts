import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDueCustomers } from '../../../lib/adapters/dynamodb/dynamo-due-customers';
import type { DueCustomers } from '../../../lib/ports/due-customers';
import { InMemoryDueCustomers } from '../../fakes/in-memory-due-customers';
import { appTables } from '../../support/tables';

// The DueCustomers contract, run against DynamoDB Local (the Customers table's sparse byBirthday,
// byNextOrder and byLastOrder indexes from the synthesized template) and against the in-memory fake
// the planner's unit tests use: who is due on a local date, for a range of UTC offsets (the zones
// where it is now the send hour), bounds included, west of UTC before east.

type Index = 'byBirthday' | 'byNextOrder' | 'byLastOrder';
const ATTRIBUTES: Record<Index, [string, string]> = {
  byBirthday: ['birthdayKey', 'birthdayOffset'],
  byNextOrder: ['nextOrderKey', 'nextOrderOffset'],
  byLastOrder: ['lastOrderKey', 'lastOrderOffset'],
};

interface Fixture {
  due: DueCustomers;
  add(index: Index, key: string, offset: number, customerId: string): Promise<void>;
}

let customersTable: string;
let db: Awaited<ReturnType<typeof appTables>>['db'];

beforeAll(async () => {
  const tables = await appTables();
  db = tables.db;
  customersTable = tables.nameOf('Customers');
});

const implementations: [string, () => Fixture][] = [
  [
    'DynamoDB Local',
    () => ({
      due: new DynamoDueCustomers(db, customersTable),
      // Only the index attributes: the indexes hold nothing else the planner reads.
      add: async (index, key, offset, customerId) => {
        const [partition, sort] = ATTRIBUTES[index];
        await db.send(
          new PutCommand({
            TableName: customersTable,
            Item: { customerId, [partition]: key, [sort]: offset },
          }),
        );
      },
    }),
  ],
  [
    'in memory',
    () => {
      const due = new InMemoryDueCustomers();
      return {
        due,
        add: async (index, key, offset, customerId) => {
          due.add(index, key, offset, customerId);
        },
      };
    },
  ],
];

// One table for the suite: each test uses its own dates and ids.
let run = 0;
const day = () => `2026-01-${String(run).padStart(2, '0')}`;
const monthDay = () => `01-${String(run).padStart(2, '0')}`;
const id = (name: string) => `${name}_${run}`;

describe.each(implementations)('DueCustomers contract (%s)', (_name, make) => {
  let fixture: Fixture;
  beforeEach(() => {
    run++;
    fixture = make();
  });

  it('finds the birthdays of a date within an offset range, bounds included, west of UTC first', async () => {
    await fixture.add('byBirthday', monthDay(), 60, id('paris'));
    await fixture.add('byBirthday', monthDay(), -300, id('new-york'));
    await fixture.add('byBirthday', monthDay(), 0, id('london'));
    await fixture.add('byBirthday', monthDay(), 330, id('mumbai'));
    await fixture.add('byBirthday', monthDay(), 780, id('auckland'));
    expect(await fixture.due.byBirthday(monthDay(), -300, 330)).toEqual([
      id('new-york'),
      id('london'),
      id('paris'),
      id('mumbai'),
    ]);
    expect(await fixture.due.byBirthday(monthDay(), 0, 60)).toEqual([id('london'), id('paris')]);
    expect(await fixture.due.byBirthday(monthDay(), 61, 329)).toEqual([]);
  });

  it('keeps dates and indexes apart', async () => {
    await fixture.add('byBirthday', monthDay(), 0, id('birthday'));
    await fixture.add('byNextOrder', day(), 0, id('repurchase'));
    await fixture.add('byLastOrder', day(), 0, id('survey'));
    await fixture.add('byNextOrder', '2026-12-31', 0, id('next-year-end'));
    expect(await fixture.due.byBirthday(monthDay(), -720, 840)).toEqual([id('birthday')]);
    expect(await fixture.due.byNextOrder(day(), -720, 840)).toEqual([id('repurchase')]);
    expect(await fixture.due.byLastOrder(day(), -720, 840)).toEqual([id('survey')]);
    expect(await fixture.due.byBirthday('02-30', -720, 840)).toEqual([]);
  });

  it('returns everyone due in one zone, however many', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => id(`c${String(i).padStart(3, '0')}`));
    await Promise.all(ids.map((customerId) => fixture.add('byNextOrder', day(), -300, customerId)));
    expect((await fixture.due.byNextOrder(day(), -300, -300)).sort()).toEqual(ids);
  });
});
