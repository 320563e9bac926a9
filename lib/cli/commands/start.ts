import type { Command } from 'commander';

// `precis start`: the whole pipeline on this machine, as `npm start` runs it (lib/local/main.ts),
// with the same flags. Runs in the foreground until Ctrl-C.

interface StartOptions {
  inMemory?: boolean;
  dataDir?: string;
  templates?: string;
  staticDir?: string;
  demo?: boolean;
  customers: string;
  seed: string;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'run the whole pipeline locally (API on PORT 3000, DynamoDB Local, SES emulator, schedules, dashboard at /) until Ctrl-C',
    )
    .option('--in-memory', 'keep nothing on disk')
    .option('--data-dir <dir>', 'keep data in this directory (default .precis/)')
    .option(
      '--templates <dir|file>',
      'use already-synthesized CloudFormation templates instead of synthesizing infra/',
    )
    .option(
      '--static-dir <dir>',
      'serve this directory under / (default web/, the dashboard, built when missing)',
    )
    .option('--demo', 'load the demo population once the runtime is healthy (as precis seed --demo)')
    .option('--customers <n>', 'demo population size', '3000')
    .option('--seed <s>', 'demo population seed', '1')
    .action(async (opts: StartOptions) => {
      const count = (flag: string, raw: string, min: number) => {
        if (!/^\d+$/.test(raw) || Number(raw) < min)
          throw new Error(`${flag} must be a whole number ≥ ${min}, got "${raw}"`);
        return Number(raw);
      };
      const customers = count('--customers', opts.customers, 1);
      const seed = count('--seed', opts.seed, 0);
      if (opts.inMemory && opts.dataDir) throw new Error('use either --in-memory or --data-dir, not both');
      const { runLocal } = await import('../../local/main');
      await runLocal({
        ...(opts.inMemory && { inMemory: true }),
        ...(opts.dataDir !== undefined && { dataDir: opts.dataDir }),
        ...(opts.templates !== undefined && { templates: opts.templates }),
        ...(opts.staticDir !== undefined && { staticDir: opts.staticDir }),
        ...(opts.demo && { demo: true }),
        customers,
        seed,
      });
      // The runtime runs until a signal ends the process.
      await new Promise<never>(() => {});
    });
}
