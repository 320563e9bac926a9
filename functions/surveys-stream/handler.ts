import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoSurveyRepository } from '../../lib/adapters/dynamodb/dynamo-survey-repository';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import type { StreamHandler } from '../shared/stream';
import { satisfactionStreamHandler } from './satisfaction';

/** Composition root of the Surveys stream consumer: keeps each profile's satisfaction current. */
export function createHandler(env: Env): StreamHandler {
  const config = readEnv(env, [ENV.customersTable, ENV.surveysTable]);
  const db = dynamoDocumentClient(env);
  const deps = {
    customers: new DynamoCustomerRepository(db, { customers: config[ENV.customersTable] }),
    surveys: new DynamoSurveyRepository(db, config[ENV.surveysTable]),
  };
  return satisfactionStreamHandler(deps, loggerFor(env, 'surveys-stream'));
}

export const handler = lambdaEntry(createHandler);
