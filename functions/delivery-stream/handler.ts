import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCampaignStatsStore } from '../../lib/adapters/dynamodb/dynamo-campaign-stats-store';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { counterShardsOf } from '../shared/shards';
import type { StreamHandler } from '../shared/stream';
import { deliveryStreamHandler } from './funnel';

/** Composition root of the Deliveries stream consumer: campaign funnel counters. */
export function createHandler(env: Env): StreamHandler {
  const config = readEnv(env, [ENV.campaignStatsTable, ENV.defaultTimeZone]);
  const deps = {
    stats: new DynamoCampaignStatsStore(
      dynamoDocumentClient(env),
      config[ENV.campaignStatsTable],
      counterShardsOf(env),
    ),
    timeZone: config[ENV.defaultTimeZone],
  };
  return deliveryStreamHandler(deps, loggerFor(env, 'delivery-stream'));
}

export const handler = lambdaEntry(createHandler);
