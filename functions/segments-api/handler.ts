import { dynamoDocumentClient, eventBridgeClient } from '../../lib/adapters/aws/clients';
import { DynamoModelRepository } from '../../lib/adapters/dynamodb/dynamo-model-repository';
import { EventBridgePublisher } from '../../lib/adapters/eventbridge/eventbridge-publisher';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { systemClock } from '../../lib/ports/clock';
import type { HttpHandler } from '../shared/http';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { segmentsHandler } from './segments';

/** Composition root of `GET /segments` and `POST /model/refit` (IAM-authenticated admin routes). */
export function createHandler(env: Env): HttpHandler {
  const config = readEnv(env, [ENV.modelsTable, ENV.eventBusName]);
  const deps = {
    models: new DynamoModelRepository(dynamoDocumentClient(env), config[ENV.modelsTable]),
    events: new EventBridgePublisher(eventBridgeClient(env), config[ENV.eventBusName]),
    clock: systemClock,
  };
  return segmentsHandler(deps, loggerFor(env, 'segments-api'));
}

export const handler = lambdaEntry(createHandler);
