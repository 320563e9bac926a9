import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoSurveyRepository } from '../../lib/adapters/dynamodb/dynamo-survey-repository';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { CampaignSettingsSchema } from '../../lib/domain/campaigns/campaign';
import { systemClock } from '../../lib/ports/clock';
import { throughEdge } from '../shared/edge-origin';
import type { HttpHandler } from '../shared/http';
import { linkSignerFor, withLinkKeys } from '../shared/link-signing';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { parseConfig } from '../shared/scoring-deps';
import { surveyPageHandler } from './survey';

/**
 * Composition root of the post-purchase survey's public page (`GET|POST /survey`): a function of its
 * own rather than a route of the consent pages, so that one keeps no write on the Surveys table and
 * this one carries neither the manage form's phone library nor the email sender.
 */
export function createHandler(env: Env): HttpHandler {
  const config = readEnv(env, [
    ENV.customersTable,
    ENV.surveysTable,
    ENV.linkSigningSecret,
    ENV.campaignSettings,
  ]);
  const { brandName } = parseConfig(
    ENV.campaignSettings,
    CampaignSettingsSchema,
    config[ENV.campaignSettings],
  );
  const db = dynamoDocumentClient(env);
  const links = linkSignerFor(env, config[ENV.linkSigningSecret]);
  const deps = {
    customers: new DynamoCustomerRepository(db, { customers: config[ENV.customersTable] }),
    surveys: new DynamoSurveyRepository(db, config[ENV.surveysTable]),
    links,
    clock: systemClock,
    // Never called: an answer from the page always carries its order's survey id (survey-links.ts).
    newSurveyId: () => {
      throw new Error('a survey page answer carries its own survey id');
    },
  };
  return throughEdge(
    env,
    withLinkKeys(links, surveyPageHandler(deps, { brandName }, loggerFor(env, 'survey-page'))),
  );
}

export const handler = lambdaEntry(createHandler);
