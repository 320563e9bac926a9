import { performance } from 'node:perf_hooks';
import { synthTemplates } from '../infra/synth';
import { formatSeedResult, seedDemo } from '../lib/demo/seed';
import { startLocalRuntime } from '../lib/local/runtime';

const ADMIN_KEY = 'bench-admin-key';

/**
 * `npm run bench -- demo [--customers N] [--seed S]`: what `npm start -- --demo` does after the
 * runtime is healthy — the demo population through the real API and pipeline, the wait for the
 * streams, the refit, and the emails of the customers due today — on a fresh in-memory runtime with
 * the templates' own batching windows, printing each phase's time and the Node process's CPU time.
 */
export async function run(args: string[]): Promise<void> {
  const option = (name: string, fallback: number) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? Number(args[at + 1]) : fallback;
  };
  const customers = option('customers', 3000);
  const seed = option('seed', 1);
  const startedAt = performance.now();
  const runtime = await startLocalRuntime({
    templates: synthTemplates(),
    adminKey: ADMIN_KEY,
    port: 0,
    localAwsPort: 0,
    sesPort: 0,
    runSchedules: false,
    log: () => {},
    env: { POWERTOOLS_LOG_LEVEL: 'WARN' },
  });
  const healthy = performance.now() - startedAt;
  const cpu = process.cpuUsage();
  try {
    const result = await seedDemo({
      url: runtime.url,
      adminKey: ADMIN_KEY,
      customers,
      seed,
      onProgress: ({ phase, done, total }) => {
        if (done === 0) console.log(`  ${phase} (${total})…`);
      },
    });
    const used = process.cpuUsage(cpu);
    console.log(`runtime healthy in ${(healthy / 1000).toFixed(1)} s`);
    console.log(formatSeedResult(result));
    for (const [phase, ms] of Object.entries(result.millis))
      console.log(`  ${phase.padEnd(12)} ${(ms / 1000).toFixed(1).padStart(6)} s`);
    console.log(
      `  node CPU     ${((used.user + used.system) / 1e6).toFixed(1).padStart(6)} s (the rest of the wall time is DynamoDB Local's Java or waiting)`,
    );
  } finally {
    await runtime.stop();
  }
}
