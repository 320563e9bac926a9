import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBRecord } from 'aws-lambda';
import { CustomerSchema } from '../../lib/domain/customer';
import type { ConfirmationLimiter } from '../../lib/ports/confirmation-limiter';
import { onProfileChange, type TriggerDeps } from '../../lib/use-cases/trigger-message';
import { images, type StreamHandler, streamHandler } from '../shared/stream';

/**
 * The Customers stream's second consumer: the double opt-in confirmation email, the phone
 * verification code text and the welcome
 * after confirmation (see onProfileChange). It wakes for the person's facts only (FilterCriteria:
 * lib/config/stream-filters.ts) and writes no profile. A record that fails is retried by the
 * stream; the ledger claim makes the retry send nothing twice.
 */
export function campaignTriggersHandler(
  deps: TriggerDeps & {
    confirmations: ConfirmationLimiter;
    phoneCodes: ConfirmationLimiter;
  },
  logger: Logger,
): StreamHandler {
  return streamHandler(logger, async (record) => {
    const { oldImage, newImage } = images(record);
    if (!newImage) return;
    const after = CustomerSchema.parse(newImage);
    const outcomes = await onProfileChange(deps, {
      ...(oldImage && { before: oldImage }),
      after,
      at: changedAt(record, deps.clock.now()),
    });
    for (const outcome of outcomes)
      logger.info('message triggered', { customerId: after.customerId, ...outcome });
  });
}

function changedAt(record: DynamoDBRecord, now: Date): Date {
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  return new Date(typeof seconds === 'number' ? seconds * 1000 : now.getTime());
}
