import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { CfnTemplate } from '../../../lib/local/template';
import { invocationsOf, resetRecorder } from '../../fixtures/local/functions/recorder';
import { fixtureTemplates } from '../../fixtures/local/templates';
import { startTestRuntime, uniquePrefix } from '../../support/runtime';

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };

/** The fixture templates with one function (found by logical-id prefix) changed. */
const withFunction = (stack: string, logicalIdPrefix: string, change: (resource: Resource) => void) => {
  const templates = structuredClone(fixtureTemplates());
  const resources = (templates[stack] as CfnTemplate).Resources as Record<string, Resource>;
  const id = Object.keys(resources).find(
    (key) => key.startsWith(logicalIdPrefix) && resources[key]?.Type === 'AWS::Lambda::Function',
  );
  if (!id) throw new Error(`no ${logicalIdPrefix} in ${stack}`);
  change(resources[id] as Resource);
  return templates;
};

const dynamo = new DynamoDBClient({
  endpoint: inject('dynamoEndpoint'),
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

afterAll(() => dynamo.destroy());
beforeEach(() => resetRecorder());

const streamedIds = () =>
  invocationsOf('ProfileRecorder').flatMap((invocation) =>
    (invocation.event as DynamoDBStreamEvent).Records.map((record) => record.dynamodb?.Keys?.customerId?.S),
  );

describe('persistent data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'precis-runtime-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('resumes streams from their checkpoints after a restart instead of replaying them', async () => {
    const tablePrefix = uniquePrefix();
    const first = await startTestRuntime(undefined, { tablePrefix, dataDir });
    const table = first.tableNames.Customers as string;
    await dynamo.send(
      new PutItemCommand({ TableName: table, Item: { customerId: { S: 'before-restart' } } }),
    );
    await first.settled();
    await first.stop();
    expect(streamedIds()).toEqual(['before-restart']);

    resetRecorder();
    const second = await startTestRuntime(undefined, { tablePrefix, dataDir });
    try {
      await dynamo.send(
        new PutItemCommand({ TableName: table, Item: { customerId: { S: 'after-restart' } } }),
      );
      await second.settled();
      expect(streamedIds()).toEqual(['after-restart']);
    } finally {
      await second.stop();
    }
    const checkpoints = JSON.parse(readFileSync(join(dataDir, 'stream-checkpoints.json'), 'utf8'));
    expect(Object.keys(checkpoints.checkpoints).some((key) => key.includes(table))).toBe(true);
  });

  it('appends failures to failures.jsonl, metadata only', async () => {
    const runtime = await startTestRuntime(undefined, { dataDir });
    try {
      await dynamo.send(
        new PutItemCommand({
          TableName: runtime.tableNames.Customers as string,
          Item: { customerId: { S: 'poison-ada@example.com' }, behaviour: { S: 'poison' } },
        }),
      );
      await runtime.settled();
    } finally {
      await runtime.stop();
    }
    const lines = readFileSync(join(dataDir, 'failures.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      kind: 'stream',
      functionName: 'ProfileRecorder',
      condition: 'RetryAttemptsExhausted',
      batch: { batchSize: 1, startSequenceNumber: expect.any(String), endSequenceNumber: expect.any(String) },
    });
    expect(lines[0]).not.toContain('ada@example.com');
  });
});

describe('start-up errors', () => {
  it.each([
    [
      'a missing handler module',
      withFunction('PrecisApi', 'EchoFn', (fn) => {
        (fn.Metadata as Record<string, unknown>)['precis:entry'] = 'functions/nope/handler.ts';
      }),
      /Function EchoFn \(PrecisApi\/EchoFn\w+\): entry functions\/nope\/handler.ts not found/,
    ],
    [
      'a handler whose config is missing',
      withFunction('PrecisMessaging', 'OrderPlacedFn', (fn) => {
        fn.Properties.Environment = { Variables: {} };
      }),
      // Whichever runs first in this worker: the module's own `handler` at import, or createHandler.
      /Function OrderPlacedFn: (importing test\/fixtures\/local\/functions\/order-placed\/handler.ts|createHandler) failed: Error: ORDERS_TABLE is not set/,
    ],
    [
      'an environment variable that cannot be resolved locally',
      withFunction('PrecisApi', 'EchoFn', (fn) => {
        fn.Properties.Environment = {
          Variables: { POOL: { 'Fn::GetAtt': ['SignupQueue1A3465F6', 'Nope'] } },
        };
      }),
      /Function EchoFn \(PrecisApi\/EchoFn\w+\): environment variable POOL: GetAtt .Nope of AWS::SQS::Queue/,
    ],
  ])('fails clearly on %s and releases what it started', async (_name, templates, message) => {
    let url: string | undefined;
    await expect(
      startTestRuntime(templates, {
        onListening: (listening) => {
          url = listening;
        },
      }),
    ).rejects.toThrow(message);
    expect(url).toBeDefined();
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});

describe('invocation limits', () => {
  it('fails an invocation that outlives the function timeout, like Lambda', async () => {
    const runtime = await startTestRuntime(
      withFunction('PrecisApi', 'EchoFn', (fn) => {
        fn.Properties.Timeout = 1;
      }),
    );
    try {
      const quick = await fetch(`${runtime.url}/customers/1?mode=sleep&ms=10`);
      expect(quick.status).toBe(200);
      expect(((await quick.json()) as { remainingMs: number }).remainingMs).toBeLessThanOrEqual(1000);
      const slow = await fetch(`${runtime.url}/customers/1?mode=sleep&ms=1500`);
      expect(slow.status).toBe(500);
      expect(runtime.logs.some((line) => line.includes('[EchoFn] Task timed out after 1.00 seconds'))).toBe(
        true,
      );
    } finally {
      await runtime.stop();
      await runtime.stop(); // idempotent
    }
  });
});

describe('DynamoDB Local stream quirks', () => {
  it('reads a stream whose first record comes after writes to other tables, without errors', async () => {
    // DynamoDB Local numbers stream records with one counter for all tables, and answers a read
    // at an empty shard's start with TrimmedDataAccessException once another table took the
    // next numbers; the poller must treat that as "start again at the oldest record".
    const runtime = await startTestRuntime();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // let every poller read its empty shard
      for (const orderKey of ['x1', 'x2', 'x3']) {
        await dynamo.send(
          new PutItemCommand({
            TableName: runtime.tableNames.Orders as string,
            Item: { customerId: { S: 'c-quirk' }, orderKey: { S: orderKey } },
          }),
        );
      }
      await dynamo.send(
        new PutItemCommand({
          TableName: runtime.tableNames.Customers as string,
          Item: { customerId: { S: 'quirk' } },
        }),
      );
      await runtime.settled();
      expect(streamedIds()).toEqual(['quirk']);
      expect(runtime.logs.filter((line) => line.includes('stream'))).toEqual([]);
    } finally {
      await runtime.stop();
    }
  });
});

describe('batching window cap', () => {
  it('delivers at once when the template batching window is capped to 0', async () => {
    const runtime = await startTestRuntime(undefined, { batchingWindowCapMs: 0 });
    try {
      await dynamo.send(
        new PutItemCommand({
          TableName: runtime.tableNames.Customers as string,
          Item: { customerId: { S: 'fast' } },
        }),
      );
      await runtime.settled();
      expect(streamedIds()).toEqual(['fast']);
    } finally {
      await runtime.stop();
    }
  });
});
