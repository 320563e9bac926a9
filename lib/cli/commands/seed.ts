import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { SeedProgress } from '../../demo/seed';
import { localApi } from '../local-api';

// `precis seed --demo [--customers N] [--seed S] [--concurrency C] [--json]`: loads the demo
// population (lib/demo/population.ts) into the running local API through its real routes, waits
// for the pipeline, refits the model, and prints one line (or JSON). A progress bar on stderr when
// it is a terminal. Authenticates with `x-api-key: $PRECIS_ADMIN_KEY` like the other commands.

interface SeedOptions {
  demo?: boolean;
  customers: string;
  seed: string;
  concurrency: string;
  timeout: string;
  json?: boolean;
}

const PHASE_LABELS: Record<SeedProgress['phase'], string> = {
  signups: 'signups   ',
  orders: 'orders    ',
  surveys: 'surveys   ',
  processing: 'processing',
  refit: 'refit     ',
  emails: 'emails    ',
};

export function registerSeed(program: Command): void {
  program
    .command('seed')
    .description(
      'load a realistic synthetic population (signups, BG/NBD order histories, surveys) into the running local API, then refit the model',
    )
    .option('--demo', 'the demo population (required: the only kind there is today)')
    .option('--customers <n>', 'how many customers', '3000')
    .option('--seed <s>', 'random seed: the same seed gives the same population', '1')
    .option('--concurrency <n>', 'requests in flight', '16')
    .option('--timeout <seconds>', 'how long to wait for the pipeline and the refit', '600')
    .option('--json', 'print the result as JSON')
    .action(async (opts: SeedOptions) => {
      if (!opts.demo) throw new Error('say what to seed: precis seed --demo');
      const customers = wholeNumber('--customers', opts.customers, 1, 1_000_000);
      const seed = wholeNumber('--seed', opts.seed, 0, 2 ** 32 - 1);
      const concurrency = wholeNumber('--concurrency', opts.concurrency, 1, 256);
      const timeout = wholeNumber('--timeout', opts.timeout, 1, 86_400);
      const api = localApi(process.env);
      const bar = process.stderr.isTTY
        ? new SingleBar({
            stream: process.stderr,
            format: '{phase} [{bar}] {value}/{total}',
            hideCursor: true,
            clearOnComplete: true,
          })
        : undefined;
      let shown: SeedProgress['phase'] | undefined;
      // Loaded here, not at the top: the demo generator and its DynamoDB client stay out of every
      // other command's start (and out of `precis --help`).
      const { formatSeedResult, seedDemo } = await import('../../demo/seed');
      try {
        const result = await seedDemo({
          url: api.url,
          adminKey: api.adminKey,
          customers,
          seed,
          concurrency,
          timeoutMs: timeout * 1000,
          onProgress: ({ phase, done, total }) => {
            if (!bar) return;
            if (phase !== shown) {
              if (shown) bar.stop();
              bar.start(total, done, { phase: PHASE_LABELS[phase] });
              shown = phase;
            } else bar.update(done);
          },
        });
        bar?.stop();
        process.stdout.write(
          opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatSeedResult(result)}\n`,
        );
      } finally {
        bar?.stop();
      }
    });
}

function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new Error(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}
