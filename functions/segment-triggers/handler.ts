import type { Context } from 'aws-lambda';
import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import type { Env } from '../../lib/config/env-names';
import { parseOrThrow } from '../../lib/domain/validation';
import { onSegmentEntered, type TriggerDeps, type TriggerOutcome } from '../../lib/use-cases/trigger-message';
import * as z from '../../lib/zod';
import { campaignCatalog, plannerDeps, withCampaigns } from '../shared/campaign-deps';
import { lambdaEntry, loggerFor } from '../shared/runtime';

const SegmentEnteredSchema = z.object({
  'detail-type': z.literal('SegmentEntered'),
  detail: z.object({
    version: z.literal(1),
    customerId: z.string().check(z.minLength(1)),
    kind: z.string().check(z.minLength(1)),
    segment: z.string().check(z.minLength(1)),
    at: z.iso.datetime({ offset: true }),
    historyChanged: z.optional(z.boolean()),
  }),
});

type Handler = (event: unknown, context?: Context) => Promise<TriggerOutcome[]>;

/**
 * `SegmentEntered` from the app's bus (the profile stream publishes it): the campaigns on entering
 * a segment (win-back on `lifecycle:at_risk`), through eligibility → ledger claim → send queue. An
 * event that does not parse throws: retried, then kept in the failure queue.
 */
export function segmentTriggersHandler(deps: TriggerDeps, logger: ReturnType<typeof loggerFor>): Handler {
  return async (event, context) => {
    if (context) logger.addContext(context);
    const { detail } = parseOrThrow(SegmentEnteredSchema, event);
    const outcomes = await onSegmentEntered(deps, detail);
    for (const outcome of outcomes)
      logger.info('message triggered', { customerId: detail.customerId, ...outcome });
    return outcomes;
  };
}

export function createHandler(env: Env): Handler {
  const db = dynamoDocumentClient(env);
  const base = plannerDeps(env, db);
  const logger = loggerFor(env, 'segment-triggers');
  return withCampaigns(campaignCatalog(env, db), (campaigns) =>
    segmentTriggersHandler({ ...base, campaigns }, logger),
  );
}

export const handler = lambdaEntry(createHandler);
