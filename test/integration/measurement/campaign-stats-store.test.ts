import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CapacityTally } from '../../../lib/adapters/dynamodb/capacity';
import { DynamoCampaignStatsStore } from '../../../lib/adapters/dynamodb/dynamo-campaign-stats-store';
import type { FunnelStage } from '../../../lib/domain/measurement/campaign-stats';
import type { MeasuredDelivery } from '../../../lib/domain/measurement/funnel';
import type { CampaignStatsStore, MeasuredOrder } from '../../../lib/ports/campaign-stats-store';
import { InMemoryCampaignStatsStore } from '../../fakes/in-memory-campaign-stats-store';
import { appTables, meteredDb } from '../../support/tables';

// The CampaignStatsStore contract, run against DynamoDB Local (the table created from the synthesized
// template) and against the in-memory fake the unit tests use: every fact counts once, whatever is
// replayed, duplicated or raced; a cancelled order comes back out exactly.

let table: string;
beforeAll(async () => {
  const { nameOf } = await appTables();
  table = nameOf('CampaignStats');
});

let run = 0;
const implementations: [string, () => { store: CampaignStatsStore; capacity?: CapacityTally }][] = [
  [
    'DynamoDB Local',
    () => {
      const capacity = new CapacityTally();
      return { store: new DynamoCampaignStatsStore(meteredDb(capacity), table), capacity };
    },
  ],
  [
    // The same contract over write-sharded counters rows (counterShards): the counts a reader sums.
    'DynamoDB Local, 8 counter shards',
    () => ({ store: new DynamoCampaignStatsStore(meteredDb(new CapacityTally()), table, 8) }),
  ],
  ['in memory', () => ({ store: new InMemoryCampaignStatsStore() })],
];

