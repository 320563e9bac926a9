import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CapacityKind, CapacityRecorder } from '../dynamodb/capacity';

/**
 * Benchmarks watch the capacity every DynamoDB call of every handler reports, without the handlers
 * knowing: clients built by `dynamoDocumentClient` pass each response's ConsumedCapacity to the
 * observers registered here (none in Lambda, where this costs one Set size check per call).
 */
export const capacityObservers = new Set<CapacityRecorder>();

// Low-level and document-client command names alike.
const READS = /^(Get|GetItem|Query|Scan|BatchGet|BatchGetItem|TransactGet|TransactGetItems)Command$/;
const TRANSACTIONS = /^Transact/;

/** A transaction's items per table name (each TransactItems entry names its table in its one operation). */
export function transactionItemsPerTable(input: unknown): Map<string, number> {
  const items = new Map<string, number>();
  for (const item of (input as { TransactItems?: unknown[] }).TransactItems ?? []) {
    for (const operation of Object.values(item as Record<string, { TableName?: string } | undefined>)) {
      const table = operation?.TableName;
      if (table) items.set(table, (items.get(table) ?? 0) + 1);
    }
  }
  return items;
}

/** Reports the client's capacity to `recorder` if given (a test's own client), else to the observers. */
export function observeCapacity(client: DynamoDBClient, recorder?: CapacityRecorder): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const observers = recorder ? [recorder] : capacityObservers;
      if (!recorder && capacityObservers.size === 0) return result;
      const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
      if (output.ConsumedCapacity) {
        const entries = [output.ConsumedCapacity].flat();
        const command = context.commandName ?? '';
        const kind: CapacityKind = READS.test(command) ? 'read' : 'write';
        const items = TRANSACTIONS.test(command) ? transactionItemsPerTable(args.input) : undefined;
        for (const observer of observers) observer.record(entries, kind, items);
      }
      return result;
    },
    { step: 'initialize', name: 'precisCapacityObserver' },
  );
}
