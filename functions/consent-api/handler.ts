import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoDeliveryLedger } from '../../lib/adapters/dynamodb/dynamo-delivery-ledger';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { CampaignSettingsSchema } from '../../lib/domain/campaigns/campaign';
import { systemClock } from '../../lib/ports/clock';
import type { HttpHandler } from '../shared/http';
import { linkSignerFor, withLinkKeys } from '../shared/link-signing';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { parseConfig } from '../shared/scoring-deps';
import { consentHandler } from './consent';

/** Composition root of the public consent pages: `GET /confirm`, `GET|POST /unsubscribe`. */
export function createHandler(env: Env): HttpHandler {
  const config = readEnv(env, [
    ENV.customersTable,
    ENV.deliveriesTable,
    ENV.linkSigningSecret,
    ENV.campaignSettings,
  ]);
  const settings = parseConfig(ENV.campaignSettings, CampaignSettingsSchema, config[ENV.campaignSettings]);
  const db = dynamoDocumentClient(env);
  const links = linkSignerFor(env, config[ENV.linkSigningSecret]);
  const deps = {
    customers: new DynamoCustomerRepository(db, { customers: config[ENV.customersTable] }),
    links,
    clock: systemClock,
    deliveries: new DynamoDeliveryLedger(db, config[ENV.deliveriesTable]),
  };
  return withLinkKeys(
    links,
    consentHandler(deps, { brandName: settings.brandName }, loggerFor(env, 'consent-api')),
  );
}

export const handler = lambdaEntry(createHandler);
