import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoCampaignStatsReader } from '../../../lib/adapters/dynamodb/dynamo-campaign-stats-reader';
import { DynamoCampaignStatsStore } from '../../../lib/adapters/dynamodb/dynamo-campaign-stats-store';
import { Random } from '../../../lib/domain/ltv/simulate';
import type { FunnelStage } from '../../../lib/domain/measurement/campaign-stats';
import type { MeasuredDelivery } from '../../../lib/domain/measurement/funnel';
import type { CountersRow } from '../../../lib/domain/measurement/report';
import { appTables } from '../../support/tables';

// Write-sharded campaign counters report exactly what unsharded ones do: the same funnel events,
// attributions and cancellations of 240 deliveries — every record delivered twice and in another
// order, as a replaying stream would — counted into one campaign with counterShards = 1 and into
// another with 8, read back by the report's reader (all-time rows, the day rows, and allTime()).

const DAY = '2026-05-17';
let table: string;
let db: Awaited<ReturnType<typeof appTables>>['db'];
beforeAll(async () => {
  const tables = await appTables();
  db = tables.db;
  table = tables.nameOf('CampaignStats');
});

type Fact =
  | { kind: 'stages'; delivery: (campaign: string) => MeasuredDelivery; stages: FunnelStage[] }
  | { kind: 'order'; delivery: (campaign: string) => MeasuredDelivery; orderId: string; amount: number }
  | { kind: 'cancel'; orderId: string };

function facts(run: string): Fact[] {
  const rng = new Random(11);
  const out: Fact[] = [];
  for (let i = 0; i < 240; i++) {
    const customerId = `cus_${run}_${i}`;
    const sms = i % 7 === 0;
    const delivery = (campaign: string): MeasuredDelivery => ({
      customerId,
      deliveryKey: `${campaign}#2026`,
      campaignId: campaign,
      group: i % 10 === 0 ? 'holdout' : 'treated',
      periods: ['all', `day#${DAY}`],
      channel: sms ? 'sms' : 'email',
      ...(sms && { country: i % 2 === 0 ? 'GB' : 'JP' }),
      ...(i % 13 === 0 && { reason: 'frequency_cap' }),
      vip: i % 5 === 0,
    });
    const stages: FunnelStage[] = ['audience'];
    if (i % 10 !== 0) {
      if (i % 13 === 0) stages.push('skipped');
      else stages.push('sent', ...(rng.uniform() < 0.8 ? (['delivered'] as const) : []));
      if (rng.uniform() < 0.4) stages.push('opened');
    }
    out.push({ kind: 'stages', delivery, stages });
    if (rng.uniform() < 0.3) {
      const orderId = `o_${run}_${i}`;
      out.push({ kind: 'order', delivery, orderId, amount: Math.round(rng.uniform() * 10_000) / 100 });
      if (i % 4 === 0) out.push({ kind: 'cancel', orderId });
    }
  }
  return out;
}

async function count(campaign: string, shards: number, all: Fact[]): Promise<void> {
  const store = new DynamoCampaignStatsStore(db, table, shards);
  // Each record twice: in order, then again from the end (a replay after the checkpoint was lost).
  for (const fact of [...all, ...[...all].reverse()]) {
    if (fact.kind === 'stages') await store.countStages(fact.delivery(campaign), fact.stages);
    else if (fact.kind === 'order') {
      await store.attribute(
        {
          orderId: `${campaign}-${fact.orderId}`,
          customerId: fact.delivery(campaign).customerId,
          orderedAt: `${DAY}T12:00:00.000Z`,
          amount: fact.amount,
        },
        fact.delivery(campaign),
      );
    } else await store.takeBack(`${campaign}-${fact.orderId}`, `${DAY}T13:00:00.000Z`);
  }
}

const sorted = (rows: CountersRow[]) =>
  rows
    .map((row) => ({
      ...row,
      counters: { ...row.counters, revenue: Math.round(row.counters.revenue * 100) },
    }))
    .map((row) => ({
      ...row,
      counters: { ...row.counters, revenueSquares: Math.round(row.counters.revenueSquares * 1e4) },
    }))
    .map((row) => ({
      ...row,
      counters: { ...row.counters, revenueVip: Math.round(row.counters.revenueVip * 100) },
    }))
    .sort((p, q) => `${p.period}#${p.group}`.localeCompare(`${q.period}#${q.group}`));

describe('write-sharded campaign counters', () => {
  it('report exactly the unsharded counts, after replays', async () => {
    const run = `c${Date.now()}`;
    const all = facts(run);
    const [plain, sharded] = [`plain-${run}`, `sharded-${run}`];
    await count(plain, 1, all);
    await count(sharded, 8, all);
    const query = { allTime: true, days: { from: DAY, to: DAY } };
    const unshardedRows = await new DynamoCampaignStatsReader(db, table, 1).rows(plain, query);
    const shardedRows = await new DynamoCampaignStatsReader(db, table, 8).rows(sharded, query);
    expect(sorted(shardedRows)).toEqual(sorted(unshardedRows));
    // Not vacuous: four rows (all and the day, treated and holdout), with real counts in them.
    expect(unshardedRows).toHaveLength(4);
    const treated = unshardedRows.find((r) => r.period === 'all' && r.group === 'treated')?.counters;
    expect(treated?.audience).toBe(216);
    expect(treated?.orders).toBeGreaterThan(20);
    expect(Object.keys(treated?.sentSmsByCountry ?? {}).sort()).toEqual(['GB', 'JP']);
    expect(treated?.skippedByReason).toMatchObject({ frequency_cap: expect.any(Number) });

    const byId = await new DynamoCampaignStatsReader(db, table, 8).allTime([sharded]);
    const plainById = await new DynamoCampaignStatsReader(db, table, 1).allTime([plain]);
    expect(sorted(byId.get(sharded) ?? [])).toEqual(sorted(plainById.get(plain) ?? []));
    // The sharded campaign's counts really are spread: an unsharded reader sees only shard 0's part.
    const shardZero = await new DynamoCampaignStatsReader(db, table, 1).rows(sharded, { allTime: true });
    expect(shardZero.find((r) => r.group === 'treated')?.counters.audience).toBeLessThan(216);
  });
});
