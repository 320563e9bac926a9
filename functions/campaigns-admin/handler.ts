import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCampaignStore } from '../../lib/adapters/dynamodb/dynamo-campaign-store';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { systemClock } from '../../lib/ports/clock';
import { CampaignCatalog } from '../../lib/use-cases/campaign-catalog';
import { seedCampaigns } from '../shared/campaign-deps';
import type { HttpHandler } from '../shared/http';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { campaignsAdminHandler } from './campaigns';

/**
 * Composition root of the campaign admin routes (IAM-authenticated): the one function that saves
 * campaigns, and so the one besides the sender that carries liquidjs (every template is parsed and
 * its fields checked at save time).
 */
export function createHandler(env: Env): HttpHandler {
  const config = readEnv(env, [ENV.campaignsTable]);
  const store = new DynamoCampaignStore(dynamoDocumentClient(env), config[ENV.campaignsTable]);
  const deps = {
    store,
    clock: systemClock,
    catalog: new CampaignCatalog(store, seedCampaigns(env), systemClock),
  };
  return campaignsAdminHandler(deps, loggerFor(env, 'campaigns-admin'));
}

export const handler = lambdaEntry(createHandler);
