import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { Activity } from '../../../lib/local/activity';
import { FailureLog } from '../../../lib/local/failures';
import type { LocalFunction } from '../../../lib/local/lambda-host';
import { MemoryCheckpoints, StreamPoller } from '../../../lib/local/stream-poller';
import type { StreamMappingModel } from '../../../lib/local/template';

// DynamoDB Local does not roll shards over on demand, so shard lineage is tested against a fake
// stream: a closed parent shard and its open child.

const record = (seq: string): _Record => ({
  eventID: `e${seq}`,
  eventName: 'INSERT',
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'ddblocal',
  dynamodb: {
    ApproximateCreationDateTime: new Date(),
    Keys: { pk: { S: `k${seq}` } },
    SequenceNumber: seq,
    SizeBytes: 10,
    StreamViewType: 'KEYS_ONLY',
  },
});

const fakeStream = (calls: string[]) => ({
  send: async (command: unknown) => {
    if (command instanceof DescribeStreamCommand) {
      return {
        StreamDescription: {
          Shards: [
            // Listed child-first: the poller must still wait for the parent.
            {
              ShardId: 'child',
              ParentShardId: 'parent',
              SequenceNumberRange: { StartingSequenceNumber: '3' },
            },
            {
              ShardId: 'parent',
              SequenceNumberRange: { StartingSequenceNumber: '1', EndingSequenceNumber: '2' },
            },
          ],
        },
      };
    }
    if (command instanceof GetShardIteratorCommand) {
      calls.push(`iterator ${command.input.ShardId} ${command.input.ShardIteratorType}`);
      return { ShardIterator: `${command.input.ShardId}:0` };
    }
    if (command instanceof GetRecordsCommand) {
      const iterator = command.input.ShardIterator;
      calls.push(`records ${iterator}`);
      switch (iterator) {
        case 'parent:0':
          return { Records: [record('1'), record('2')], NextShardIterator: 'parent:end' };
        case 'parent:end':
          return { Records: [] }; // closed and drained: no next iterator
        case 'child:0':
          return { Records: [record('3'), record('4')], NextShardIterator: 'child:tail' };
        default:
          return { Records: [], NextShardIterator: iterator };
      }
    }
    throw new Error(`unexpected command ${String(command)}`);
  },
});

const mapping: StreamMappingModel = {
  id: { stack: 'S', logicalId: 'Mapping', key: 'S/Mapping' },
  functionKey: 'S/Fn',
  tableKey: 'S/Table',
  enabled: true,
  batchSize: 10,
  maxBatchingWindowSeconds: 0,
  startingPosition: 'TRIM_HORIZON',
  maxRetryAttempts: 0,
  bisectOnError: false,
  maxRecordAgeSeconds: -1,
  reportBatchItemFailures: false,
  filters: [],
};

describe('shard rollover', () => {
  it('drains a closed parent shard before reading its child, and checkpoints both', async () => {
    const calls: string[] = [];
    const delivered: string[][] = [];
    const activity = new Activity();
    const fn: LocalFunction = {
      key: 'S/Fn',
      name: 'Fn',
      arn: 'arn',
      entry: 'x.ts',
      invoke: (event) =>
        activity.track(async () => {
          delivered.push(
            (event as DynamoDBStreamEvent).Records.map((r) => r.dynamodb?.SequenceNumber ?? '?'),
          );
          calls.push('invoke');
        }),
    };
    const checkpoints = new MemoryCheckpoints();
    const poller = new StreamPoller({
      mapping,
      fn,
      streamArn: 'arn:stream',
      client: fakeStream(calls) as unknown as DynamoDBStreamsClient,
      checkpoints,
      failures: new FailureLog(undefined, () => {}),
      log: () => {},
      pollIntervalMs: 10,
      shardRefreshMs: 10,
    });
    poller.start();
    const deadline = Date.now() + 5_000;
    while (delivered.length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await poller.stop();

    expect(delivered).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    // The child's reader starts only after the parent's last read returned no next iterator.
    expect(calls.indexOf('iterator child TRIM_HORIZON')).toBeGreaterThan(calls.indexOf('records parent:end'));
    expect(checkpoints.get('S/Mapping', 'arn:stream', 'parent')).toEqual({ sequenceNumber: '2', done: true });
    expect(checkpoints.get('S/Mapping', 'arn:stream', 'child')).toEqual({ sequenceNumber: '4' });
  });
});
