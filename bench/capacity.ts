import { readFileSync } from 'node:fs';
import { capacityPlan, MeasuredUnitsSchema, type Workload } from '../lib/capacity/model';
import { capacityMarkdown, planText } from '../lib/capacity/render';
import { option, UNITS_FILE } from './support';

// `npm run capacity -- --customers N --orders-per-second R --messages-per-day M [--index-shards S]
//                      [--orders-per-day D] [--signups-per-day S] [--send-hours H] [--markdown]`
// Prints what the account needs (DynamoDB units, partitions and cost, stream shards, Lambda and API
// rates, SES rates) and the limits in the order the shop reaches them, from the capacity units the
// benches measured (bench/results/units.json). `--markdown` prints docs/capacity.md's scenarios.

const args = process.argv.slice(2);
const measured = MeasuredUnitsSchema.parse(JSON.parse(readFileSync(UNITS_FILE, 'utf8')));

const n = (name: string, fallback?: number): number | undefined => {
  const raw = option(args, name, fallback === undefined ? '' : String(fallback));
  if (raw === '') return undefined;
  const value = Number(raw);
  if (!(Number.isFinite(value) && value >= 0)) {
    console.error(`--${name} takes a number ≥ 0 (got '${raw}')`);
    process.exit(2);
  }
  return value;
};

if (args.includes('--markdown')) {
  process.stdout.write(capacityMarkdown(measured));
} else {
  const workload: Workload = {
    customers: n('customers', 100_000) as number,
    ordersPerSecond: n('orders-per-second', 10) as number,
    messagesPerDay: n('messages-per-day', 10_000) as number,
    ...(n('orders-per-day') !== undefined && { ordersPerDay: n('orders-per-day') }),
    ...(n('signups-per-day') !== undefined && { signupsPerDay: n('signups-per-day') }),
    ...(n('send-hours') !== undefined && { sendHours: n('send-hours') }),
    ...(n('index-shards') !== undefined && { indexShards: n('index-shards') }),
  };
  process.stdout.write(planText(measured, capacityPlan(measured, workload)));
}
