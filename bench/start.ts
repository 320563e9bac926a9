import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT } from '../lib/local/runtime';
import { option, percentile } from './support';

/**
 * `npm run bench -- start [--runs N]`: how quickly the local runtime and the CLI are usable.
 * - `npm start -- --in-memory` to a healthy API (`GET /health` 200), N times: the first start after
 *   a change may rebuild the dashboard and synthesize the CDK app; later ones reuse both.
 * - `precis --help` (every command module) and `precis outbox --json` (one real command against
 *   the running API), each N times, through bin/precis.js as `npx precis` runs it.
 * The machine's load average is printed with the numbers: they are only comparable at equal load.
 */
export async function run(args: string[]): Promise<void> {
  const runs = Number(option(args, 'runs', '3'));
  const adminKey = 'bench-start-key';
  console.log(`local runtime and CLI start-up, ${runs} runs each (load average ${loadavg()[0]?.toFixed(1)})`);

  const starts: number[] = [];
  let child: ChildProcess | undefined;
  let api = '';
  let output = '';
  try {
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      child = spawn('npm', ['start', '--silent', '--', '--in-memory'], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          PORT: '0',
          DYNAMO_PORT: '0',
          LOCAL_AWS_PORT: '0',
          SES_PORT: '0',
          PRECIS_ADMIN_KEY: adminKey,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      while (!/API\s+http:\/\/\S+/.test(output)) {
        if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      api = output.match(/API\s+(http:\/\/\S+)/)?.[1] ?? '';
      while ((await fetch(`${api}/health`).catch(() => undefined))?.status !== 200) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const seconds = (performance.now() - started) / 1000;
      starts.push(seconds);
      const rebuilt = output.includes('Dashboard built') ? ' (dashboard rebuilt)' : '';
      console.log(`  npm start → healthy, run ${i + 1}: ${seconds.toFixed(2)} s${rebuilt}`);
      if (i < runs - 1) await stop(child);
    }

    const cli = async (label: string, argv: string[], env: Record<string, string> = {}) => {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        await new Promise<void>((resolve, reject) =>
          execFile(
            process.execPath,
            ['bin/precis.js', ...argv],
            { cwd: REPO_ROOT, env: { ...process.env, ...env } },
            (error, _stdout, stderr) =>
              error ? reject(new Error(`precis ${argv.join(' ')}: ${stderr}`)) : resolve(),
          ),
        );
        times.push((performance.now() - started) / 1000);
      }
      times.sort((a, b) => a - b);
      console.log(
        `  ${label.padEnd(26)} median ${percentile(times, 50).toFixed(2)} s  (${times.map((t) => t.toFixed(2)).join(', ')})`,
      );
    };
    await cli('precis --help', ['--help']);
    await cli('precis outbox --json', ['outbox', '--json'], {
      PORT: new URL(api).port,
      SES_PORT: new URL(output.match(/SES inbox\s+(http:\/\/\S+)/)?.[1] ?? api).port,
      LOCAL_AWS_PORT: new URL(output.match(/SMS sink\s+(http:\/\/\S+)/)?.[1] ?? api).port,
      PRECIS_ADMIN_KEY: adminKey,
    });
    starts.sort((a, b) => a - b);
    console.log(`  npm start → healthy: median ${percentile(starts, 50).toFixed(2)} s`);
  } finally {
    if (child) await stop(child);
  }
}

/** SIGTERM to npm and the runtime under it (its own process group), and wait for the exit. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  process.kill(-child.pid, 'SIGTERM');
  await exited;
}
