import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { checkJava, startDynamoLocal } from '../../../lib/local/dynamo-local';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const client = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

describe('DynamoDB Local', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('starts on a free port and stop() leaves no Java process behind', async () => {
    const dynamo = await startDynamoLocal();
    expect(dynamo.endpoint).toBe(`http://127.0.0.1:${dynamo.port}`);
    expect(isAlive(dynamo.pid)).toBe(true);
    const c = client(dynamo.endpoint);
    expect((await c.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    c.destroy();
    await dynamo.stop();
    expect(isAlive(dynamo.pid)).toBe(false);
    await dynamo.stop(); // idempotent
  });

  it('keeps tables across restarts with a data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'precis-ddb-'));
    dirs.push(dataDir);
    const first = await startDynamoLocal({ dataDir });
    const c1 = client(first.endpoint);
    await c1.send(
      new CreateTableCommand({
        TableName: 'Kept',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    c1.destroy();
    await first.stop();
    const second = await startDynamoLocal({ dataDir });
    const c2 = client(second.endpoint);
    expect((await c2.send(new ListTablesCommand({}))).TableNames).toEqual(['Kept']);
    c2.destroy();
    await second.stop();
  });

  it('explains in one line how to install Java when it is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const error = await checkJava().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(/apt-get install -y openjdk-17-jre-headless/);
      expect(error?.message).not.toContain('\n');
    } finally {
      process.env.PATH = path;
    }
  });
});
