import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoConsentStore } from '../../lib/adapters/dynamodb/dynamo-consent-store';
import { DynamoDeliveryLedger } from '../../lib/adapters/dynamodb/dynamo-delivery-ledger';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { identityTable } from '../shared/identities';
import { metricsFor } from '../shared/metrics';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { type FeedbackHandler, sesFeedbackHandler } from './feedback';

/**
 * Composition root of the provider feedback consumer: SES events (EventBridge rule on `source:
 * aws.ses`) and End User Messaging SMS events (the SMS configuration set's SNS topic).
 */
export function createHandler(env: Env): FeedbackHandler {
  const config = readEnv(env, [ENV.customersTable, ENV.identitiesTable, ENV.deliveriesTable]);
  const db = dynamoDocumentClient(env);
  const deps = {
    ledger: new DynamoDeliveryLedger(db, config[ENV.deliveriesTable]),
    consent: new DynamoConsentStore(db, {
      customers: config[ENV.customersTable],
      identities: identityTable(env),
    }),
  };
  return sesFeedbackHandler(deps, loggerFor(env, 'ses-feedback'), metricsFor(env, 'ses-feedback'));
}

export const handler = lambdaEntry(createHandler);
