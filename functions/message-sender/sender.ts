import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { SendRequestSchema } from '../../lib/domain/campaigns/delivery';
import { type SenderDeps, sendMessage } from '../../lib/use-cases/send-message';
import { count, countBy, flushMetrics, METRIC, type Metrics, metricsFor } from '../shared/metrics';

export type QueueHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * The send queue's consumer, with partial batch responses: a message that throws (DynamoDB failed)
 * is retried by the queue, then kept in its dead-letter queue; the others of the batch are done. A
 * message the provider throttled is not an error: it comes back later (the outcome `deferred`). Logs ids and outcomes, never an address or a message body.
 */
export function senderHandler(
  deps: SenderDeps,
  logger: Logger,
  metrics: Metrics = metricsFor({}, 'message-sender'),
): QueueHandler {
  const processor = new BatchProcessor(EventType.SQS);
  return async (event, context) => {
    logger.addContext(context);
    try {
      return await processBatch(event, context);
    } finally {
      flushMetrics(metrics);
    }
  };

  function processBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    return processPartialResponse(
      event,
      async (record: SQSRecord) => {
        const request = SendRequestSchema.parse(JSON.parse(record.body));
        try {
          const outcome = await sendMessage(deps, request);
          logger.info('message processed', {
            customerId: request.customerId,
            campaignId: request.campaignId,
            occasion: request.occasion,
            channel: request.channel,
            ...outcome,
          });
          if (outcome.status === 'sent') countBy(metrics, METRIC.messagesSent, 'channel', request.channel);
          if (outcome.status === 'skipped')
            countBy(metrics, METRIC.messagesSkipped, 'reason', outcome.reason);
          if (outcome.status === 'failed') count(metrics, METRIC.messagesFailed);
          if (outcome.retried) count(metrics, METRIC.messagesRetried);
          if (outcome.status === 'unknown') {
            // Sent or not, nobody knows yet: an operator must hear of it (alarm); sent again only
            // after the quiet period with no provider event.
            count(metrics, METRIC.messagesUnknown);
            logger.error('message state unknown', {
              customerId: request.customerId,
              campaignId: request.campaignId,
              occasion: request.occasion,
              channel: request.channel,
              errorName: outcome.errorName,
            });
          }
        } catch (err) {
          logger.error('message failed', {
            messageId: record.messageId,
            campaignId: request.campaignId,
            errorName: (err as Error)?.name,
          });
          throw err;
        }
      },
      processor,
      { context },
    );
  }
}
