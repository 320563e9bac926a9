import type { Context, SQSBatchResponse } from 'aws-lambda';
import { dynamoDocumentClient, sqsClient } from '../../lib/adapters/aws/clients';
import { SqsPlannerPages } from '../../lib/adapters/sqs/sqs-planner-pages';
import { ENV, type Env } from '../../lib/config/env-names';
import { ConfigError, readEnv } from '../../lib/config/read-env';
import { type PlannerDeps, planCampaigns } from '../../lib/use-cases/plan-campaigns';
import * as z from '../../lib/zod';
import { campaignCatalog, plannerDeps, withCampaigns } from '../shared/campaign-deps';
import { type HttpResult, isHttpRequest } from '../shared/http';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { isQueueEvent, plannerPagesHandler } from './pages';
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
  /** Pages of a large due set put on the page queue (fan-out), claimed in parallel by this function. */
  paged: number;
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
 * One function owns planning: the hourly schedule's pass, `POST /planner/runs` (an operator's pass
 * "as of" an instant, see planner-runs.ts) and the pages of a fanned-out pass (pages.ts), told apart
 * by the event's shape.
 */
export function createHandler(
  env: Env,
): (event: unknown, context?: Context) => Promise<PlannerResult | HttpResult | SQSBatchResponse> {
  const db = dynamoDocumentClient(env);
  const base = { ...plannerDeps(env, db), pages: pagesOf(env) };
  const logger = loggerFor(env, 'campaign-planner');
  return withCampaigns(campaignCatalog(env, db), (campaigns) => {
    const deps = { ...base, campaigns };
    const scheduled = plannerHandler(deps, logger);
    const runs = plannerRunsHandler(deps, logger);
    const pages = plannerPagesHandler(deps, logger);
    return (event: unknown, context?: Context): Promise<PlannerResult | HttpResult | SQSBatchResponse> => {
      if (isHttpRequest(event)) return runs(event, context as Context);
      if (isQueueEvent(event)) return pages(event);
      return scheduled(event, context);
    };
  });
}

/** A due set larger than a page is fanned out over the page queue (planPage, pages.ts). */
function pagesOf(env: Env): NonNullable<PlannerDeps['pages']> {
  const config = readEnv(env, [ENV.plannerPagesQueueUrl, ENV.plannerPageSize]);
  const size = Number(config[ENV.plannerPageSize]);
  if (!Number.isInteger(size) || size < 1) {
    throw new ConfigError(`${ENV.plannerPageSize} must be a whole number ≥ 1`);
  }
  return { size, queue: new SqsPlannerPages(sqsClient(env), config[ENV.plannerPagesQueueUrl]) };
}

export const handler = lambdaEntry(createHandler);
