import { performance } from 'node:perf_hooks';
import { synthTemplates } from '../infra/synth';
import { capacityObservers } from '../lib/adapters/aws/capacity-observer';
import { CapacityTally } from '../lib/adapters/dynamodb/capacity';
import { startLocalRuntime } from '../lib/local/runtime';
import { capacityRows, option, percentile } from './support';

/**
 * `npm run bench -- signup-timing [--count 200]`: does the time to answer `POST /signups` tell a
 * known address from a new one? On the local runtime, `count` people sign up first; then new and
 * known addresses are posted interleaved (in a shuffled order, so both cohorts see the same load),
 * the known ones as someone else would post them (another name, no time zone). Prints p50/p95 per
 * cohort and the capacity units each cohort used. Local numbers: the comparison is what counts.
 */
export async function run(args: string[]): Promise<void> {
  const count = Number(option(args, 'count', '200'));
  const runtime = await startLocalRuntime({
    templates: synthTemplates(),
    adminKey: 'bench-admin-key',
    port: 0,
    localAwsPort: 0,
    sesPort: 0,
    runSchedules: false,
    log: () => {},
    env: { POWERTOOLS_LOG_LEVEL: 'WARN' },
  });
  const post = async (
    body: Record<string, unknown>,
  ): Promise<{ ms: number; status: number; text: string }> => {
    const t0 = performance.now();
    const response = await fetch(`${runtime.url}/signups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { ms: performance.now() - t0, status: response.status, text };
  };
  const owner = (i: number) => ({
    firstName: 'Marie',
    email: `known${i}@example.com`,
    birthday: '1990-11-07',
    timeZone: 'Europe/Paris',
    consent: { email: true, sms: false },
  });
  const stranger = (email: string) => ({
    firstName: 'Mallory',
    email,
    birthday: '1985-01-01',
    consent: { email: true, sms: false },
  });

  try {
    console.log(`signup timing on the local runtime: ${count} new and ${count} known addresses, interleaved`);
    for (let i = 0; i < count; i++) await post(owner(i));
    for (let i = 0; i < 20; i++) await post(stranger(`warmup${i}@example.com`)); // JIT, connections
    await runtime.settled(300_000);

    // A fixed shuffle (same on every run): new and known alternate irregularly.
    const order = [
      ...Array.from({ length: count }, (_, i) => ({ cohort: 'new' as const, i })),
      ...Array.from({ length: count }, (_, i) => ({ cohort: 'known' as const, i })),
    ];
    let seed = 42;
    for (let i = order.length - 1; i > 0; i--) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const j = seed % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const times = { new: [] as number[], known: [] as number[] };
    const tallies = { new: new CapacityTally(), known: new CapacityTally() };
    const answers = new Set<string>();
    for (const { cohort, i } of order) {
      capacityObservers.add(tallies[cohort]);
      const answer = await post(stranger(cohort === 'new' ? `new${i}@example.com` : `known${i}@example.com`));
      capacityObservers.delete(tallies[cohort]);
      answers.add(`${answer.status} ${answer.text}`);
      times[cohort].push(answer.ms);
    }
    await runtime.settled(300_000);
    console.log(`distinct answers (status and body) over both cohorts: ${answers.size}`);
    for (const cohort of ['new', 'known'] as const) {
      const sorted = [...times[cohort]].sort((a, b) => a - b);
      console.log(
        `${cohort.padEnd(6)} p50 ${percentile(sorted, 50).toFixed(1)} ms  p95 ${percentile(sorted, 95).toFixed(1)} ms  (n=${sorted.length})`,
      );
    }
    for (const cohort of ['new', 'known'] as const) {
      console.log(`capacity units per ${cohort} signup, request side (table / index):`);
      for (const row of capacityRows(tallies[cohort], count)) console.log(row);
    }
  } finally {
    await runtime.stop();
  }
}
