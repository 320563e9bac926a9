import { derivedKeys } from '../lib/domain/occasion-keys';
import { DEFAULT_SCORING_SETTINGS } from '../lib/domain/scoring-model';
import { refitModel } from '../lib/use-cases/refit-model';
import { InMemoryCustomerRepository } from '../test/fakes/in-memory-customer-repository';
import { InMemoryModelRepository } from '../test/fakes/in-memory-model-repository';
import { InMemoryProfileScan } from '../test/fakes/in-memory-profile-scan';
import { simulatedCustomers } from '../test/fakes/simulated-population';
import { CAT_LOVERS } from '../test/unit/scoring/fixtures';

// `npm run bench -- refit [--sizes 10000,100000] [--seed N]`
//
// The nightly refit use case on simulated profiles in memory (the in-memory repositories, so this
// measures the use case's own work — summarising, compressing, fitting, thresholds, re-scoring
// every profile, the segment summary — not DynamoDB; see test/integration/scoring for the capacity
// a refit costs on DynamoDB Local). Population: CDNOW's BG/NBD and Gamma-Gamma parameters, α per
// day, first purchases spread over two years. Each size runs twice: the first refit writes every
// profile; the second, on the same data, finds them all unchanged.

const TODAY = '2026-11-24';

export async function run(args: string[]): Promise<void> {
  const sizes = (flag(args, '--sizes') ?? '10000,100000').split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('--sizes takes positive integers');
  const seed = Number(flag(args, '--seed') ?? '1');
  console.log(
    'profiles   simulate   read+summarise   fit   rescore   refit total   written   triples   2nd refit (unchanged)   heap MB',
  );
  for (const size of sizes) {
    let started = performance.now();
    const population = simulatedCustomers({ customers: size, seed, today: TODAY });
    const simulate = performance.now() - started;
    const customers = new InMemoryCustomerRepository();
    for (const c of population) customers.customers.set(c.customerId, c);
    population.length = 0;
    const deps = {
      scan: new InMemoryProfileScan(customers, 1000),
      customers,
      models: new InMemoryModelRepository(),
      clock: { now: () => new Date(`${TODAY}T03:00:00.000Z`) },
      rules: [CAT_LOVERS],
      settings: DEFAULT_SCORING_SETTINGS,
    };
    started = performance.now();
    const first = await refitModel(deps);
    const total = performance.now() - started;
    started = performance.now();
    const second = await refitModel(deps);
    const again = performance.now() - started;
    const heap = process.memoryUsage().heapUsed / 2 ** 20;
    console.log(
      [
        String(size).padStart(8),
        ms(simulate).padStart(10),
        ms(first.millis.read).padStart(16),
        ms(first.millis.fit).padStart(5),
        ms(first.millis.rescore).padStart(9),
        ms(total).padStart(13),
        String(first.rescored.written).padStart(9),
        String(first.triples).padStart(9),
        `${ms(again)} (${second.rescored.unchanged})`.padStart(23),
        heap.toFixed(0).padStart(9),
      ].join(' '),
    );
    const { bgnbd, gammaGamma } = first.model;
    console.log(
      `           fitted r ${bgnbd?.r.toFixed(3)} α ${bgnbd?.alpha.toFixed(2)}/day a ${bgnbd?.a.toFixed(3)} b ${bgnbd?.b.toFixed(3)} · p ${gammaGamma?.p.toFixed(2)} q ${gammaGamma?.q.toFixed(2)} v ${gammaGamma?.v.toFixed(2)}`,
    );
    // The time-zone part of re-scoring: each profile's derived index keys (zone offsets at local noon).
    const now = deps.clock.now();
    started = performance.now();
    for (const customer of customers.customers.values()) derivedKeys(customer, now);
    const perProfile = ((performance.now() - started) * 1000) / size;
    console.log(`           derived index keys ${perProfile.toFixed(2)} µs/profile`);
  }
}

const ms = (millis: number) => `${Math.round(millis)} ms`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
