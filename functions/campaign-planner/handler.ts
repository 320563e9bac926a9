import type { Context } from 'aws-lambda';
import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import type { Env } from '../../lib/config/env-names';
import { type PlannerDeps, planCampaigns } from '../../lib/use-cases/plan-campaigns';
import * as z from '../../lib/zod';
import { campaignCatalog, plannerDeps, withCampaigns } from '../shared/campaign-deps';
import { type HttpResult, isHttpRequest } from '../shared/http';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { plannerRunsHandler } from './planner-runs';

/** The schedule's input: its scheduled time (`<aws.scheduler.scheduled-time>`), so a late or retried run plans as of its hour. */
const PlannerEventSchema = z.catchall(z.partial(z.object({ time: z.iso.datetime() })), z.unknown());

export interface PlannerResult {
  at: string;
  due: number;
  queued: number;
  heldOut: number;
  skipped: Record<string, number>;
  requeued: number;
  /** Rows of due people an interrupted send left `unknown`, inside their quiet period: reported. */
  unknown: number;
  /** Rows left `unknown` past their quiet period with no provider event: queued again. */
  retried: number;
}

/** The hourly campaign planner (EventBridge Scheduler): who is due now → eligibility → ledger → send queue. */
export function plannerHandler(
  deps: PlannerDeps,
  logger: ReturnType<typeof loggerFor>,
): (event: unknown, context?: Context) => Promise<PlannerResult> {
  return async (event, context) => {
    if (context) logger.addContext(context);
    const at = new Date(PlannerEventSchema.parse(event ?? {}).time ?? deps.clock.now().toISOString());
    const { claimed: _, ...summary } = await planCampaigns(deps, at);
    const result = { at: at.toISOString(), ...summary };
    logger.info('campaigns planned', { ...result });
    return result;
  };
}

/**
 * One function owns planning: the hourly schedule's pass and `POST /planner/runs` (an operator's pass
 * "as of" an instant, see planner-runs.ts), told apart by the event's shape.
 */
export function createHandler(
  env: Env,
): (event: unknown, context?: Context) => Promise<PlannerResult | HttpResult> {
  const db = dynamoDocumentClient(env);
  const base = plannerDeps(env, db);
  const logger = loggerFor(env, 'campaign-planner');
  return withCampaigns(campaignCatalog(env, db), (campaigns) => {
    const deps = { ...base, campaigns };
    const scheduled = plannerHandler(deps, logger);
    const runs = plannerRunsHandler(deps, logger);
    return (event: unknown, context?: Context): Promise<PlannerResult | HttpResult> =>
      isHttpRequest(event) ? runs(event, context as Context) : scheduled(event, context);
  });
}

export const handler = lambdaEntry(createHandler);
