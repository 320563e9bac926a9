import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { CapacityTally } from '../../../lib/adapters/dynamodb/capacity';
import { DynamoCustomerRepository } from '../../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoDueCustomers } from '../../../lib/adapters/dynamodb/dynamo-due-customers';
import { type Customer, newCustomer } from '../../../lib/domain/customer';
import { signupSchema } from '../../../lib/domain/signup';
import { upcomingOccasions } from '../../../lib/use-cases/upcoming-occasions';
import { appTables, meteredDb } from '../../support/tables';

// GET /customers/upcoming's use case against DynamoDB Local (tables from the synthesized template):
// the sparse byBirthday / byNextOrder indexes, one Query per day key, and what it costs in capacity
// units as DynamoDB reports them: it grows with the days asked for, not with the table.

const FROM = '2027-02-25';
let db: DynamoDBDocumentClient;
let table: string;

const signup = signupSchema({ timeZone: 'Europe/London', locale: 'en-GB', today: '2026-11-24' });
let serial = 0;
function person(
  firstName: string,
  birthday: string,
  keys: Partial<Pick<Customer, 'birthdayKey' | 'birthdayOffset' | 'nextOrderKey' | 'nextOrderOffset'>>,
): Customer {
  const n = ++serial;
  const customer = newCustomer(
    signup.parse({ firstName, email: `p${n}@example.com`, birthday, consent: { email: true, sms: false } }),
    `cus_up_${n}`,
    '2026-11-24T10:00:00.000Z',
  );
  return { ...customer, ...keys };
}

async function put(customers: Customer[]): Promise<void> {
  for (let i = 0; i < customers.length; i += 25) {
    await db.send(
      new BatchWriteCommand({
        RequestItems: {
          [table]: customers.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
}

async function measure(days: number) {
  const capacity = new CapacityTally();
  const metered = meteredDb(capacity);
  const result = await upcomingOccasions(
    {
      due: new DynamoDueCustomers(metered, table),
      customers: new DynamoCustomerRepository(metered, { customers: table }),
    },
    { from: FROM, days, perDay: 3 },
  );
  return { result, read: capacity.total().read };
}

beforeAll(async () => {
  const tables = await appTables();
  db = tables.db;
  table = tables.nameOf('Customers');
  // Due in the week from Thu 2027-02-25: birthdays on Feb 26 (two, in far-apart zones), a Feb 29
  // birthday (celebrated on Feb 28 in 2027), and a repurchase window on Mar 1.
  await put([
    person('Ana', '1990-02-26', { birthdayKey: '02-26', birthdayOffset: 0 }),
    person('Bo', '1985-02-26', { birthdayKey: '02-26', birthdayOffset: 780 }),
    person('Leap', '1996-02-29', { birthdayKey: '02-29', birthdayOffset: -300 }),
    person('Cy', '1970-07-01', {
      birthdayKey: '07-01',
      birthdayOffset: 60,
      nextOrderKey: '2027-03-01',
      nextOrderOffset: 60,
    }),
  ]);
});

describe('upcoming birthdays and repurchase windows on DynamoDB Local', () => {
  it('lists each day with its counts and the first customers, Feb 29 on Feb 28 in 2027', async () => {
    const { result } = await measure(7);
    const byDate = new Map(result.days.map((d) => [d.date, d]));
    expect(result.days).toHaveLength(7);
    expect(byDate.get('2027-02-26')).toMatchObject({ birthdays: 2, repurchases: 0 });
    expect(
      byDate
        .get('2027-02-26')
        ?.customers.map((c) => c.firstName)
        .sort(),
    ).toEqual(['Ana', 'Bo']);
    expect(byDate.get('2027-02-28')?.customers).toEqual([
      expect.objectContaining({ firstName: 'Leap', due: 'birthday', localDate: '2027-02-28' }),
    ]);
    expect(byDate.get('2027-03-01')).toMatchObject({
      birthdays: 0,
      repurchases: 1,
      customers: [expect.objectContaining({ firstName: 'Cy', due: 'repurchase' })],
    });
    expect(byDate.get('2027-02-27')).toMatchObject({ birthdays: 0, repurchases: 0, customers: [] });
  });

  it('costs capacity by the days asked for and the people due, not by the size of the table', async () => {
    const oneDay = await measure(1);
    const week = await measure(7);
    expect(week.read).toBeGreaterThan(oneDay.read);
    // 500 more customers, none due this week (birthdays in the summer, no repurchase window).
    await put(
      Array.from({ length: 500 }, (_, i) =>
        person(`Other${i}`, '1980-08-15', {
          birthdayKey: `08-${String(1 + (i % 28)).padStart(2, '0')}`,
          birthdayOffset: 0,
        }),
      ),
    );
    const after = await measure(7);
    expect(after.result).toEqual(week.result);
    expect(after.read).toBe(week.read);
  });
});
