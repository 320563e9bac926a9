import { dynamoDocumentClient, sesClient, smsVoiceClient, sqsClient } from '../../lib/adapters/aws/clients';
import { DynamoConsentStore } from '../../lib/adapters/dynamodb/dynamo-consent-store';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoDeliveryLedger } from '../../lib/adapters/dynamodb/dynamo-delivery-ledger';
import { DynamoSmsNumberDays } from '../../lib/adapters/dynamodb/dynamo-sms-number-days';
import { InProcessSendPacer } from '../../lib/adapters/pacing/in-process-send-pacer';
import { sesMaxSendRate } from '../../lib/adapters/ses/ses-account-rate';
import { SesEmailSender } from '../../lib/adapters/ses/ses-email-sender';
import { EumSmsSender } from '../../lib/adapters/sms-voice/eum-sms-sender';
import { SqsSendQueue } from '../../lib/adapters/sqs/sqs-send-queue';
import { ENV, type Env } from '../../lib/config/env-names';
import { ConfigError, readEnv } from '../../lib/config/read-env';
import {
  FALLBACK_EMAIL_RATE,
  type SendLane,
  SendRateSettingsSchema,
  smsLaneRate,
} from '../../lib/domain/campaigns/send-rate';
import { systemClock } from '../../lib/ports/clock';
import { campaignCatalog, campaignSettings, linkingSettings, withCampaigns } from '../shared/campaign-deps';
import { identityTable } from '../shared/identities';
import { linkSignerFor, withLinkKeys } from '../shared/link-signing';
import { metricsFor } from '../shared/metrics';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { parseConfig } from '../shared/scoring-deps';
import { type QueueHandler, senderHandler } from './sender';

/** Composition root of the message sender (the send queue's consumer): SES v2 email, End User Messaging SMS. */
export function createHandler(env: Env): QueueHandler {
  const config = readEnv(env, [
    ENV.customersTable,
    ENV.deliveriesTable,
    ENV.senderEmail,
    ENV.sesConfigurationSet,
    ENV.smsConfigurationSet,
    ENV.smsOptOutList,
    ENV.linkSigningSecret,
    ENV.sendQueueUrl,
    ENV.identitiesTable,
    ENV.sendRates,
    ENV.sendRateInstances,
  ]);
  const logger = loggerFor(env, 'message-sender');
  const db = dynamoDocumentClient(env);
  const ses = sesClient(env);
  const settings = campaignSettings(env);
  const links = linkSignerFor(env, config[ENV.linkSigningSecret]);
  const deps = {
    customers: new DynamoCustomerRepository(db, { customers: config[ENV.customersTable] }),
    ledger: new DynamoDeliveryLedger(db, config[ENV.deliveriesTable]),
    email: new SesEmailSender(sesClient(env, { sending: true }), {
      from: config[ENV.senderEmail],
      configurationSet: config[ENV.sesConfigurationSet],
    }),
    sms: new EumSmsSender(
      smsVoiceClient(env, { sending: true }),
      {
        configurationSet: config[ENV.smsConfigurationSet],
        optOutList: config[ENV.smsOptOutList],
        ...(env[ENV.smsOriginationIdentity] ? { originationIdentity: env[ENV.smsOriginationIdentity] } : {}),
      },
      smsVoiceClient(env),
    ),
    links,
    queue: new SqsSendQueue(sqsClient(env), config[ENV.sendQueueUrl]),
    consent: new DynamoConsentStore(db, {
      customers: config[ENV.customersTable],
      identities: identityTable(env),
    }),
    numbers: new DynamoSmsNumberDays(db, config[ENV.identitiesTable]),
    pacer: new InProcessSendPacer({
      rateOf: laneRates(config[ENV.sendRates], ses, logger),
      instances: positiveInt(ENV.sendRateInstances, config[ENV.sendRateInstances]),
    }),
    clock: systemClock,
    settings: linkingSettings(env, settings),
  };
  // Made once, at cold start: Powertools reads POWERTOOLS_METRICS_DISABLED when it is constructed.
  const metrics = metricsFor({}, 'message-sender');
  // The campaign's status (paused, archived) is checked at send time against the catalog's copy.
  return withLinkKeys(
    links,
    withCampaigns(campaignCatalog(env, db), (campaigns) =>
      senderHandler({ ...deps, campaigns }, logger, metrics),
    ),
  );
}

/**
 * Each lane's account-wide rate: email as configured, else SES's MaxSendRate (GetAccount, asked once
 * per cold start, when the first email is paced); if SES cannot say, the sandbox's 1 a second (the
 * safe side), logged. SMS per destination country, as configured.
 */
function laneRates(json: string, ses: ReturnType<typeof sesClient>, logger: ReturnType<typeof loggerFor>) {
  const settings = parseConfig(ENV.sendRates, SendRateSettingsSchema, json);
  return async (lane: SendLane): Promise<number> => {
    if (lane !== 'email') return smsLaneRate(settings, lane);
    if (settings.email !== undefined) return settings.email;
    try {
      const rate = await sesMaxSendRate(ses);
      if (rate !== undefined) return rate;
      logger.warn('SES GetAccount gave no MaxSendRate; pacing email at the fallback rate', {
        ratePerSecond: FALLBACK_EMAIL_RATE,
      });
    } catch (err) {
      logger.warn('SES GetAccount failed; pacing email at the fallback rate', {
        ratePerSecond: FALLBACK_EMAIL_RATE,
        errorName: (err as Error)?.name,
      });
    }
    return FALLBACK_EMAIL_RATE;
  };
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${name} must be a positive integer`);
  return n;
}

export const handler = lambdaEntry(createHandler);
