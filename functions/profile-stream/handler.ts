import { dynamoDocumentClient, eventBridgeClient } from '../../lib/adapters/aws/clients';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoSegmentMembers } from '../../lib/adapters/dynamodb/dynamo-segment-members';
import { EventBridgePublisher } from '../../lib/adapters/eventbridge/eventbridge-publisher';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { systemClock } from '../../lib/ports/clock';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { scoringDeps } from '../shared/scoring-deps';
import type { StreamHandler } from '../shared/stream';
import { profileStreamHandler } from './profile';

/** Composition root of the Customers stream consumer: segment events and members, scores and derived keys. */
export function createHandler(env: Env): StreamHandler {
  const config = readEnv(env, [ENV.customersTable, ENV.eventBusName, ENV.segmentMembersTable]);
  const db = dynamoDocumentClient(env);
  const { models, rules, indexShards } = scoringDeps(env, db);
  const deps = {
    customers: new DynamoCustomerRepository(db, { customers: config[ENV.customersTable] }),
    events: new EventBridgePublisher(eventBridgeClient(env), config[ENV.eventBusName]),
    members: new DynamoSegmentMembers(db, config[ENV.segmentMembersTable], indexShards),
    models,
    rules,
    indexShards,
    clock: systemClock,
  };
  return profileStreamHandler(deps, loggerFor(env, 'profile-stream'));
}

export const handler = lambdaEntry(createHandler);
