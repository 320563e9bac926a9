import type { CapacityTally } from '../lib/adapters/dynamodb/capacity';

/** Capacity units per operation, by table and index, as a printable table. */
export function capacityRows(tally: CapacityTally, operations: number): string[] {
  const rows = [...tally.byTarget.entries()].map(
    ([target, units]) =>
      `  ${target.padEnd(34)} read ${(units.read / operations).toFixed(2).padStart(6)}  write ${(units.write / operations).toFixed(2).padStart(6)}`,
  );
  const total = tally.total();
  rows.push(
    `  ${'total'.padEnd(34)} read ${(total.read / operations).toFixed(2).padStart(6)}  write ${(total.write / operations).toFixed(2).padStart(6)}`,
  );
  return rows;
}

export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** `--name value` from a bench's arguments, or the fallback. */
export function option(args: readonly string[], name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? String(args[at + 1]) : fallback;
}
