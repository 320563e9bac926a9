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
        for (const observer of observers) observer.record(entries, kind, TRANSACTIONS.test(command));
      }
      return result;
    },
    { step: 'initialize', name: 'precisCapacityObserver' },
  );
}
