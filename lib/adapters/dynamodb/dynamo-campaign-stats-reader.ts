import { BatchGetCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  CampaignCountersSchema,
  MEASUREMENT_GROUPS,
  type MeasurementGroup,
  statsKeys,
} from '../../domain/measurement/campaign-stats';
import { type CountersRow, sumCounters } from '../../domain/measurement/report';
import type { CampaignStatsReader, CountersQuery } from '../../ports/campaign-stats-reader';

// BatchGetItem takes at most 100 keys.
const BATCH = 100;
const CAMPAIGN_PREFIX = 'campaign#';

/**
 * The CampaignStats table's counters rows (pk `campaign#<id>`, sk `<period>#<group>`; see
 * domain/measurement/campaign-stats.ts). A report is at most two Queries on the campaign's
 * partition — the `all#` rows, and a sort-key range over the days it shows — so its cost depends on
 * the days read, never on the number of customers. Reads are eventually consistent (half the
 * price; a report a second old is fine).
 */
export class DynamoCampaignStatsReader implements CampaignStatsReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** Write shards of the counters rows (see statsKeys.counterShard): each is read and summed. */
    private readonly counterShards = 1,
  ) {}

  private shards(): number[] {
    return Array.from({ length: this.counterShards }, (_, shard) => shard);
  }

  async rows(campaignId: string, query: CountersQuery): Promise<CountersRow[]> {
    const reads: Promise<CountersRow[]>[] = [];
    for (const shard of this.shards()) {
      const { pk } = statsKeys.counters(campaignId, statsKeys.allPeriod, 'treated', shard);
      if (query.allTime)
        reads.push(this.query(pk, 'begins_with(sk, :from)', { ':from': `${statsKeys.allPeriod}#` }));
      if (query.version !== undefined) {
        const from = `${statsKeys.versionPeriod(query.version)}#`;
        reads.push(this.query(pk, 'begins_with(sk, :from)', { ':from': from }));
      }
      if (query.days) {
        // `day#2026-05-11#holdout` … `day#2026-05-17#treated`: '~' sorts after every group name.
        reads.push(
          this.query(pk, 'sk BETWEEN :from AND :to', {
            ':from': `${statsKeys.dayPeriod(query.days.from)}#`,
            ':to': `${statsKeys.dayPeriod(query.days.to)}#~`,
          }),
        );
      }
    }
    return mergeShards((await Promise.all(reads)).flat());
  }

  async allTime(campaignIds: readonly string[]): Promise<Map<string, CountersRow[]>> {
    const result = new Map<string, CountersRow[]>(campaignIds.map((id) => [id, []]));
    const keys = campaignIds.flatMap((id) =>
      this.shards().flatMap((shard) =>
        MEASUREMENT_GROUPS.map((group) => statsKeys.counters(id, statsKeys.allPeriod, group, shard)),
      ),
    );
    for (let i = 0; i < keys.length; i += BATCH) {
      let pending: Record<string, unknown>[] = keys.slice(i, i + BATCH);
      while (pending.length > 0) {
        const out = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.table]: { Keys: pending } },
            ReturnConsumedCapacity: 'INDEXES',
          }),
        );
        for (const item of out.Responses?.[this.table] ?? []) {
          const row = parseRow(item);
          if (row) result.get(row.campaignId)?.push(row.row);
        }
        // Throttled keys come back unprocessed: ask again for exactly those.
        pending = out.UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    }
    for (const [id, rows] of result) result.set(id, mergeShards(rows));
    return result;
  }

  private async query(
    pk: string,
    skCondition: string,
    values: Record<string, string>,
  ): Promise<CountersRow[]> {
    const rows: CountersRow[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: `pk = :pk AND ${skCondition}`,
          ExpressionAttributeValues: { ':pk': pk, ...values },
          ExclusiveStartKey,
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      for (const item of out.Items ?? []) {
        const row = parseRow(item);
        if (row) rows.push(row.row);
      }
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return rows;
  }
}

/** One row per period and group: the shards' rows of each summed (one row each when unsharded). */
function mergeShards(rows: readonly CountersRow[]): CountersRow[] {
  const byKey = new Map<string, CountersRow[]>();
  for (const row of rows) {
    const key = `${row.period}#${row.group}`;
    const same = byKey.get(key);
    if (same) same.push(row);
    else byKey.set(key, [row]);
  }
  return [...byKey.values()].map((same) =>
    same.length === 1
      ? (same[0] as CountersRow)
      : { ...(same[0] as CountersRow), counters: sumCounters(same.map((row) => row.counters)) },
  );
}

/** A counters row, or undefined for an item of another kind or group. Counters are validated. */
function parseRow(item: Record<string, unknown>): { campaignId: string; row: CountersRow } | undefined {
  const { pk, sk } = item;
  if (typeof pk !== 'string' || typeof sk !== 'string' || !pk.startsWith(CAMPAIGN_PREFIX)) return undefined;
  // `campaign#<id>` or, for shard k > 0, `campaign#<id>#<k>` (campaign ids never hold '#').
  const campaignId = pk.slice(CAMPAIGN_PREFIX.length).split('#')[0] as string;
  const cut = sk.lastIndexOf('#');
  const group = sk.slice(cut + 1) as MeasurementGroup;
  if (cut < 0 || !MEASUREMENT_GROUPS.includes(group)) return undefined;
  return {
    campaignId,
    row: { period: sk.slice(0, cut), group, counters: CampaignCountersSchema.parse(item) },
  };
}