describe.each(implementations)('CampaignStatsStore contract (%s)', (_name, make) => {
  let store: CampaignStatsStore;
  let campaign: string;
  beforeEach(() => {
    run++;
    campaign = `birthday-${run}`;
    ({ store } = make());
  });

  const day = 'day#2026-05-17';
  const delivery = (overrides: Partial<MeasuredDelivery> = {}): MeasuredDelivery => ({
    customerId: 'cus_ana',
    deliveryKey: `${campaign}#2026`,
    campaignId: campaign,
    group: 'treated',
    periods: ['all', day],
    channel: 'email',
    vip: false,
    ...overrides,
  });
  const order = (orderId: string, amount: number): MeasuredOrder => ({
    orderId: `${orderId}-${run}`,
    customerId: 'cus_ana',
    orderedAt: '2026-05-19T12:00:00.000Z',
    amount,
  });

  it('counts each funnel stage of a delivery once, in the `all` and the day rows', async () => {
    const ana = delivery();
    expect(await store.countStages(ana, ['audience'])).toEqual(['audience']);
    expect(await store.countStages(ana, ['sent'])).toEqual(['sent']);
    // Out of order: the click arrives before the delivery event; then the delivery event; then a replay.
    expect(await store.countStages(ana, ['delivered', 'opened', 'clicked'])).toEqual([
      'delivered',
      'opened',
      'clicked',
    ]);
    expect(await store.countStages(ana, ['delivered'])).toEqual([]);
    expect(await store.countStages(ana, ['sent', 'delivered', 'opened', 'clicked'])).toEqual([]);
    for (const period of ['all', day]) {
      expect(await store.counters(campaign, period, 'treated')).toMatchObject({
        audience: 1,
        sent: 1,
        sentEmail: 1,
        delivered: 1,
        opened: 1,
        clicked: 1,
        bounced: 0,
        sentSmsByCountry: {},
      });
    }
    expect((await store.counters(campaign, 'all', 'holdout')).audience).toBe(0);
  });

  it('counts only the stages of a partly counted set (a racing record got some first)', async () => {
    const ana = delivery();
    await store.countStages(ana, ['sent', 'delivered']);
    expect(await store.countStages(ana, ['sent', 'delivered', 'opened'])).toEqual(['opened']);
    expect(await store.counters(campaign, 'all', 'treated')).toMatchObject({
      sent: 1,
      delivered: 1,
      opened: 1,
    });
  });

  it('counts SMS per destination country, the first one on a fresh row included, and VIP audiences', async () => {
    const gb = delivery({ deliveryKey: `${campaign}#a`, channel: 'sms', country: 'GB', vip: true });
    const pt = delivery({ customerId: 'cus_bo', channel: 'sms', country: 'PT' });
    // The first write on these rows is an SMS (no audience write made the country map yet).
    await store.countStages(gb, ['sent']);
    await store.countStages(pt, ['audience', 'sent']);
    await store.countStages(gb, ['audience']);
    await store.countStages(delivery({ customerId: 'cus_cy', channel: 'sms', country: 'GB' }), ['sent']);
    const all = await store.counters(campaign, 'all', 'treated');
    expect(all).toMatchObject({ sent: 3, sentEmail: 0, audience: 2, audienceVip: 1 });
    expect(all.sentSmsByCountry).toEqual({ GB: 2, PT: 1 });
  });

  it('attributes an order once; conversions count deliveries; revenue squares are per delivery', async () => {
    const ana = delivery({ vip: true });
    expect(await store.attribute(order('o1', 40), ana)).toBe('attributed');
    expect(await store.attribute(order('o1', 40), ana)).toBe('already_done');
    expect(await store.attribute(order('o2', 10.5), ana)).toBe('attributed');
    const bo = delivery({ customerId: 'cus_bo', group: 'holdout' });
    expect(await store.attribute({ ...order('o3', 25), customerId: 'cus_bo' }, bo)).toBe('attributed');
    for (const period of ['all', day]) {
      expect(await store.counters(campaign, period, 'treated')).toMatchObject({
        orders: 2,
        conversions: 1,
        revenue: 50.5,
        // One delivery with 50.50 in all: 50.5² = 2550.25.
        revenueSquares: 2550.25,
        conversionsVip: 1,
        revenueVip: 50.5,
      });
      expect(await store.counters(campaign, period, 'holdout')).toMatchObject({
        orders: 1,
        conversions: 1,
        revenue: 25,
        revenueSquares: 625,
        conversionsVip: 0,
      });
    }
  });

  it('takes a cancelled order back out exactly, once', async () => {
    const ana = delivery({ vip: true });
    await store.attribute(order('o1', 40), ana);
    await store.attribute(order('o2', 10.5), ana);
    expect(await store.takeBack(`o2-${run}`, '2026-05-20T00:00:00.000Z')).toBe('taken_back');
    expect(await store.takeBack(`o2-${run}`, '2026-05-20T00:00:00.000Z')).toBe('already_done');
    expect(await store.counters(campaign, 'all', 'treated')).toMatchObject({
      orders: 1,
      conversions: 1,
      revenue: 40,
      revenueSquares: 1600,
      revenueVip: 40,
    });
    expect(await store.takeBack(`o1-${run}`, '2026-05-20T00:00:00.000Z')).toBe('taken_back');
    expect(await store.counters(campaign, 'all', 'treated')).toMatchObject({
      orders: 0,
      conversions: 0,
      conversionsVip: 0,
      revenue: 0,
      revenueSquares: 0,
      revenueVip: 0,
    });
    // A replayed placement of a cancelled order attributes nothing.
    expect(await store.attribute(order('o1', 40), ana)).toBe('already_done');
    expect((await store.counters(campaign, 'all', 'treated')).orders).toBe(0);
  });

  it('a cancellation that overtakes its order keeps the order out', async () => {
    expect(await store.takeBack(`o9-${run}`, '2026-05-20T00:00:00.000Z')).toBe('not_attributed');
    expect(await store.attribute(order('o9', 99), delivery())).toBe('already_done');
    expect(await store.takeBack(`o9-${run}`, '2026-05-20T00:00:00.000Z')).toBe('already_done');
    expect((await store.counters(campaign, 'all', 'treated')).revenue).toBe(0);
  });

  it('changes nothing twice when the same records race', async () => {
    const ana = delivery();
    const stages: FunnelStage[][] = [
      ['audience'],
      ['sent'],
      ['sent', 'delivered'],
      ['sent', 'delivered', 'opened'],
    ];
    await Promise.all([...stages, ...stages, ...stages].map((s) => store.countStages(ana, s)));
    const orders = [order('o1', 12.34), order('o2', 0.66), order('o3', 7)];
    await Promise.all([...orders, ...orders, ...orders].map((o) => store.attribute(o, ana)));
    expect(await store.counters(campaign, day, 'treated')).toMatchObject({
      audience: 1,
      sent: 1,
      delivered: 1,
      opened: 1,
      orders: 3,
      conversions: 1,
      revenue: 20,
      revenueSquares: 400,
    });
  });
});
