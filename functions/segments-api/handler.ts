import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoModelRepository } from '../../lib/adapters/dynamodb/dynamo-model-repository';
import { DynamoSegmentMembers } from '../../lib/adapters/dynamodb/dynamo-segment-members';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { RuleSegmentsSchema } from '../../lib/domain/rule-segments';
import type { HttpHandler } from '../shared/http';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { parseConfig } from '../shared/scoring-deps';
import { indexShardsOf } from '../shared/shards';
import { segmentsHandler } from './segments';

/** Composition root of `GET /segments` and a segment's members, count and export (IAM-authenticated admin routes). */
export function createHandler(env: Env): HttpHandler {
  const config = readEnv(env, [
    ENV.modelsTable,
    ENV.segmentMembersTable,
    ENV.customersTable,
    ENV.ruleSegments,
  ]);
  const db = dynamoDocumentClient(env);
  const rules = parseConfig(ENV.ruleSegments, RuleSegmentsSchema, config[ENV.ruleSegments]);
  const deps = {
    models: new DynamoModelRepository(db, config[ENV.modelsTable]),
    members: new DynamoSegmentMembers(db, config[ENV.segmentMembersTable], indexShardsOf(env)),
    customers: new DynamoCustomerRepository(db, { customers: config[ENV.customersTable] }),
    ruleIds: rules.map((rule) => rule.id),
  };
  return segmentsHandler(deps, loggerFor(env, 'segments-api'));
}

export const handler = lambdaEntry(createHandler);
