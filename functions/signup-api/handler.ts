import { randomUUID } from 'node:crypto';
import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoCustomerRepository } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';
import { systemClock } from '../../lib/ports/clock';
import { throughEdge } from '../shared/edge-origin';
import type { HttpHandler } from '../shared/http';
import { identityTable } from '../shared/identities';
import { linkSignerFor, withLinkKeys } from '../shared/link-signing';
import { metricsFor } from '../shared/metrics';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { SIGNUP_ANSWER_FLOOR_MS, signupHandler } from './signup';

/** Composition root of `POST /signups`: config → clients → adapters → handler. */
export function createHandler(env: Env): HttpHandler {
  const config = readEnv(env, [
    ENV.customersTable,
    ENV.identitiesTable,
    ENV.defaultTimeZone,
    ENV.defaultLocale,
    ENV.thankYouUrl,
    ENV.smsAllowedCountries,
    ENV.linkSigningSecret,
  ]);
  const logger = loggerFor(env, 'signup-api');
  const customers = new DynamoCustomerRepository(dynamoDocumentClient(env), {
    customers: config[ENV.customersTable],
    identities: identityTable(env),
  });
  // Signs the token of the page where a signup that asked for texts types its code.
  const links = linkSignerFor(env, config[ENV.linkSigningSecret]);
  const deps = { customers, links, clock: systemClock, newCustomerId: () => `cus_${randomUUID()}` };
  const settings = {
    defaultTimeZone: config[ENV.defaultTimeZone],
    defaultLocale: config[ENV.defaultLocale],
    thankYouUrl: config[ENV.thankYouUrl],
    smsCountries: config[ENV.smsAllowedCountries].split(','),
    answerFloorMs: Number(env[ENV.signupAnswerFloorMs] ?? SIGNUP_ANSWER_FLOOR_MS),
  };
  return throughEdge(
    env,
    withLinkKeys(links, signupHandler(deps, settings, logger, metricsFor(env, 'signup-api'))),
  );
}

export const handler = lambdaEntry(createHandler);
