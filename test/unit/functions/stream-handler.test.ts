import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { streamHandler } from '../../../functions/shared/stream';
import { lambdaContext } from './fixtures';

const silent = new Logger({ logLevel: 'SILENT' });
const records = (n: number): DynamoDBRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    dynamodb: { SequenceNumber: String(100 + i), NewImage: { id: { S: `r${i}` } } },
  }));

/** Runs a batch through a handler whose record takes a tick, recording how many overlap. */
async function maxOverlap(sequential: boolean | undefined): Promise<number> {
  let running = 0;
  let most = 0;
  const handler = streamHandler(
    silent,
    async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 1));
      running--;
    },
    sequential === undefined ? undefined : { sequential },
  );
  expect(await handler({ Records: records(5) }, lambdaContext)).toEqual({ batchItemFailures: [] });
  return most;
}

describe('streamHandler', () => {
  it('handles a batch in parallel by default, one record at a time when sequential', async () => {
    expect(await maxOverlap(undefined)).toBe(5);
    expect(await maxOverlap(true)).toBe(1);
  });

  it('reports a failed record by its sequence number and lets the rest through', async () => {
    const seen: string[] = [];
    const handler = streamHandler(
      silent,
      async (record) => {
        const seq = record.dynamodb?.SequenceNumber as string;
        if (seq === '101') throw new Error('throttled');
        seen.push(seq);
      },
      { sequential: true },
    );
    expect(await handler({ Records: records(3) }, lambdaContext)).toEqual({
      batchItemFailures: [{ itemIdentifier: '101' }],
    });
    expect(seen).toEqual(['100', '102']);
  });
});
