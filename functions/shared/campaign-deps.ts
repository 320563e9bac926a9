import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sqsClient } from '../../lib/adapters/aws/clients';
import { DynamoCampaignStore } from '../../lib/adapters/dynamodb/dynamo-campaign-store';
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
import type { VersionedCampaign } from '../../lib/domain/campaigns/campaign-versions';
import { systemClock } from '../../lib/ports/clock';
import { CampaignCatalog } from '../../lib/use-cases/campaign-catalog';
import type { PlannerDeps } from '../../lib/use-cases/plan-campaigns';
import { parseConfig } from './scoring-deps';
import { indexShardsOf } from './shards';

/** The config file's campaigns (the campaign store's seed), validated at cold start (templates were checked at synth). */
export function seedCampaigns(env: Env): Campaign[] {
  const config = readEnv(env, [ENV.campaigns]);
  let json: string;
  try {
    json = unpackJson(config[ENV.campaigns]);
  } catch (err) {
    throw new ConfigError(`${ENV.campaigns} is not packed JSON (deflate + base64)`, { cause: err });
  }
  return parseConfig(ENV.campaigns, CampaignsSchema, json);
}

/** The settings every campaign shares (from config: they are not versioned data). */
export const campaignSettings = (env: Env): CampaignSettings =>
  parseConfig(
    ENV.campaignSettings,
    CampaignSettingsSchema,
    readEnv(env, [ENV.campaignSettings])[ENV.campaignSettings],
  );

/** A function's campaign catalog (one per cold start): the store, seeded from the config file. */
export function campaignCatalog(env: Env, db: DynamoDBDocumentClient): CampaignCatalog {
  const table = readEnv(env, [ENV.campaignsTable])[ENV.campaignsTable];
  return new CampaignCatalog(new DynamoCampaignStore(db, table), seedCampaigns(env), systemClock);
}

/**
 * A handler that sees the current campaigns: each invocation asks the catalog (which reads the
 * store at most once a minute) and the handler is built again from `build` whenever the catalog
 * read them again, so a saved change is used from then on without a restart or deploy.
 */
export function withCampaigns<A extends unknown[], R>(
  catalog: Pick<CampaignCatalog, 'campaigns'>,
  build: (campaigns: readonly VersionedCampaign[]) => (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  let built: { campaigns: readonly VersionedCampaign[]; handler: (...args: A) => Promise<R> } | undefined;
  return async (...args) => {
    const campaigns = await catalog.campaigns();
    if (built?.campaigns !== campaigns) built = { campaigns, handler: build(campaigns) };
    return built.handler(...args);
  };
}

/**
 * The campaign settings of a function that builds links to our public pages: the public base URL
 * from PUBLIC_BASE_URL (the configured one, else the HTTP API's own URL; locally the actual port).
 */
export function linkingSettings(env: Env, settings: CampaignSettings): LinkingSettings {
  return { ...settings, publicBaseUrl: readEnv(env, [ENV.publicBaseUrl])[ENV.publicBaseUrl] };
}

/**
 * What a planner pass is built from (the scheduled planner and POST /planner/runs alike), but the
 * campaigns: those come from the catalog at each invocation (withCampaigns).
 */
export function plannerDeps(env: Env, db: DynamoDBDocumentClient): Omit<PlannerDeps, 'campaigns'> {
  const config = readEnv(env, [ENV.customersTable, ENV.deliveriesTable, ENV.sendQueueUrl]);
  const settings = campaignSettings(env);
  const customersTable = config[ENV.customersTable];
  return {
    due: new DynamoDueCustomers(db, customersTable, indexShardsOf(env)),
    customers: new DynamoCustomerRepository(db, { customers: customersTable }),
    ledger: new DynamoDeliveryLedger(db, config[ENV.deliveriesTable]),
    queue: new SqsSendQueue(sqsClient(env), config[ENV.sendQueueUrl]),
    clock: systemClock,
    settings,
  };
}
