import type { Logger } from '@aws-lambda-powertools/logger';
import type { CustomerRepository } from '../../lib/ports/customer-repository';
import type { SurveyRepository } from '../../lib/ports/survey-repository';
import { recomputeSatisfaction } from '../../lib/use-cases/recompute-satisfaction';
import { images, type StreamHandler, streamHandler } from '../shared/stream';

/**
 * The Surveys stream consumer: recomputes each touched customer's satisfaction from their history.
 * A batch recomputes each customer once (its query already sees every answer in the batch); if that
 * fails, every record of that customer is reported failed and retried.
 */
export function satisfactionStreamHandler(
  deps: { customers: CustomerRepository; surveys: SurveyRepository },
  logger: Logger,
): StreamHandler {
  let batch: Map<string, Promise<unknown>> = new Map();
  const handle = streamHandler(logger, async (record) => {
    const { newImage, oldImage } = images(record);
    const customerId = (newImage ?? oldImage)?.customerId;
    if (typeof customerId !== 'string') throw new Error('a survey record without a customer id');
    if (!batch.has(customerId)) batch.set(customerId, recomputeSatisfaction(deps, customerId));
    await batch.get(customerId);
  });
  return async (event, context) => {
    batch = new Map();
    return handle(event, context);
  };
}
