import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoModelRepository } from '../../lib/adapters/dynamodb/dynamo-model-repository';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import type { HttpHandler } from '../shared/http';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { segmentsHandler } from './segments';

/** Composition root of `GET /segments` (an IAM-authenticated admin route). */
export function createHandler(env: Env): HttpHandler {
  const config = readEnv(env, [ENV.modelsTable]);
  const deps = {
    models: new DynamoModelRepository(dynamoDocumentClient(env), config[ENV.modelsTable]),
  };
  return segmentsHandler(deps, loggerFor(env, 'segments-api'));
}

export const handler = lambdaEntry(createHandler);
