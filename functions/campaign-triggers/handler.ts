import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import {
  DynamoConfirmationLimiter,
  PHONE_CODES,
} from '../../lib/adapters/dynamodb/dynamo-confirmation-limiter';
import type { Env } from '../../lib/config/env-names';
import { campaignCatalog, plannerDeps, withCampaigns } from '../shared/campaign-deps';
import { identityTable } from '../shared/identities';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import type { StreamHandler } from '../shared/stream';
import { campaignTriggersHandler } from './triggers';

/** Composition root of the Customers stream's message triggers (confirmation email, phone code, welcome). */
export function createHandler(env: Env): StreamHandler {
  const db = dynamoDocumentClient(env);
  // Confirmation emails counted per mailbox, under a keyed pseudonym in the Identities table.
  const confirmations = new DynamoConfirmationLimiter(db, identityTable(env));
  // Verification code texts counted per number, the same way.
  const phoneCodes = new DynamoConfirmationLimiter(db, identityTable(env), PHONE_CODES);
  const base = { ...plannerDeps(env, db), confirmations, phoneCodes };
  const logger = loggerFor(env, 'campaign-triggers');
  return withCampaigns(campaignCatalog(env, db), (campaigns) =>
    campaignTriggersHandler({ ...base, campaigns }, logger),
  );
}

export const handler = lambdaEntry(createHandler);
