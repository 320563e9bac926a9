import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { synthTemplates } from '../infra/synth';
import { capacityObservers } from '../lib/adapters/aws/capacity-observer';
import type { CapacityKind, CapacityRecorder } from '../lib/adapters/dynamodb/capacity';
import { formatSeedResult, seedDemo } from '../lib/demo/seed';
import { startLocalRuntime } from '../lib/local/runtime';
import { option } from './support';

const ADMIN_KEY = 'bench-admin-key';

/**
 * `npm run bench -- demo [--customers N] [--seed S] [--api]`: what `npm start -- --demo` does once
 * the runtime is healthy — the demo population loaded (in bulk; with --api one request per signup,
 * order and survey, as before), the wait for the streams, the refit, and the birthday emails of the
 * customers due today — on a fresh in-memory runtime with the templates' own batching windows,
 * printing each phase's wall time and the CPU time of this process and of DynamoDB Local (Java).
 * Wall time depends on what else the machine runs; the CPU seconds much less.
 */
export async function run(args: string[]): Promise<void> {
  const arg = (name: string, fallback: number) => Number(option(args, name, String(fallback)));
  const customers = arg('customers', 3000);
  const seed = arg('seed', 1);
  const bulk = !args.includes('--api');
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
  // The functions' DynamoDB calls (and their capacity units) per table, reads and writes.
  const calls = new Map<string, { calls: number; units: number }>();
  const recorder: CapacityRecorder = {
    record(entries: ConsumedCapacity[], kind: CapacityKind) {
      const key = `${entries[0]?.TableName ?? '?'} ${kind}`;
      const row = calls.get(key) ?? { calls: 0, units: 0 };
      row.calls++;
      row.units += entries.reduce((sum, e) => sum + (e.CapacityUnits ?? 0), 0);
      calls.set(key, row);
    },
  };
  capacityObservers.add(recorder);
  const cpu = process.cpuUsage();
  const javaBefore = javaCpuSeconds();
  try {
    const result = await seedDemo({
      url: runtime.url,
      adminKey: ADMIN_KEY,
      customers,
      seed,
      bulk,
      onProgress: ({ phase, done, total }) => {
        if (done === 0) console.log(`  ${phase} (${total})…`);
      },
    });
    const used = process.cpuUsage(cpu);
    const java = javaCpuSeconds() - javaBefore;
    console.log(`runtime healthy in ${(healthy / 1000).toFixed(1)} s`);
    console.log(formatSeedResult(result));
    for (const [phase, ms] of Object.entries(result.millis))
      console.log(`  ${phase.padEnd(12)} ${(ms / 1000).toFixed(1).padStart(6)} s`);
    console.log('  DynamoDB calls by the functions (the bulk writes not included):');
    for (const [key, row] of [...calls.entries()].sort((a, b) => b[1].calls - a[1].calls))
      console.log(
        `    ${key.padEnd(24)} ${String(row.calls).padStart(7)} calls ${row.units.toFixed(0).padStart(8)} units`,
      );
    console.log(
      `  CPU: node ${((used.user + used.system) / 1e6).toFixed(1)} s, DynamoDB Local ${java.toFixed(1)} s`,
    );
  } finally {
    capacityObservers.delete(recorder);
    await runtime.stop();
  }
}

/** CPU seconds (user + system) of this process's DynamoDB Local child so far (Linux /proc). */
function javaCpuSeconds(): number {
  const tick = 100; // USER_HZ
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid || !stat.includes('(java)')) continue;
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}
