import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { HmacIdentityKeys } from '../../../lib/adapters/crypto/hmac-identity-keys';
import { DynamoConfirmationLimiter } from '../../../lib/adapters/dynamodb/dynamo-confirmation-limiter';
import type { ConfirmationLimiter } from '../../../lib/ports/confirmation-limiter';
import { InMemoryConfirmationLimiter } from '../../fakes/in-memory-confirmation-limiter';
import { appTables } from '../../support/tables';

// The confirmation-email counter per mailbox (issue 10 item 6), against DynamoDB Local and the
// in-memory fake the unit tests use: the same contract, so the fake cannot lie.

let db: DynamoDBDocumentClient;
let identities: string;
beforeAll(async () => {
  const tables = await appTables();
  db = tables.db;
  identities = tables.nameOf('Identities');
});

const DAY = 86_400_000;
const START = new Date('2026-06-15T09:00:00.000Z');
let run = 0;

const implementations: [string, () => ConfirmationLimiter][] = [
  [
    'DynamoDB Local',
    () =>
      new DynamoConfirmationLimiter(db, {
        table: identities,
        keys: new HmacIdentityKeys(['limits-key-0123456789ab']),
      }),
  ],
  ['in memory', () => new InMemoryConfirmationLimiter()],
];

describe.each(implementations)('ConfirmationLimiter contract (%s)', (_name, make) => {
  it('one per mailbox per day, three per week, +tags and Gmail dots counted as one mailbox', async () => {
    const limiter = make();
    const me = `ana.${++run}.${Date.now()}`;
    const at = (days: number) => new Date(START.getTime() + days * DAY);
    expect(await limiter.tryCount(`${me}@gmail.com`, at(0))).toBe(true);
    expect(await limiter.tryCount(`${me}+1@gmail.com`, at(0.5))).toBe(false);
    expect(await limiter.tryCount(`${me.replaceAll('.', '')}@googlemail.com`, at(0.9))).toBe(false);
    expect(await limiter.tryCount(`other.${me}@gmail.com`, at(0.9))).toBe(true);
    expect(await limiter.tryCount(`${me}+2@gmail.com`, at(1))).toBe(true);
    expect(await limiter.tryCount(`${me}@gmail.com`, at(2))).toBe(true);
    expect(await limiter.tryCount(`${me}@gmail.com`, at(3))).toBe(false);
    expect(await limiter.tryCount(`${me}@gmail.com`, at(6.9))).toBe(false);
    expect(await limiter.tryCount(`${me}@gmail.com`, at(7))).toBe(true);
  });

  it('counts racing confirmations for one mailbox once each: only one of ten gets through', async () => {
    const limiter = make();
    const me = `race.${++run}.${Date.now()}@example.com`;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => limiter.tryCount(me.replace('@', `+${i}@`), START)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

it('stores the counter under a keyed pseudonym of the mailbox, never the address', async () => {
  const limiter = implementations[0]![1]();
  const address = `secret.${Date.now()}@example.com`;
  await limiter.tryCount(address, START);
  const items = (await db.send(new ScanCommand({ TableName: identities }))).Items ?? [];
  expect(JSON.stringify(items)).not.toContain(address);
  expect(items.map((item) => item.identity)).toContain(
    await new HmacIdentityKeys(['limits-key-0123456789ab']).counterKey('mailbox', address),
  );
});
