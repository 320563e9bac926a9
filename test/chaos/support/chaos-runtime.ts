import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../../../lib/local/runtime';
import type { CfnTemplate } from '../../../lib/local/template';

// The local runtime in a child process (runtime-child.ts) that the chaos suite kills with SIGKILL
// and starts again on the same tables and data folder (stream checkpoints, secrets). Only the child
// this object started is ever killed, by its pid.

const CHILD = join(REPO_ROOT, 'test/chaos/support/runtime-child.ts');
const READY_TIMEOUT_MS = 180_000;

export interface ChaosRuntimeOptions {
  templates: Record<string, CfnTemplate>;
  dynamoEndpoint: string;
  sesEndpoint: string;
  tablePrefix: string;
  adminKey: string;
  secrets: Record<string, string>;
}

export class ChaosRuntime {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'precis-chaos-'));
  private readonly optionsFile = join(this.dataDir, 'options.json');
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private lines: string[] = [];
  private waiting: ((line: string) => void) | undefined;
  private stderr: string[] = [];
  url = '';
  localAwsEndpoint = '';
  tableNames: Record<string, string> = {};

  constructor(options: ChaosRuntimeOptions) {
    writeFileSync(
      this.optionsFile,
      JSON.stringify({ ...options, dataDir: join(this.dataDir, 'runtime') }),
      'utf8',
    );
  }

  /** Where the runtime keeps its stream checkpoints (delete it to replay every stream record). */
  get checkpointsFile(): string {
    return join(this.dataDir, 'runtime', 'stream-checkpoints.json');
  }

  async start(): Promise<void> {
    this.lines = [];
    this.stderr = [];
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, this.optionsFile], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const waiter = this.waiting;
      if (waiter) {
        this.waiting = undefined;
        waiter(line);
      } else this.lines.push(line);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr.push(chunk.toString('utf8'));
      if (this.stderr.length > 50) this.stderr.shift();
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const line = await this.nextLine(deadline);
      if (!line.startsWith('{')) continue;
      const ready = JSON.parse(line) as {
        ready?: boolean;
        url: string;
        localAwsEndpoint: string;
        tableNames: Record<string, string>;
      };
      if (!ready.ready) continue;
      this.url = ready.url;
      this.localAwsEndpoint = ready.localAwsEndpoint;
      this.tableNames = ready.tableNames;
      return;
    }
  }

  /** `kill -9`: nothing in the child gets to finish what it was doing. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await this.exited;
    this.child = undefined;
  }

  /** Waits until the child has nothing in flight (no invocation, every poller quiet). */
  async settle(): Promise<void> {
    this.child?.stdin?.write('settle\n');
    const deadline = Date.now() + 600_000;
    for (;;) if ((await this.nextLine(deadline)) === 'settled') return;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private nextLine(deadline: number): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    const child = this.child;
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        this.waiting = undefined;
        reject(new Error(`${why}; runtime stderr:\n${this.stderr.join('').slice(-3000)}`));
      };
      const timer = setTimeout(() => fail('the chaos runtime did not answer in time'), deadline - Date.now());
      const onExit = () => {
        clearTimeout(timer);
        fail('the chaos runtime exited');
      };
      child?.once('exit', onExit);
      this.waiting = (line) => {
        clearTimeout(timer);
        child?.off('exit', onExit);
        resolve(line);
      };
    });
  }
}
