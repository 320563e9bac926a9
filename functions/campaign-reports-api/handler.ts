import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCampaignStatsReader } from '../../lib/adapters/dynamodb/dynamo-campaign-stats-reader';
import { DynamoModelRepository } from '../../lib/adapters/dynamodb/dynamo-model-repository';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { ReportSettingsSchema } from '../../lib/domain/measurement/report';
import { systemClock } from '../../lib/ports/clock';
import { campaignCatalog, withCampaigns } from '../shared/campaign-deps';
import type { HttpHandler } from '../shared/http';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { parseConfig } from '../shared/scoring-deps';
import { counterShardsOf } from '../shared/shards';
import { campaignReportsHandler } from './reports';

/** Composition root of `GET /campaigns` and `GET /campaigns/{id}/report` (IAM-authenticated admin routes). */
export function createHandler(env: Env): HttpHandler {
  const config = readEnv(env, [
    ENV.campaignStatsTable,
    ENV.modelsTable,
    ENV.reportSettings,
    ENV.reportingCurrency,
    ENV.defaultTimeZone,
  ]);
  const db = dynamoDocumentClient(env);
  const deps = {
    stats: new DynamoCampaignStatsReader(db, config[ENV.campaignStatsTable], counterShardsOf(env)),
    models: new DynamoModelRepository(db, config[ENV.modelsTable]),
    clock: systemClock,
    settings: parseConfig(ENV.reportSettings, ReportSettingsSchema, config[ENV.reportSettings]),
    currency: config[ENV.reportingCurrency],
    timeZone: config[ENV.defaultTimeZone],
  };
  const logger = loggerFor(env, 'campaign-reports-api');
  return withCampaigns(campaignCatalog(env, db), (campaigns) =>
    campaignReportsHandler({ ...deps, campaigns }, logger),
  );
}

export const handler = lambdaEntry(createHandler);
