import type { Logger } from '@aws-lambda-powertools/logger';
import { ValidationError } from '../../lib/domain/validation';
import { awaitSending, type PlannerDeps, planCampaigns } from '../../lib/use-cases/plan-campaigns';
import * as z from '../../lib/zod';
import { type HttpHandler, httpHandler, json, parseJson, readBody } from '../shared/http';

const PlannerRunSchema = z.strictObject({
  /** The instant the pass runs as of (default: now). */
  at: z.optional(z.iso.datetime({ offset: true })),
  /** Wait for the queued messages to be taken by the sender (default true). */
  wait: z._default(z.boolean(), true),
});

/** Within API Gateway's 30 s: what is not sent by then is reported as pending. */
const WAIT_MS = 20_000;

/**
 * `POST /planner/runs` (admin): one planner pass as of `at`, as the hourly schedule runs it, then
 * waits until the messages it queued have been taken by the sender.
 */
export function plannerRunsHandler(deps: PlannerDeps, logger: Logger): HttpHandler {
  return httpHandler(logger, async (event) => {
    const raw = event.body ? parseJson(readBody(event, ['json']).text) : {};
    const parsed = PlannerRunSchema.safeParse(raw);
    if (!parsed.success) {
      throw new ValidationError(
        parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      );
    }
    const at = parsed.data.at ? new Date(parsed.data.at) : deps.clock.now();
    const { claimed, ...summary } = await planCampaigns(deps, at);
    const pending = parsed.data.wait ? await awaitSending(deps.ledger, claimed, WAIT_MS) : claimed.length;
    logger.info('planner run', { at: at.toISOString(), ...summary, pending });
    return json(200, { at: at.toISOString(), ...summary, pending });
  });
}
