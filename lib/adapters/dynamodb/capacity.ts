import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';

export type CapacityKind = 'read' | 'write';

/**
 * Collects the capacity units each DynamoDB call reports, per table and index (for benchmarks).
 * `transactional`: the call was TransactWriteItems/TransactGetItems. AWS charges those 2 units per
 * item where DynamoDB Local reports 1 (measured: a two-item TransactWriteItems reports 2 units
 * locally), so the tally keeps them apart to convert to AWS units.
 */
export interface CapacityRecorder {
  record(entries: ConsumedCapacity[], kind: CapacityKind, transactional?: boolean): void;
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

  record(entries: ConsumedCapacity[], kind: CapacityKind, transactional = false): void {
    for (const entry of entries) {
      const table = this.label(entry.TableName ?? '?');
      this.add(table, kind, entry.Table?.CapacityUnits ?? entry.CapacityUnits ?? 0, transactional);
      for (const [index, units] of Object.entries(entry.GlobalSecondaryIndexes ?? {})) {
        this.add(`${table}/${index}`, kind, units.CapacityUnits ?? 0, transactional);
      }
    }
  }

  private add(target: string, kind: CapacityKind, units: number, transactional: boolean): void {
    const current = this.byTarget.get(target) ?? { read: 0, write: 0, awsRead: 0, awsWrite: 0 };
    current[kind] += units;
    current[kind === 'read' ? 'awsRead' : 'awsWrite'] += transactional ? 2 * units : units;
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
