import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import type { Env } from '../../lib/config/env-names';
import { plannerDeps } from '../shared/campaign-deps';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import type { StreamHandler } from '../shared/stream';
import { campaignTriggersHandler } from './triggers';

/** Composition root of the Customers stream's message triggers (confirmation email, welcome). */
export function createHandler(env: Env): StreamHandler {
  return campaignTriggersHandler(
    plannerDeps(env, dynamoDocumentClient(env)),
    loggerFor(env, 'campaign-triggers'),
  );
}

export const handler = lambdaEntry(createHandler);
