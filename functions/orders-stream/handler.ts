import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoOrderRepository } from '../../lib/adapters/dynamodb/dynamo-order-repository';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { recomputeMetrics } from '../../lib/use-cases/recompute-metrics';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { images, type StreamHandler, streamHandler } from '../shared/stream';

/**
 * The Orders stream consumer: recomputes each touched customer's metrics from their history. A batch
 * recomputes each customer once (its query already sees every order in the batch); if that fails,
 * every record of that customer is reported failed and retried.
 */
export function createHandler(env: Env): StreamHandler {
  const config = readEnv(env, [ENV.customersTable, ENV.ordersTable, ENV.orderIdsTable]);
  const db = dynamoDocumentClient(env);
  const deps = {
    customers: new DynamoCustomerRepository(db, { customers: config[ENV.customersTable] }),
    orders: new DynamoOrderRepository(db, {
      orders: config[ENV.ordersTable],
      orderIds: config[ENV.orderIdsTable],
    }),
  };
  const logger = loggerFor(env, 'orders-stream');
  let batch: Map<string, Promise<unknown>> = new Map();
  const handle = streamHandler(logger, async (record) => {
    const { newImage, oldImage } = images(record);
    const customerId = (newImage ?? oldImage)?.customerId;
    if (typeof customerId !== 'string') throw new Error('an order record without a customer id');
    if (!batch.has(customerId)) batch.set(customerId, recomputeMetrics(deps, customerId));
    await batch.get(customerId);
  });
  return async (event, context) => {
    batch = new Map();
    return handle(event, context);
  };
}

export const handler = lambdaEntry(createHandler);
