import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBRecord } from 'aws-lambda';
import { CustomerSchema } from '../../lib/domain/customer';
import { type RefreshProfileDeps, refreshProfile } from '../../lib/use-cases/refresh-profile';
import { images, type StreamHandler, streamHandler } from '../shared/stream';

/**
 * The Customers stream consumer: announces the segment changes each write stored, and keeps each
 * profile's scores and derived index keys current (see refreshProfile).
 */
export function profileStreamHandler(deps: RefreshProfileDeps, logger: Logger): StreamHandler {
  return streamHandler(logger, async (record) => {
    const { oldImage, newImage } = images(record);
    if (!newImage) return; // a removed profile has nothing to derive
    const after = CustomerSchema.parse(newImage);
    const outcome = await refreshProfile(deps, {
      ...(oldImage && { before: oldImage }),
      after,
      at: changedAt(record, deps.clock.now()),
      changeId: record.dynamodb?.SequenceNumber ?? record.eventID ?? `${after.customerId}:${after.version}`,
    });
    if (outcome.write !== 'unchanged' || outcome.entered + outcome.exited + outcome.memberships > 0) {
      logger.info('profile refreshed', { customerId: after.customerId, ...outcome });
    }
  });
}

/** When the change was stored: the record's creation time (whole seconds), else now. */
function changedAt(record: DynamoDBRecord, now: Date): string {
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  return new Date(typeof seconds === 'number' ? seconds * 1000 : now.getTime()).toISOString();
}
