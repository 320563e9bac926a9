import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapacityTally, Units } from '../lib/adapters/dynamodb/capacity';
import { type MeasuredUnits, MeasuredUnitsSchema, type UnitsEvent } from '../lib/capacity/model';
import type { InvocationCount } from '../lib/local/activity';

/** Capacity units per operation, by table and index, as a printable table (local units, then AWS's). */
export function capacityRows(tally: CapacityTally, operations: number): string[] {
  const row = (target: string, units: Units) =>
    `  ${target.padEnd(34)} read ${(units.read / operations).toFixed(2).padStart(6)}  write ${(units.write / operations).toFixed(2).padStart(6)}` +
    (units.awsWrite !== units.write || units.awsRead !== units.read
      ? `  (AWS: read ${(units.awsRead / operations).toFixed(2)}, write ${(units.awsWrite / operations).toFixed(2)})`
      : '');
  const rows = [...tally.byTarget.entries()].map(([target, units]) => row(target, units));
  rows.push(row('total', tally.total()));
  return rows;
}

/** Each function's invocations and records per operation between two counts of the runtime's (those that ran). */
export function invocationsPer(
  before: Record<string, InvocationCount>,
  after: Record<string, InvocationCount>,
  operations: number,
): Record<string, InvocationCount> {
  const per: Record<string, InvocationCount> = {};
  for (const [name, count] of Object.entries(after)) {
    const invocations = count.invocations - (before[name]?.invocations ?? 0);
    const records = count.records - (before[name]?.records ?? 0);
    if (invocations > 0) per[name] = { invocations: invocations / operations, records: records / operations };
  }
  return per;
}

/** Function invocations per operation as a printable table, with the records stream, queue and topic calls carried. */
export function invocationRows(per: Record<string, InvocationCount>): string[] {
  const rows = Object.entries(per)
    .sort(([p], [q]) => p.localeCompare(q))
    .map(
      ([name, count]) =>
        `  ${name.padEnd(34)} invocations ${count.invocations.toFixed(2).padStart(6)}` +
        // Only stream, queue and topic events carry records; an HTTP or EventBridge call has none.
        (count.records > 0 ? `  records ${count.records.toFixed(2).padStart(6)}` : ''),
    );
  const total = Object.values(per).reduce((sum, count) => sum + count.invocations, 0);
  rows.push(`  ${'total'.padEnd(34)} invocations ${total.toFixed(2).padStart(6)}`);
  return rows;
}

/** Invocations per operation by function, as units.json keeps them (the capacity model prices Lambda requests from them). */
export const invocationsOnly = (per: Record<string, InvocationCount>): Record<string, number> =>
  Object.fromEntries(Object.entries(per).map(([name, count]) => [name, round(count.invocations)]));

export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** `--name value` from a bench's arguments, or the fallback. */
export function option(args: readonly string[], name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? String(args[at + 1]) : fallback;
}

/** Where benches keep the units they measured, for `npm run capacity` (committed: the model's inputs). */
export const UNITS_FILE = join(import.meta.dirname, 'results', 'units.json');

/**
 * Records the AWS capacity units one event costs, as just measured, in bench/results/units.json
 * (the other events' figures are kept), so the capacity model always prices measured figures.
 */
export function recordUnits(
  event: UnitsEvent,
  tally: CapacityTally,
  operations: number,
  extra: { command: string; latencyMs?: number; invocations?: Record<string, number> },
): void {
  let current: MeasuredUnits = {};
  try {
    current = MeasuredUnitsSchema.parse(JSON.parse(readFileSync(UNITS_FILE, 'utf8')));
  } catch {
    current = {};
  }
  const total = tally.total();
  current[event] = {
    read: round(total.awsRead / operations),
    write: round(total.awsWrite / operations),
    byTarget: Object.fromEntries(
      [...tally.byTarget.entries()].map(([target, units]) => [
        target,
        { read: round(units.awsRead / operations), write: round(units.awsWrite / operations) },
      ]),
    ),
    ...(extra.latencyMs !== undefined && { latencyMs: round(extra.latencyMs) }),
    ...(extra.invocations && { invocations: extra.invocations }),
    command: extra.command,
    measuredAt: new Date().toISOString().slice(0, 10),
  };
  writeFileSync(UNITS_FILE, `${JSON.stringify(current, null, 2)}\n`);
}

const round = (n: number) => Math.round(n * 1000) / 1000;
