import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

/** The item images of a stream record, unmarshalled to plain objects. */
export function images(record: DynamoDBRecord): {
  oldImage?: Record<string, unknown>;
  newImage?: Record<string, unknown>;
} {
  const { OldImage, NewImage } = record.dynamodb ?? {};
  return {
    ...(OldImage && { oldImage: unmarshall(OldImage as Record<string, AttributeValue>) }),
    ...(NewImage && { newImage: unmarshall(NewImage as Record<string, AttributeValue>) }),
  };
}

/**
 * A DynamoDB stream consumer with partial batch responses: a record that throws is reported by its
 * sequence number, so Lambda retries from it (bounded, then the failure queue) and the rest move on.
 * Records are handled in parallel unless `sequential` (consumers whose records all write the same
 * few hot items, such as campaign counters, where parallel transactions would only conflict).
 */
export function streamHandler(
  logger: Logger,
  handleRecord: (record: DynamoDBRecord) => Promise<void>,
  { sequential = false }: { sequential?: boolean } = {},
): StreamHandler {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return async (event, context) => {
    logger.addContext(context);
    return processPartialResponse(
      event,
      async (record: DynamoDBRecord) => {
        try {
          await handleRecord(record);
        } catch (err) {
          logger.error('stream record failed', {
            sequenceNumber: record.dynamodb?.SequenceNumber,
            errorName: (err as Error)?.name,
          });
          throw err;
        }
      },
      processor,
      { context, processInParallel: !sequential },
    );
  };
}
