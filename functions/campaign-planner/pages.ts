import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type PlannerDeps, PlannerPageSchema, planPage } from '../../lib/use-cases/plan-campaigns';

/** An SQS delivery (the planner's page queue), as opposed to a schedule's event or a route's request. */
export const isQueueEvent = (event: unknown): event is SQSEvent =>
  Array.isArray((event as { Records?: unknown })?.Records) &&
  (event as SQSEvent).Records.every((record) => record.eventSource === 'aws:sqs');

/**
 * The page queue's consumer (a fanned-out pass, see planPage): each page claimed on its own; a page
 * that fails (DynamoDB, the send queue) is reported and retried by the queue, then kept in its
 * dead-letter queue; a redelivered page claims nothing twice. Logs counts, never a person.
 */
export function plannerPagesHandler(deps: PlannerDeps, logger: Logger) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        const page = PlannerPageSchema.parse(JSON.parse(record.body));
        const { claimed: _, ...summary } = await planPage(deps, page);
        logger.info('planner page claimed', { campaignId: page.campaignId, at: page.at, ...summary });
      } catch (err) {
        logger.error('planner page failed', { messageId: record.messageId, error: (err as Error).name });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
