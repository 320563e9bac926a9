import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import type { Env } from '../../lib/config/env-names';
import { plannerDeps } from '../shared/campaign-deps';
import type { HttpHandler } from '../shared/http';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { plannerRunsHandler } from './planner-runs';

/** Composition root of the campaigns admin API: `POST /planner/runs`. */
export function createHandler(env: Env): HttpHandler {
  return plannerRunsHandler(plannerDeps(env, dynamoDocumentClient(env)), loggerFor(env, 'campaigns-api'));
}

export const handler = lambdaEntry(createHandler);
