import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoOrderRepository } from '../../lib/adapters/dynamodb/dynamo-order-repository';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { systemClock } from '../../lib/ports/clock';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { scoringDeps } from '../shared/scoring-deps';
import type { StreamHandler } from '../shared/stream';
import { metricsStreamHandler } from './metrics';

/** Composition root of the Orders stream consumer: metrics, lifetime value and segments per order. */
export function createHandler(env: Env): StreamHandler {
  const config = readEnv(env, [ENV.customersTable, ENV.ordersTable, ENV.orderIdsTable]);
  const db = dynamoDocumentClient(env);
  const { models, rules, indexShards } = scoringDeps(env, db);
  const deps = {
    customers: new DynamoCustomerRepository(db, { customers: config[ENV.customersTable] }),
    orders: new DynamoOrderRepository(db, {
      orders: config[ENV.ordersTable],
      orderIds: config[ENV.orderIdsTable],
    }),
    clock: systemClock,
    scoring: { models, rules, indexShards },
  };
  return metricsStreamHandler(deps, loggerFor(env, 'orders-stream'));
}

export const handler = lambdaEntry(createHandler);
