import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sqsClient } from '../../lib/adapters/aws/clients';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoDeliveryLedger } from '../../lib/adapters/dynamodb/dynamo-delivery-ledger';
import { DynamoDueCustomers } from '../../lib/adapters/dynamodb/dynamo-due-customers';
import { SqsSendQueue } from '../../lib/adapters/sqs/sqs-send-queue';
import { ENV, type Env } from '../../lib/config/env-names';
import { unpackJson } from '../../lib/config/packed-json';
import { ConfigError, readEnv } from '../../lib/config/read-env';
import {
  type Campaign,
  type CampaignSettings,
  CampaignSettingsSchema,
  CampaignsSchema,
  type LinkingSettings,
} from '../../lib/domain/campaigns/campaign';
import { systemClock } from '../../lib/ports/clock';
import type { PlannerDeps } from '../../lib/use-cases/plan-campaigns';
import { parseConfig } from './scoring-deps';
import { indexShardsOf } from './shards';

/** The campaigns and their settings, validated at cold start (templates were checked at synth). */
export function campaignConfig(env: Env): { campaigns: Campaign[]; settings: CampaignSettings } {
  const config = readEnv(env, [ENV.campaigns, ENV.campaignSettings]);
  let json: string;
  try {
    json = unpackJson(config[ENV.campaigns]);
  } catch (err) {
    throw new ConfigError(`${ENV.campaigns} is not packed JSON (deflate + base64)`, { cause: err });
  }
  return {
    campaigns: parseConfig(ENV.campaigns, CampaignsSchema, json),
    settings: parseConfig(ENV.campaignSettings, CampaignSettingsSchema, config[ENV.campaignSettings]),
  };
}

/**
 * The campaign settings of a function that builds links to our public pages: the public base URL
 * from PUBLIC_BASE_URL (the configured one, else the HTTP API's own URL; locally the actual port).
 */
export function linkingSettings(env: Env, settings: CampaignSettings): LinkingSettings {
  return { ...settings, publicBaseUrl: readEnv(env, [ENV.publicBaseUrl])[ENV.publicBaseUrl] };
}

/** What a planner pass is built from (the scheduled planner and POST /planner/runs alike). */
export function plannerDeps(env: Env, db: DynamoDBDocumentClient): PlannerDeps {
  const config = readEnv(env, [ENV.customersTable, ENV.deliveriesTable, ENV.sendQueueUrl]);
  const { campaigns, settings } = campaignConfig(env);
  const customersTable = config[ENV.customersTable];
  return {
    due: new DynamoDueCustomers(db, customersTable, indexShardsOf(env)),
    customers: new DynamoCustomerRepository(db, { customers: customersTable }),
    ledger: new DynamoDeliveryLedger(db, config[ENV.deliveriesTable]),
    queue: new SqsSendQueue(sqsClient(env), config[ENV.sendQueueUrl]),
    clock: systemClock,
    campaigns,
    settings,
  };
}
