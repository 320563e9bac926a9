import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBRecord } from 'aws-lambda';
import { type AttributionDeps, attributeOrder } from '../../lib/use-cases/attribute-order';
import { images, type StreamHandler, streamHandler } from '../shared/stream';

/**
 * The Orders stream's second consumer (orders-stream, the metrics, is the first): campaign
 * attribution of new orders, taken back on cancellation. A record that fails is retried by the
 * stream; the per-order attribution marker makes the retry count nothing twice.
 */
export function attributionStreamHandler(deps: AttributionDeps, logger: Logger): StreamHandler {
  return streamHandler(
    logger,
    async (record) => {
      const { oldImage, newImage } = images(record);
      const outcome = await attributeOrder(deps, {
        ...(oldImage && { before: oldImage }),
        ...(newImage && { after: newImage }),
        at: changedAt(record),
      });
      if (outcome.status === 'attributed' || outcome.status === 'taken_back') {
        logger.info('order attribution', { orderId: newImage?.orderId, ...outcome });
      }
    },
    // Every record of a batch updates its campaign's counter rows: one at a time, not racing.
    { sequential: true },
  );
}

function changedAt(record: DynamoDBRecord): Date {
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  return typeof seconds === 'number' ? new Date(seconds * 1000) : new Date();
}
