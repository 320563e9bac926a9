import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';

export type CapacityKind = 'read' | 'write';

/** Collects the capacity units each DynamoDB call reports, per table and index (for benchmarks). */
export interface CapacityRecorder {
  record(entries: ConsumedCapacity[], kind: CapacityKind): void;
}

/** Sums read and write units per table and per index across everything recorded. */
export class CapacityTally implements CapacityRecorder {
  readonly byTarget = new Map<string, { read: number; write: number }>();

  constructor(private readonly label: (tableName: string) => string = (name) => name) {}

  record(entries: ConsumedCapacity[], kind: CapacityKind): void {
    for (const entry of entries) {
      const table = this.label(entry.TableName ?? '?');
      this.add(table, kind, entry.Table?.CapacityUnits ?? entry.CapacityUnits ?? 0);
      for (const [index, units] of Object.entries(entry.GlobalSecondaryIndexes ?? {})) {
        this.add(`${table}/${index}`, kind, units.CapacityUnits ?? 0);
      }
    }
  }

  private add(target: string, kind: CapacityKind, units: number): void {
    const current = this.byTarget.get(target) ?? { read: 0, write: 0 };
    current[kind] += units;
    this.byTarget.set(target, current);
  }

  total(): { read: number; write: number } {
    let read = 0;
    let write = 0;
    for (const units of this.byTarget.values()) {
      read += units.read;
      write += units.write;
    }
    return { read, write };
  }

  reset(): void {
    this.byTarget.clear();
  }
}
