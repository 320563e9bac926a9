import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';

/** Collects the capacity units each DynamoDB call reports, per table and index (for benchmarks). */
export interface CapacityRecorder {
  record(entries: ConsumedCapacity[]): void;
}

export function consumed(
  recorder: CapacityRecorder | undefined,
  out: { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] },
): void {
  if (!recorder || !out.ConsumedCapacity) return;
  recorder.record(Array.isArray(out.ConsumedCapacity) ? out.ConsumedCapacity : [out.ConsumedCapacity]);
}

/** Sums read and write units per table and per index across everything recorded. */
export class CapacityTally implements CapacityRecorder {
  readonly byTarget = new Map<string, { read: number; write: number }>();

  record(entries: ConsumedCapacity[]): void {
    for (const entry of entries) {
      const table = entry.TableName ?? '?';
      this.add(
        table,
        entry.Table?.ReadCapacityUnits ?? entry.ReadCapacityUnits,
        entry.Table?.WriteCapacityUnits ?? entry.WriteCapacityUnits,
        entry.Table,
      );
      for (const [index, units] of Object.entries(entry.GlobalSecondaryIndexes ?? {})) {
        this.add(`${table}/${index}`, units.ReadCapacityUnits, units.WriteCapacityUnits, units);
      }
    }
  }

  private add(target: string, read = 0, write = 0, _detail?: unknown): void {
    const current = this.byTarget.get(target) ?? { read: 0, write: 0 };
    this.byTarget.set(target, { read: current.read + read, write: current.write + write });
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
}
