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
  option,
  percentile,
  recordUnits,
} from './support';

const ADMIN_KEY = 'bench-admin-key';

/**
 * `npm run bench -- orders [--orders N] [--customers M] [--concurrency C]`: N orders through the real
 * route and stream path (POST /orders → orders function → Orders table → stream → metrics) on the
 * local runtime with DynamoDB Local, printing orders/s end to end, capacity units per order (table and
 * index, read and write, from ConsumedCapacity), function invocations per order (the API's and each
 * stream or queue consumer's, with the records they carried) and p50/p99 request time.
 */
export async function run(args: string[]): Promise<void> {
  const arg = (name: string, fallback: number) => Number(option(args, name, String(fallback)));
  const orders = arg('orders', 10_000);
  const customers = arg('customers', 1_000);
  const concurrency = arg('concurrency', 8);

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
  const tally = new CapacityTally();
  const print = console.log.bind(console);
  try {
    const post = async (i: number): Promise<number> => {
      const day = new Date(Date.UTC(2025, 0, 1) + Math.floor((i / orders) * 600) * 86_400_000);
      const t0 = performance.now();
      const response = await fetch(`${runtime.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY },
        body: JSON.stringify({
          orderId: `bench-${i}`,
          customer: { email: `customer${i % customers}@example.com` },
          orderedAt: day.toISOString(),
          totalAmount: 20 + (i % 7) * 5,
          currency: 'GBP',
          lineItems: [
            { sku: `SKU-${i % 50}`, category: `category-${i % 5}`, quantity: 1, unitPrice: 20 + (i % 7) * 5 },
          ],
        }),
      });
      if (response.status !== 202)
        throw new Error(`order ${i}: HTTP ${response.status} ${await response.text()}`);
      return performance.now() - t0;
    };

    // Customers first (their creation is not what an order costs), then the orders themselves.
    for (let c = 0; c < customers; c += concurrency) {
      await Promise.all(
        Array.from({ length: Math.min(concurrency, customers - c) }, (_, k) =>
          fetch(`${runtime.url}/signups`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              firstName: 'Bench',
              email: `customer${c + k}@example.com`,
              consent: { email: false, sms: false },
            }),
          }),
        ),
      );
    }
    await runtime.settled(120_000);

    capacityObservers.add(tally);
    const invocationsBefore = runtime.invocations();
    const times: number[] = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < orders) times.push(await post(next++));
      }),
    );
    const accepted = performance.now();
    await runtime.settled(600_000);
    const done = performance.now();
    capacityObservers.delete(tally);
    const invocations = invocationsPer(invocationsBefore, runtime.invocations(), orders);

    times.sort((a, b) => a - b);
    const failures = runtime.failures().length;
    print(
      `orders benchmark: ${orders} orders across ${customers} customers, ${concurrency} in flight, DynamoDB Local`,
    );
    print(
      `  accepted: ${(orders / ((accepted - started) / 1000)).toFixed(0)} orders/s (HTTP p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms)`,
    );
    print(
      `  end to end (metrics current): ${(orders / ((done - started) / 1000)).toFixed(0)} orders/s, ${((done - started) / 1000).toFixed(1)} s`,
    );
    print(`  stream failures: ${failures}`);
    print('capacity units per order (request and stream side, table / index):');
    for (const row of capacityRows(tally, orders)) print(row);
    print(
      `  (each customer ends with ${orders / customers} orders; the metrics query reads the whole history)`,
    );
    print(`function invocations per order (${concurrency} in flight: stream batches hold several records):`);
    for (const row of invocationRows(invocations)) print(row);
    recordUnits('order', tally, orders, {
      command: `npm run bench -- orders --orders ${orders} --customers ${customers}`,
      latencyMs: percentile(times, 50),
      invocations: invocationsOnly(invocations),
    });
  } finally {
    await runtime.stop();
  }
}
