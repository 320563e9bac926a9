import type { Logger } from '@aws-lambda-powertools/logger';
import { type RecomputeDeps, recomputeMetrics } from '../../lib/use-cases/recompute-metrics';
import { images, type StreamHandler, streamHandler } from '../shared/stream';

/**
 * The Orders stream consumer: recomputes each touched customer's metrics from their history and
 * scores the profile, in one write. A batch recomputes each customer once (its query already sees
 * every order in the batch); if that fails, every record of that customer is reported failed and
 * retried.
 */
export function metricsStreamHandler(deps: RecomputeDeps, logger: Logger): StreamHandler {
  let batch: Map<string, Promise<unknown>> = new Map();
  const handle = streamHandler(logger, async (record) => {
    const { newImage, oldImage } = images(record);
    const customerId = (newImage ?? oldImage)?.customerId;
    if (typeof customerId !== 'string') throw new Error('an order record without a customer id');
    if (!batch.has(customerId)) batch.set(customerId, recomputeMetrics(deps, customerId));
    await batch.get(customerId);
  });
  return async (event, context) => {
    batch = new Map();
    return handle(event, context);
  };
}
