import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';

export type CapacityKind = 'read' | 'write';

/**
 * Collects the capacity units each DynamoDB call reports, per table and index (for benchmarks).
 * `transactionItems`: the call was TransactWriteItems/TransactGetItems, with its items per table
 * name. AWS charges 2 units per item (of up to 1 KB written, 4 KB read); DynamoDB Local reports 2
 * units per table a transaction touches, whatever its items (measured: 1, 2 or 3 items on one
 * table report 2; one item on each of two tables, 2 each), so AWS units come from the item count.
 */
export interface CapacityRecorder {
  record(
    entries: ConsumedCapacity[],
    kind: CapacityKind,
    transactionItems?: ReadonlyMap<string, number>,
  ): void;
}

/** Units as DynamoDB Local reports them (`read`, `write`) and as AWS bills them (`awsRead`, `awsWrite`). */
export interface Units {
  read: number;
  write: number;
  awsRead: number;
  awsWrite: number;
}

/** Sums read and write units per table and per index across everything recorded. */
export class CapacityTally implements CapacityRecorder {
  readonly byTarget = new Map<string, Units>();

  constructor(private readonly label: (tableName: string) => string = (name) => name) {}

  record(
    entries: ConsumedCapacity[],
    kind: CapacityKind,
    transactionItems?: ReadonlyMap<string, number>,
  ): void {
    for (const entry of entries) {
      const table = this.label(entry.TableName ?? '?');
      const units = entry.Table?.CapacityUnits ?? entry.CapacityUnits ?? 0;
      const items = transactionItems?.get(entry.TableName ?? '?');
      this.add(table, kind, units, items === undefined ? units : 2 * items);
      for (const [index, indexUnits] of Object.entries(entry.GlobalSecondaryIndexes ?? {})) {
        // A transaction's changes reach its indexes after it commits, as ordinary index writes.
        this.add(`${table}/${index}`, kind, indexUnits.CapacityUnits ?? 0, indexUnits.CapacityUnits ?? 0);
      }
    }
  }

  private add(target: string, kind: CapacityKind, units: number, awsUnits: number): void {
    const current = this.byTarget.get(target) ?? { read: 0, write: 0, awsRead: 0, awsWrite: 0 };
    current[kind] += units;
    current[kind === 'read' ? 'awsRead' : 'awsWrite'] += awsUnits;
    this.byTarget.set(target, current);
  }

  total(): Units {
    const sum: Units = { read: 0, write: 0, awsRead: 0, awsWrite: 0 };
    for (const units of this.byTarget.values()) {
      sum.read += units.read;
      sum.write += units.write;
      sum.awsRead += units.awsRead;
      sum.awsWrite += units.awsWrite;
    }
    return sum;
  }

  reset(): void {
    this.byTarget.clear();
  }
}
