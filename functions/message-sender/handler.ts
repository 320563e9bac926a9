import { dynamoDocumentClient, sesClient, snsClient, sqsClient } from '../../lib/adapters/aws/clients';
import { DynamoConsentStore } from '../../lib/adapters/dynamodb/dynamo-consent-store';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoDeliveryLedger } from '../../lib/adapters/dynamodb/dynamo-delivery-ledger';
import { DynamoSmsNumberDays } from '../../lib/adapters/dynamodb/dynamo-sms-number-days';
import { SesEmailSender } from '../../lib/adapters/ses/ses-email-sender';
import { SnsSmsSender } from '../../lib/adapters/sns/sns-sms-sender';
import { SqsSendQueue } from '../../lib/adapters/sqs/sqs-send-queue';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { systemClock } from '../../lib/ports/clock';
import { campaignConfig, linkingSettings } from '../shared/campaign-deps';
import { identityTable } from '../shared/identities';
import { linkSignerFor, withLinkKeys } from '../shared/link-signing';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { type QueueHandler, senderHandler } from './sender';

/** Composition root of the message sender (the send queue's consumer): SES v2 email, SNS SMS. */
export function createHandler(env: Env): QueueHandler {
  const config = readEnv(env, [
    ENV.customersTable,
    ENV.deliveriesTable,
    ENV.senderEmail,
    ENV.sesConfigurationSet,
    ENV.linkSigningSecret,
    ENV.sendQueueUrl,
    ENV.identitiesTable,
  ]);
  const db = dynamoDocumentClient(env);
  const { campaigns, settings } = campaignConfig(env);
  const links = linkSignerFor(env, config[ENV.linkSigningSecret]);
  const deps = {
    customers: new DynamoCustomerRepository(db, { customers: config[ENV.customersTable] }),
    ledger: new DynamoDeliveryLedger(db, config[ENV.deliveriesTable]),
    email: new SesEmailSender(sesClient(env), {
      from: config[ENV.senderEmail],
      configurationSet: config[ENV.sesConfigurationSet],
    }),
    sms: new SnsSmsSender(snsClient(env)),
    links,
    queue: new SqsSendQueue(sqsClient(env), config[ENV.sendQueueUrl]),
    consent: new DynamoConsentStore(db, {
      customers: config[ENV.customersTable],
      identities: identityTable(env),
    }),
    numbers: new DynamoSmsNumberDays(db, config[ENV.identitiesTable]),
    clock: systemClock,
    campaigns,
    settings: linkingSettings(env, settings),
  };
  return withLinkKeys(links, senderHandler(deps, loggerFor(env, 'message-sender')));
}

export const handler = lambdaEntry(createHandler);
