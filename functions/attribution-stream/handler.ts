import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCampaignStatsStore } from '../../lib/adapters/dynamodb/dynamo-campaign-stats-store';
import { DynamoDeliveryLedger } from '../../lib/adapters/dynamodb/dynamo-delivery-ledger';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { campaignCatalog, withCampaigns } from '../shared/campaign-deps';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { counterShardsOf } from '../shared/shards';
import type { StreamHandler } from '../shared/stream';
import { attributionStreamHandler } from './attribution';

/** Composition root of the Orders stream's attribution consumer. */
export function createHandler(env: Env): StreamHandler {
  const config = readEnv(env, [ENV.deliveriesTable, ENV.campaignStatsTable, ENV.defaultTimeZone]);
  const db = dynamoDocumentClient(env);
  const deps = {
    ledger: new DynamoDeliveryLedger(db, config[ENV.deliveriesTable]),
    stats: new DynamoCampaignStatsStore(db, config[ENV.campaignStatsTable], counterShardsOf(env)),
    timeZone: config[ENV.defaultTimeZone],
  };
  const logger = loggerFor(env, 'attribution-stream');
  return withCampaigns(campaignCatalog(env, db), (campaigns) =>
    attributionStreamHandler({ ...deps, campaigns }, logger),
  );
}

export const handler = lambdaEntry(createHandler);
