import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StreamFailure } from '../../../lib/local/failures';
import { invocationsOf, resetRecorder } from '../../fixtures/local/functions/recorder';
import { startTestRuntime, type TestRuntime } from '../../support/runtime';

// Lambda's DynamoDB Streams semantics through the fixture mappings:
//   ProfileRecorder   ← Customers   partial batch responses, 2 retries, 1 s batching window
//   OrdersRecorder    ← Orders      thrown errors, bisect, 1 retry, 1 s batching window
//   DeliveriesRecorder← Deliveries  FilterCriteria: INSERT with status "queued"
//   ModelsRecorder    ← Models      unbounded retries, MaximumRecordAgeInSeconds 1

let runtime: TestRuntime;
let dynamo: DynamoDBClient;

const batchesOf = (functionName: string): DynamoDBRecord[][] =>
  invocationsOf(functionName).map((invocation) => (invocation.event as DynamoDBStreamEvent).Records);

const keysOf = (records: DynamoDBRecord[], key: string): string[] =>
  records.map((record) => record.dynamodb?.Keys?.[key]?.S ?? '?');

const putAll = async (table: string, items: Record<string, { S: string }>[]) => {
  await dynamo.send(
    new BatchWriteItemCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }),
  );
};

const streamFailures = () => runtime.failures().filter((f): f is StreamFailure => f.kind === 'stream');

