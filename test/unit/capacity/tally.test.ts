import { describe, expect, it } from 'vitest';
import { transactionItemsPerTable } from '../../../lib/adapters/aws/capacity-observer';
import { CapacityTally } from '../../../lib/adapters/dynamodb/capacity';

// AWS units from what DynamoDB Local reports: it answers 2 units for each table a transaction
// touches whatever its items (measured), where AWS bills 2 per item.
describe('capacity units in AWS terms', () => {
  it('prices a transaction at 2 units per item on each table, its indexes as ordinary writes', () => {
    const tally = new CapacityTally();
    const items = transactionItemsPerTable({
      TransactItems: [
        { Put: { TableName: 'Stats', Item: {} } },
        { Update: { TableName: 'Stats', Key: {} } },
        { Update: { TableName: 'Stats', Key: {} } },
        { ConditionCheck: { TableName: 'Identities', Key: {} } },
      ],
    });
    expect(items).toEqual(
      new Map([
        ['Stats', 3],
        ['Identities', 1],
      ]),
    );
    tally.record(
      [
        { TableName: 'Stats', CapacityUnits: 2, Table: { CapacityUnits: 2 } },
        {
          TableName: 'Identities',
          CapacityUnits: 3,
          Table: { CapacityUnits: 2 },
          GlobalSecondaryIndexes: { byOwner: { CapacityUnits: 1 } },
        },
      ],
      'write',
      items,
    );
    expect(tally.byTarget.get('Stats')).toEqual({ read: 0, write: 2, awsRead: 0, awsWrite: 6 });
    expect(tally.byTarget.get('Identities')).toEqual({ read: 0, write: 2, awsRead: 0, awsWrite: 2 });
    expect(tally.byTarget.get('Identities/byOwner')).toEqual({ read: 0, write: 1, awsRead: 0, awsWrite: 1 });
  });

  it('takes any other call at the units reported', () => {
    const tally = new CapacityTally((name) => name.replace(/^t_/, ''));
    tally.record([{ TableName: 't_Customers', CapacityUnits: 1.5 }], 'read');
    tally.record([{ TableName: 't_Customers', CapacityUnits: 2 }], 'write');
    expect(tally.total()).toEqual({ read: 1.5, write: 2, awsRead: 1.5, awsWrite: 2 });
    expect([...tally.byTarget.keys()]).toEqual(['Customers']);
  });
});
