import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { HmacLinkSigner } from '../../lib/adapters/crypto/hmac-link-signer';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { CampaignSettingsSchema } from '../../lib/domain/campaigns/campaign';
import { systemClock } from '../../lib/ports/clock';
import type { HttpHandler } from '../shared/http';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { parseConfig } from '../shared/scoring-deps';
import { consentHandler } from './consent';

/** Composition root of the public consent pages: `GET /confirm`, `GET|POST /unsubscribe`. */
export function createHandler(env: Env): HttpHandler {
  const config = readEnv(env, [ENV.customersTable, ENV.linkSigningKey, ENV.campaignSettings]);
  const settings = parseConfig(ENV.campaignSettings, CampaignSettingsSchema, config[ENV.campaignSettings]);
  const deps = {
    customers: new DynamoCustomerRepository(dynamoDocumentClient(env), {
      customers: config[ENV.customersTable],
    }),
    links: new HmacLinkSigner(config[ENV.linkSigningKey]),
    clock: systemClock,
  };
  return consentHandler(deps, { brandName: settings.brandName }, loggerFor(env, 'consent-api'));
}

export const handler = lambdaEntry(createHandler);