beforeAll(async () => {
  runtime = await startTestRuntime();
  dynamo = new DynamoDBClient({
    endpoint: runtime.dynamoEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

beforeEach(() => resetRecorder());

describe('stream delivery', () => {
  it('creates the template tables with their GSIs and streams', async () => {
    const { Table } = await dynamo.send(
      new DescribeTableCommand({ TableName: runtime.tableNames.Customers }),
    );
    expect(Table?.TableName).toMatch(/_Customers$/);
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'customerId', KeyType: 'HASH' }]);
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const gsis = Object.fromEntries((Table?.GlobalSecondaryIndexes ?? []).map((gsi) => [gsi.IndexName, gsi]));
    expect(gsis.byBirthday?.KeySchema).toEqual([
      { AttributeName: 'birthdayKey', KeyType: 'HASH' },
      { AttributeName: 'utcOffset', KeyType: 'RANGE' },
    ]);
    expect(gsis.byBirthday?.Projection).toEqual({
      ProjectionType: 'INCLUDE',
      NonKeyAttributes: ['email', 'firstName'],
    });
    expect(gsis.byNextOrder?.Projection?.ProjectionType).toBe('KEYS_ONLY');
    expect(Object.keys(runtime.tableNames).sort()).toEqual(['Customers', 'Deliveries', 'Models', 'Orders']);
  });

  it('delivers a write to the stream handler in the Lambda DynamoDBStreamEvent shape', async () => {
    const table = runtime.tableNames.Customers as string;
    await dynamo.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          customerId: { S: 'shape-1' },
          photo: { B: new Uint8Array([1, 2, 3]) },
          prefs: { M: { tags: { L: [{ S: 'vip' }] }, avatar: { B: new Uint8Array([255]) } } },
        },
      }),
    );
    await dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { customerId: { S: 'shape-1' } },
        UpdateExpression: 'SET firstName = :n',
        ExpressionAttributeValues: { ':n': { S: 'Ada' } },
      }),
    );
    await runtime.settled();
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: table }));
    const records = batchesOf('ProfileRecorder').flat();
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY']);
    const [insert, modify] = records as [DynamoDBRecord, DynamoDBRecord];
    expect(insert).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventVersion: '1.1',
      awsRegion: 'local',
      eventSourceARN: Table?.LatestStreamArn,
      dynamodb: {
        Keys: { customerId: { S: 'shape-1' } },
        NewImage: {
          customerId: { S: 'shape-1' },
          photo: { B: 'AQID' },
          prefs: { M: { tags: { L: [{ S: 'vip' }] }, avatar: { B: '/w==' } } },
        },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(typeof insert.eventID).toBe('string');
    expect(typeof insert.dynamodb?.ApproximateCreationDateTime).toBe('number');
    expect(insert.dynamodb?.SizeBytes).toBeGreaterThan(0);
    expect(insert.dynamodb?.OldImage).toBeUndefined();
    expect(modify.dynamodb?.OldImage?.firstName).toBeUndefined();
    expect(modify.dynamodb?.NewImage?.firstName).toEqual({ S: 'Ada' });
    expect(BigInt(modify.dynamodb?.SequenceNumber ?? 0)).toBeGreaterThan(
      BigInt(insert.dynamodb?.SequenceNumber ?? 0),
    );
  });

  it('retries a partial batch failure from the failed record, in order', async () => {
    await putAll(
      runtime.tableNames.Customers as string,
      ['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => ({
        customerId: { S: id },
        ...(id === 'p3' ? { behaviour: { S: 'fail-once' } } : {}),
      })),
    );
    await runtime.settled();
    const batches = batchesOf('ProfileRecorder').map((batch) => keysOf(batch, 'customerId'));
    // BatchWriteItem writes in no guaranteed order; what matters is stream order.
    const first = batches[0] as string[];
    expect(first.sort()).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    const order = keysOf(batchesOf('ProfileRecorder')[0] as DynamoDBRecord[], 'customerId');
    expect(batches).toHaveLength(2);
    expect(batches[1]).toEqual(order.slice(order.indexOf('p3')));
    expect(streamFailures()).toEqual([]);
  });

  it('sends a poison record to the failure log after MaximumRetryAttempts, then moves on', async () => {
    const table = runtime.tableNames.Customers as string;
    await putAll(table, [{ customerId: { S: 'poison-1' }, behaviour: { S: 'poison' } }]);
    await runtime.settled();
    expect(batchesOf('ProfileRecorder').map((batch) => keysOf(batch, 'customerId'))).toEqual([
      ['poison-1'],
      ['poison-1'],
      ['poison-1'],
    ]);
    const [failure] = streamFailures();
    expect(streamFailures()).toHaveLength(1);
    expect(failure).toMatchObject({
      functionName: 'ProfileRecorder',
      condition: 'RetryAttemptsExhausted',
      errorType: 'BatchItemFailure',
      approximateInvokeCount: 3,
      destination: expect.stringContaining('AWS::SQS::Queue'),
      batch: { batchSize: 1, shardId: expect.any(String) },
    });
    const poisonSeq = batchesOf('ProfileRecorder')[0]?.[0]?.dynamodb?.SequenceNumber;
    expect(failure?.batch.startSequenceNumber).toBe(poisonSeq);
    // Metadata only: nothing from the record itself.
    expect(JSON.stringify(failure)).not.toContain('poison-1');
    // The record also went to the mapping's on-failure destination, the StreamFailures queue.
    const queues = (await (await fetch(`${runtime.localAwsEndpoint}/queues`)).json()) as {
      name: string;
      messages: { body: string }[];
    }[];
    const destination = queues.find((queue) => queue.name === 'StreamFailures');
    expect(destination?.messages.map((message) => JSON.parse(message.body))).toContainEqual(failure);
    expect(runtime.logs.some((line) => line.includes('RetryAttemptsExhausted'))).toBe(true);

    resetRecorder();
    await putAll(table, [{ customerId: { S: 'after-poison' } }]);
    await runtime.settled();
    expect(batchesOf('ProfileRecorder').map((batch) => keysOf(batch, 'customerId'))).toEqual([
      ['after-poison'],
    ]);
  });

  it('retries a batch DynamoDB Local failed (InternalServerError) with back-off, beyond MaximumRetryAttempts', async () => {
    const before = streamFailures().length;
    await putAll(runtime.tableNames.Customers as string, [
      { customerId: { S: 'busy-1' }, behaviour: { S: 'overloaded' } },
    ]);
    await runtime.settled();
    // Three deliveries fail as an overloaded emulator makes them fail; ProfileRecorder allows 2
    // retries, yet the fourth delivery goes through and nothing reaches the failure log.
    expect(batchesOf('ProfileRecorder').map((batch) => keysOf(batch, 'customerId'))).toEqual([
      ['busy-1'],
      ['busy-1'],
      ['busy-1'],
      ['busy-1'],
    ]);
    expect(streamFailures().slice(before)).toEqual([]);
  });

  it('bisects a failing batch to isolate the poison record when the handler throws', async () => {
    const before = streamFailures().length;
    await putAll(
      runtime.tableNames.Orders as string,
      ['o1', 'o2', 'o3', 'o4'].map((id) => ({
        customerId: { S: 'c-bisect' },
        orderKey: { S: id },
        ...(id === 'o2' ? { behaviour: { S: 'poison' } } : {}),
      })),
    );
    await runtime.settled();
    const batches = batchesOf('OrdersRecorder').map((batch) => keysOf(batch, 'orderKey'));
    // Same partition key: the stream keeps the write order o1..o4.
    expect(batches).toEqual([['o1', 'o2', 'o3', 'o4'], ['o1', 'o2'], ['o1'], ['o2'], ['o2'], ['o3', 'o4']]);
    const failures = streamFailures().slice(before);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      functionName: 'OrdersRecorder',
      condition: 'RetryAttemptsExhausted',
      errorType: 'Error',
      approximateInvokeCount: 2,
      batch: { batchSize: 1 },
    });
  });

  it('applies FilterCriteria: only matching records reach the handler', async () => {
    const table = runtime.tableNames.Deliveries as string;
    const put = (occasion: string, status: string) =>
      dynamo.send(
        new PutItemCommand({
          TableName: table,
          Item: { customerId: { S: 'c-filter' }, occasion: { S: occasion }, status: { S: status } },
        }),
      );
    await put('birthday#2026', 'queued');
    await put('welcome#1', 'sent');
    await put('birthday#2026', 'queued'); // MODIFY: filtered out by eventName
    await put('winback#1', 'queued');
    await runtime.settled();
    const records = batchesOf('DeliveriesRecorder').flat();
    expect(records.map((r) => [r.eventName, r.dynamodb?.Keys?.occasion?.S])).toEqual([
      ['INSERT', 'birthday#2026'],
      ['INSERT', 'winback#1'],
    ]);
  });

  it('gives up on records older than MaximumRecordAgeInSeconds even with unbounded retries', async () => {
    const before = streamFailures().length;
    await dynamo.send(
      new PutItemCommand({
        TableName: runtime.tableNames.Models as string,
        Item: { modelId: { S: 'poison-model' } },
      }),
    );
    await runtime.settled();
    const failures = streamFailures().slice(before);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ functionName: 'ModelsRecorder', condition: 'RecordAgeExceeded' });
    expect(batchesOf('ModelsRecorder').length).toBeGreaterThan(1);
  });
});
