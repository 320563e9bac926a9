import { performance } from 'node:perf_hooks';
import { CapacityTally } from '../lib/adapters/dynamodb/capacity';
import { DynamoCustomerRepository } from '../lib/adapters/dynamodb/dynamo-customer-repository';
import { signupSchema } from '../lib/domain/signup';
import { refreshDerivedKeys } from '../lib/use-cases/refresh-derived-keys';
import { signUp } from '../lib/use-cases/sign-up';
import { benchDatabase, capacityRows, percentile } from './support';

/**
 * `npm run bench -- signup [--count N]`: DynamoDB capacity units per signup, through the same use
 * cases the signup and profile-stream functions run, against DynamoDB Local: the request side (look up
 * the identity, create or update the profile) and the stream side (derive the birthday index keys).
 */
export async function run(args: string[]): Promise<void> {
  const count = Number(args[args.indexOf('--count') + 1] || 500);
  const bench = await benchDatabase();
  try {
    const tally = new CapacityTally((name) => name.replace(/^bench-/, ''));
    const customers = new DynamoCustomerRepository(
      bench.db,
      { customers: bench.name('Customers'), identities: bench.name('Identities') },
      tally,
    );
    let next = 0;
    const deps = { customers, clock: { now: () => new Date() }, newCustomerId: () => `cus_bench_${++next}` };
    const schema = signupSchema({ timeZone: 'Europe/London', locale: 'en-GB', today: '2026-11-24' });
    const signupOf = (i: number, interests: string[]) =>
      schema.parse({
        firstName: 'Bench',
        email: `person${i}@example.com`,
        birthday: `1990-${String((i % 12) + 1).padStart(2, '0')}-15`,
        timeZone: 'Europe/Paris',
        interests,
        consent: { email: true, sms: false },
      });

    const phase = async (label: string, work: (i: number) => Promise<unknown>) => {
      tally.reset();
      const times: number[] = [];
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        await work(i);
        times.push(performance.now() - t0);
      }
      const seconds = (performance.now() - started) / 1000;
      times.sort((a, b) => a - b);
      console.log(
        `\n${label}: ${count} in ${seconds.toFixed(2)} s (${(count / seconds).toFixed(0)}/s local), p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms`,
      );
      console.log('capacity units per signup (table / index):');
      for (const row of capacityRows(tally, count)) console.log(row);
    };

    console.log(`signup benchmark against DynamoDB Local (${count} signups per phase)`);
    await phase('new signup, request side (identity lookup + transactional create)', (i) =>
      signUp(deps, signupOf(i, ['tea'])),
    );
    // The stream side receives the new image in the record: it reads nothing, writes the keys once.
    const plain = new DynamoCustomerRepository(bench.db, { customers: bench.name('Customers') });
    const images = await Promise.all(
      Array.from({ length: count }, (_, i) => plain.get(`cus_bench_${i + 1}`)),
    );
    await phase('new signup, stream side (profile-stream derives the birthday index keys)', async (i) => {
      const image = images[i];
      if (image) await refreshDerivedKeys({ customers, clock: deps.clock }, image);
    });
    const updated = await Promise.all(
      Array.from({ length: count }, (_, i) => plain.get(`cus_bench_${i + 1}`)),
    );
    await phase('stream record of that key update (keys already right: no write)', async (i) => {
      const image = updated[i];
      if (image) await refreshDerivedKeys({ customers, clock: deps.clock }, image);
    });
    await phase('repeated identical signup (no change, no write)', (i) => signUp(deps, signupOf(i, ['tea'])));
    await phase('signup that changes the profile (new interest)', (i) =>
      signUp(deps, signupOf(i, ['tea', 'cake'])),
    );
  } finally {
    await bench.stop();
  }
}
