import { randomUUID } from 'node:crypto';
import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoSurveyRepository } from '../../lib/adapters/dynamodb/dynamo-survey-repository';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { systemClock } from '../../lib/ports/clock';
import type { HttpHandler } from '../shared/http';
import { identityTable } from '../shared/identities';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { surveysHandler } from './surveys';

/** Composition root of `POST /surveys` (IAM-authenticated ingest, like `POST /orders`). */
export function createHandler(env: Env): HttpHandler {
  const config = readEnv(env, [ENV.customersTable, ENV.identitiesTable, ENV.surveysTable]);
  const db = dynamoDocumentClient(env);
  const deps = {
    customers: new DynamoCustomerRepository(db, {
      customers: config[ENV.customersTable],
      identities: identityTable(env),
    }),
    surveys: new DynamoSurveyRepository(db, config[ENV.surveysTable]),
    clock: systemClock,
    newSurveyId: () => `srv_${randomUUID()}`,
  };
  return surveysHandler(deps, loggerFor(env, 'surveys-api'));
}

export const handler = lambdaEntry(createHandler);
