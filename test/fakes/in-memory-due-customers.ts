import type { DueCustomers } from '../../lib/ports/due-customers';

type Index = 'byBirthday' | 'byNextOrder' | 'byLastOrder';

/** The sparse indexes as lists of (partition key, UTC offset, customer id), filled by the test. */
export class InMemoryDueCustomers implements DueCustomers {
  private readonly entries: { index: Index; key: string; offset: number; customerId: string }[] = [];
  /** Partition keys queried, in order (one Query each in DynamoDB). */
  readonly queried: string[] = [];

  add(index: Index, key: string, offset: number, customerId: string): this {
    this.entries.push({ index, key, offset, customerId });
    return this;
  }

  byBirthday(monthDay: string, low: number, high: number): Promise<string[]> {
    return this.query('byBirthday', monthDay, low, high);
  }

  byNextOrder(date: string, low: number, high: number): Promise<string[]> {
    return this.query('byNextOrder', date, low, high);
  }

  byLastOrder(date: string, low: number, high: number): Promise<string[]> {
    return this.query('byLastOrder', date, low, high);
  }

  private async query(index: Index, key: string, low: number, high: number): Promise<string[]> {
    this.queried.push(`${index}:${key}`);
    return this.entries
      .filter((e) => e.index === index && e.key === key && e.offset >= low && e.offset <= high)
      .sort((a, b) => a.offset - b.offset)
      .map((e) => e.customerId);
  }
}
