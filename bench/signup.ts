import { performance } from 'node:perf_hooks';
import { synthTemplates } from '../infra/synth';
import { capacityObservers } from '../lib/adapters/aws/capacity-observer';
import { CapacityTally } from '../lib/adapters/dynamodb/capacity';
import { startLocalRuntime } from '../lib/local/runtime';
import {
  capacityRows,
  invocationRows,
  invocationsOnly,
  invocationsPer,
  percentile,
  recordUnits,
} from './support';

/**
 * `npm run bench -- signup [--count N]`: DynamoDB capacity units per signup through the real path
 * (POST /signups → signup function → Customers → stream → profile-stream function) on the local
 * runtime: a new person, the same signup again, a signup that changes the profile, and a new person
 * who consents to nothing (the profile's own cost, without the confirmation email); and the function
 * invocations per signup (the API's and each stream or queue consumer's, with their records).
 */
export async function run(args: string[]): Promise<void> {
  const at = args.indexOf('--count');
  const count = at >= 0 ? Number(args[at + 1]) : 500;
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
  const signup = (i: number, interests: string[], email = true) =>
    fetch(`${runtime.url}/signups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        firstName: 'Bench',
        email: `person${i}@example.com`,
        birthday: `1990-${String((i % 12) + 1).padStart(2, '0')}-15`,
        timeZone: 'Europe/Paris',
        interests,
        consent: { email, sms: false },
      }),
    });

  const phase = async (label: string, interests: string[], record = false, from = 0, email = true) => {
    const tally = new CapacityTally();
    capacityObservers.add(tally);
    const invocationsBefore = runtime.invocations();
    const times: number[] = [];
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      const response = await signup(from + i, interests, email);
      if (response.status !== 202) throw new Error(`signup ${i}: HTTP ${response.status}`);
      times.push(performance.now() - t0);
    }
    await runtime.settled(120_000);
    const seconds = (performance.now() - started) / 1000;
    capacityObservers.delete(tally);
    const invocations = invocationsPer(invocationsBefore, runtime.invocations(), count);
    times.sort((a, b) => a - b);
    console.log(
      `\n${label}: ${count} in ${seconds.toFixed(1)} s end to end (${(count / seconds).toFixed(0)}/s local), HTTP p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms`,
    );
    console.log('capacity units per signup, request and stream side (table / index):');
    for (const row of capacityRows(tally, count)) console.log(row);
    console.log('function invocations per signup (one signup at a time):');
    for (const row of invocationRows(invocations)) console.log(row);
    if (record) {
      recordUnits('signup', tally, count, {
        command: `npm run bench -- signup --count ${count}`,
        latencyMs: percentile(times, 50),
        invocations: invocationsOnly(invocations),
      });
    }
  };

  try {
    console.log(`signup benchmark on the local runtime with DynamoDB Local (${count} signups per phase)`);
    await phase('new person', ['tea'], true);
    await phase('the same signup again (no change)', ['tea']);
    await phase('a signup that changes the profile (new interest)', ['tea', 'cake']);
    await phase('a new person consenting to nothing (no confirmation email)', ['tea'], false, count, false);
    if (runtime.failures().length > 0) console.log(`stream failures: ${runtime.failures().length}`);
  } finally {
    await runtime.stop();
  }
}
