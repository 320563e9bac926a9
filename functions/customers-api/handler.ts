import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoDeliveryLedger } from '../../lib/adapters/dynamodb/dynamo-delivery-ledger';
import { DynamoDueCustomers } from '../../lib/adapters/dynamodb/dynamo-due-customers';
import { DynamoOrderRepository } from '../../lib/adapters/dynamodb/dynamo-order-repository';
import { DynamoSurveyRepository } from '../../lib/adapters/dynamodb/dynamo-survey-repository';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { systemClock } from '../../lib/ports/clock';
import type { HttpHandler } from '../shared/http';
import { identityTable } from '../shared/identities';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { indexShardsOf } from '../shared/shards';
import { customersHandler } from './customers';

/** Composition root of the admin customer routes: read, export, erase, the next days' occasions (IAM-authenticated). */
export function createHandler(env: Env): HttpHandler {
  const config = readEnv(env, [
    ENV.customersTable,
    ENV.identitiesTable,
    ENV.ordersTable,
    ENV.orderIdsTable,
    ENV.surveysTable,
    ENV.deliveriesTable,
  ]);
  const db = dynamoDocumentClient(env);
  const deps = {
    customers: new DynamoCustomerRepository(db, {
      customers: config[ENV.customersTable],
      identities: identityTable(env),
    }),
    // Reads the order history only; the id table is named because the adapter takes both.
    orders: new DynamoOrderRepository(db, {
      orders: config[ENV.ordersTable],
      orderIds: config[ENV.orderIdsTable],
    }),
    surveys: new DynamoSurveyRepository(db, config[ENV.surveysTable]),
    deliveries: new DynamoDeliveryLedger(db, config[ENV.deliveriesTable]),
    due: new DynamoDueCustomers(db, config[ENV.customersTable], indexShardsOf(env)),
    clock: systemClock,
  };
  return customersHandler(deps, loggerFor(env, 'customers-api'));
}

export const handler = lambdaEntry(createHandler);
