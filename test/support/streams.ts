import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { InvocationError, isEmulatorOverload } from '../../lib/local/lambda-host';
import { toLambdaRecord } from '../../lib/local/stream-poller';

const local = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/**
 * Every record a table's stream holds, oldest first, shard by shard, in the shape Lambda (and the
 * local poller) hands them to a function: for replaying a stream into its consumer in tests.
 */
export async function streamRecords(dynamoEndpoint: string, tableName: string): Promise<DynamoDBRecord[]> {
  const dynamo = new DynamoDBClient({ endpoint: dynamoEndpoint, ...local });
  const streams = new DynamoDBStreamsClient({ endpoint: dynamoEndpoint, ...local });
  try {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    const arn = Table?.LatestStreamArn;
    if (!arn) throw new Error(`table ${tableName} has no stream`);
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
    const records: DynamoDBRecord[] = [];
    for (const shard of StreamDescription?.Shards ?? []) {
      let { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: arn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      while (ShardIterator) {
        const out = await streams.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
        records.push(...(out.Records ?? []).map((record) => toLambdaRecord(record, arn)));
        if ((out.Records ?? []).length === 0) break;
        ShardIterator = out.NextShardIterator;
      }
    }
    return records;
  } finally {
    dynamo.destroy();
    streams.destroy();
  }
}

interface StreamConsumer {
  invoke(event: unknown): Promise<unknown>;
}

/**
 * Hands a batch of stream records to a consumer as Lambda does: records a function reports as
 * failed (partial batch response) are delivered again from the first failure on, with a back-off,
 * a bounded number of times. A busy machine makes DynamoDB Local answer `InternalServerError` now
 * and then; a replay test asserts what redelivery leaves, not that no call was ever refused. An
 * invocation that times out (the function's own Lambda timeout, which a busy machine can pass) or
 * fails with DynamoDB Local's overload is delivered again whole, as the event source mapping retries
 * a failed invocation. Answers the last invocation's result: `{ batchItemFailures: [] }` once every
 * record went through.
 */
export async function deliverBatch<R extends { dynamodb?: { SequenceNumber?: string } }>(
  fn: StreamConsumer,
  records: R[],
  attempts = 10,
): Promise<unknown> {
  let pending = records;
  let result: unknown;
  for (let attempt = 1; ; attempt++) {
    try {
      result = await fn.invoke({ Records: pending });
    } catch (error) {
      const retryable =
        error instanceof InvocationError &&
        (error.errorType === 'Sandbox.Timedout' || isEmulatorOverload(error.errorType));
      if (!retryable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 200 * 2 ** (attempt - 1))));
      continue;
    }
    const failures =
      (result as { batchItemFailures?: { itemIdentifier: string }[] })?.batchItemFailures ?? [];
    const first = pending.findIndex((r) =>
      failures.some((f) => f.itemIdentifier === r.dynamodb?.SequenceNumber),
    );
    if (failures.length === 0 || first < 0 || attempt >= attempts) return result;
    pending = pending.slice(first);
    await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 200 * 2 ** (attempt - 1))));
  }
}
