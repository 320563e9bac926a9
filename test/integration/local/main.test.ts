import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../lib/local/runtime';

// `npm start` end to end: a real process with its own DynamoDB Local, started from the fixture
// templates, stopped with SIGTERM; no Java process may survive it.

const javaOnPort = (port: string): boolean =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .some((line) => line.includes('DynamoDBLocal.jar') && line.includes(`-port ${port} `));

describe('npm start (lib/local/main.ts)', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('starts in memory, reports healthy with its URLs, and stops cleanly on SIGTERM', async () => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'lib/local/main.ts', '--in-memory', '--templates', 'test/fixtures/local/templates'],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          PORT: '0',
          DYNAMO_PORT: '0',
          LOCAL_AWS_PORT: '0',
          SES_PORT: '0',
          PRECIS_ADMIN_KEY: 'main-test-key',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const deadline = Date.now() + 45_000;
    while (!output.includes('Stop with Ctrl-C') && child.exitCode === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(output).toMatch(/ready in \d+\.\d s/);
    const api = output.match(/API\s+(http:\/\/127\.0\.0\.1:\d+)/)?.[1];
    const dynamoPort = output.match(/DynamoDB\s+http:\/\/127\.0\.0\.1:(\d+)/)?.[1];
    expect(output).toMatch(/SES inbox\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/SMS sink\s+http:\/\/127\.0\.0\.1:\d+\/messages/);
    expect(output).toContain('in memory (nothing is kept)');
    expect(output).not.toContain('main-test-key');
    expect(api).toBeDefined();
    expect(dynamoPort).toBeDefined();

    const health = await fetch(`${api}/health`);
    expect(health.status).toBe(200);
    const admin = await fetch(`${api}/admin/x`, { headers: { 'x-api-key': 'main-test-key' } });
    expect(admin.status).toBe(201);
    expect(javaOnPort(dynamoPort as string)).toBe(true);

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(javaOnPort(dynamoPort as string)).toBe(false);
  });
});
