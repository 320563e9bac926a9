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

export function observeCapacity(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (capacityObservers.size === 0) return result;
      const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
      if (output.ConsumedCapacity) {
        const entries = [output.ConsumedCapacity].flat();
        const kind: CapacityKind = READS.test(context.commandName ?? '') ? 'read' : 'write';
        for (const observer of capacityObservers) observer.record(entries, kind);
      }
      return result;
    },
    { step: 'initialize', name: 'precisCapacityObserver' },
  );
}
