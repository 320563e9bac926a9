import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { synthTemplates } from '../infra/synth';
import type { CapacityTally } from '../lib/adapters/dynamodb/capacity';
import { startDynamoLocal } from '../lib/local/dynamo-local';
import { buildLocalModel, ensureTables, tableName } from '../lib/local/template';

/** An in-memory DynamoDB Local with the app's tables, created from the synthesized templates. */
export async function benchDatabase() {
  const dynamo = await startDynamoLocal();
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const model = buildLocalModel(synthTemplates());
  await ensureTables(client, model, 'bench-');
  const name = (base: string) => {
    const table = model.tables.find((t) => t.baseName === base);
    if (!table) throw new Error(`no ${base} table in the templates`);
    return tableName(table, 'bench-');
  };
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { dynamo, client, db, name, stop: () => dynamo.stop() };
}

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
