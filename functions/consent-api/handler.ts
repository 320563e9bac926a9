import { dynamoDocumentClient, sesClient } from '../../lib/adapters/aws/clients';
import { DynamoConsentStore } from '../../lib/adapters/dynamodb/dynamo-consent-store';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoDeliveryLedger } from '../../lib/adapters/dynamodb/dynamo-delivery-ledger';
import { DynamoOrderRepository } from '../../lib/adapters/dynamodb/dynamo-order-repository';
import { DynamoSurveyRepository } from '../../lib/adapters/dynamodb/dynamo-survey-repository';
import { SesEmailSender } from '../../lib/adapters/ses/ses-email-sender';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { systemClock } from '../../lib/ports/clock';
import { exportCustomer } from '../../lib/use-cases/export-customer';
import { campaignCatalog, campaignSettings, linkingSettings, withCampaigns } from '../shared/campaign-deps';
import { throughEdge } from '../shared/edge-origin';
import type { HttpHandler } from '../shared/http';
import { identityTable } from '../shared/identities';
import { linkSignerFor, withLinkKeys } from '../shared/link-signing';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { consentHandler } from './consent';

/**
 * Composition root of the public pages behind signed links: `GET /confirm`, `GET|POST /unsubscribe`,
 * the manage-your-details pages (`/manage`, `/manage/export`, `/manage/link`), `GET /thanks` and the
 * phone verification code form (`GET|POST /verify-phone`).
 */
export function createHandler(env: Env): HttpHandler {
  const config = readEnv(env, [
    ENV.customersTable,
    ENV.identitiesTable,
    ENV.deliveriesTable,
    ENV.ordersTable,
    ENV.orderIdsTable,
    ENV.surveysTable,
    ENV.linkSigningSecret,
    ENV.senderEmail,
    ENV.sesConfigurationSet,
  ]);
  const settings = linkingSettings(env, campaignSettings(env));
  const db = dynamoDocumentClient(env);
  const links = linkSignerFor(env, config[ENV.linkSigningSecret]);
  const customers = new DynamoCustomerRepository(db, {
    customers: config[ENV.customersTable],
    identities: identityTable(env),
  });
  const deliveries = new DynamoDeliveryLedger(db, config[ENV.deliveriesTable]);
  const deps = { customers, links, clock: systemClock, deliveries };
  const exportDeps = {
    customers,
    orders: new DynamoOrderRepository(db, {
      orders: config[ENV.ordersTable],
      orderIds: config[ENV.orderIdsTable],
    }),
    surveys: new DynamoSurveyRepository(db, config[ENV.surveysTable]),
    deliveries,
  };
  const manage = {
    ...deps,
    settings,
    exportData: (customerId: string) => exportCustomer(exportDeps, customerId),
    consent: new DynamoConsentStore(db, { customers: config[ENV.customersTable] }),
    email: new SesEmailSender(sesClient(env), {
      from: config[ENV.senderEmail],
      configurationSet: config[ENV.sesConfigurationSet],
    }),
  };
  const verify = { customers, consent: manage.consent, links, clock: systemClock };
  const logger = loggerFor(env, 'consent-api');
  // The manage page offers the campaigns a person can opt out of: the enabled, unarchived ones.
  const handler = withCampaigns(campaignCatalog(env, db), (campaigns) => {
    const offered = campaigns
      .filter((c) => c.enabled && c.status !== 'archived')
      .map(({ id, name }) => ({ id, name }));
    return consentHandler(
      deps,
      { brandName: settings.brandName },
      logger,
      { ...manage, campaigns: offered },
      verify,
    );
  });
  return throughEdge(env, withLinkKeys(links, handler));
}

export const handler = lambdaEntry(createHandler);
