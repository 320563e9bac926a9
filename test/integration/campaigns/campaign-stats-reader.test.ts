import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { CapacityTally } from '../../../lib/adapters/dynamodb/capacity';
import { DynamoCampaignStatsReader } from '../../../lib/adapters/dynamodb/dynamo-campaign-stats-reader';
import {
  type CampaignCounters,
  type MeasurementGroup,
  statsKeys,
} from '../../../lib/domain/measurement/campaign-stats';
import {
  buildCampaignReport,
  DEFAULT_REPORT_SETTINGS,
  daysBetween,
  resolvePeriod,
} from '../../../lib/domain/measurement/report';
import { appTables, meteredDb } from '../../support/tables';

// The report's read side against DynamoDB Local, on the CampaignStats table created from the
// synthesized template. Counters rows are written directly here (the write path has its own tests):
// two months of days for one campaign, its all-time rows, and a measurement marker that shares
// nothing with them but the table.

let db: DynamoDBDocumentClient;
let table: string;

const put = (
  campaignId: string,
  period: string,
  group: MeasurementGroup,
  counters: Partial<CampaignCounters>,
) =>
  db.send(
    new PutCommand({
      TableName: table,
      Item: { ...statsKeys.counters(campaignId, period, group), ...counters },
    }),
  );

const DAYS = daysBetween('2026-04-01', '2026-05-31');

beforeAll(async () => {
  const tables = await appTables();
  db = tables.db;
  table = tables.nameOf('CampaignStats');
  await Promise.all([
    put('birthday', 'all', 'treated', {
      audience: 6_100,
      sent: 6_000,
      sentEmail: 5_900,
      sentSmsByCountry: { GB: 100 },
      conversions: 732,
      orders: 800,
      revenue: 43_920,
      revenueSquares: 732 * 3_600 * 1.25,
    }),
    put('birthday', 'all', 'holdout', {
      audience: 610,
      conversions: 49,
      orders: 50,
      revenue: 2_450,
      revenueSquares: 49 * 2_500 * 1.25,
    }),
    // Only the treated row of the welcome campaign exists so far.
    put('welcome', 'all', 'treated', { audience: 10, sent: 10, sentEmail: 10 }),
    ...DAYS.flatMap((day) => [
      put('birthday', statsKeys.dayPeriod(day), 'treated', {
        audience: 100,
        sent: 98,
        sentEmail: 97,
        sentSmsByCountry: { GB: 1, PT: 1 },
        conversions: 12,
        orders: 13,
        revenue: 720,
        revenueSquares: 12 * 3_600 * 1.25,
        audienceVip: 20,
        revenueVip: 400,
      }),
      put('birthday', statsKeys.dayPeriod(day), 'holdout', {
        audience: 10,
        conversions: 1,
        orders: 1,
        revenue: 50,
        revenueSquares: 2_500,
      }),
    ]),
    db.send(
      new PutCommand({
        TableName: table,
        Item: { ...statsKeys.measurement('c-1', 'birthday#2026'), stages: new Set(['audience']) },
      }),
    ),
  ]);
});

describe('DynamoCampaignStatsReader', () => {
  it('reads the all-time rows of a campaign', async () => {
    const rows = await new DynamoCampaignStatsReader(db, table).rows('birthday', { allTime: true });
    expect(rows.map((r) => [r.period, r.group, r.counters.audience]).sort()).toEqual([
      ['all', 'holdout', 610],
      ['all', 'treated', 6_100],
    ]);
    expect(rows.find((r) => r.group === 'treated')?.counters.sentSmsByCountry).toEqual({ GB: 100 });
  });

  it('reads exactly the days of a week (Monday to Sunday), both groups', async () => {
    const rows = await new DynamoCampaignStatsReader(db, table).rows('birthday', {
      allTime: false,
      days: { from: '2026-05-11', to: '2026-05-17' },
    });
    expect(rows).toHaveLength(14);
    expect(new Set(rows.map((r) => r.period))).toEqual(
      new Set(daysBetween('2026-05-11', '2026-05-17').map(statsKeys.dayPeriod)),
    );
  });

  it('a campaign with no rows, and a missing group, read as nothing (the report counts zeros)', async () => {
    const reader = new DynamoCampaignStatsReader(db, table);
    expect(
      await reader.rows('no-such-campaign', {
        allTime: true,
        days: { from: '2026-05-01', to: '2026-05-31' },
      }),
    ).toEqual([]);
    const all = await reader.allTime(['birthday', 'welcome', 'no-such-campaign']);
    expect(all.get('birthday')).toHaveLength(2);
    expect(all.get('welcome')?.map((r) => r.group)).toEqual(['treated']);
    expect(all.get('no-such-campaign')).toEqual([]);
  });

  it('a week report built from the rows: the sum of seven days per group', async () => {
    const period = resolvePeriod('week', '2026-05-14', DEFAULT_REPORT_SETTINGS);
    const rows = await new DynamoCampaignStatsReader(db, table).rows('birthday', {
      allTime: false,
      days: { from: period.seriesFrom, to: period.seriesTo },
    });
    const report = buildCampaignReport({
      campaign: { id: 'birthday', name: 'Birthday' },
      currency: 'GBP',
      period,
      rows,
      overallTop20RevenueShare: null,
      settings: DEFAULT_REPORT_SETTINGS,
    });
    expect(report.groups.treated).toMatchObject({ audience: 700, conversions: 84, revenue: 5_040 });
    expect(report.groups.holdout).toMatchObject({ audience: 70, conversions: 7 });
    expect(report.vip.audienceShare).toBeCloseTo(140 / 770, 4);
    expect(report.cost.sms).toBeCloseTo(7 * 0.035 + 7 * 0.05, 2);
  });

  it('capacity per report read: a few read units, no write, whatever the number of customers', async () => {
    const capacity = new CapacityTally();
    const reader = new DynamoCampaignStatsReader(meteredDb(capacity), table);
    // All time: the all# rows plus the 28 days of the chart series.
    const all = resolvePeriod('all', '2026-05-31', DEFAULT_REPORT_SETTINGS);
    await reader.rows('birthday', { allTime: true, days: { from: all.seriesFrom, to: all.seriesTo } });
    const allTime = capacity.total();
    capacity.reset();
    const week = resolvePeriod('week', '2026-05-14', DEFAULT_REPORT_SETTINGS);
    await reader.rows('birthday', { allTime: false, days: { from: week.seriesFrom, to: week.seriesTo } });
    const oneWeek = capacity.total();
    // Eventually consistent reads: 0.5 unit per 4 KB read. 58 rows of ~0.3 KB: ~18 KB.
    expect(allTime.write).toBe(0);
    expect(allTime.read).toBeGreaterThan(0);
    expect(allTime.read).toBeLessThanOrEqual(4);
    expect(oneWeek.read).toBeGreaterThan(0);
    expect(oneWeek.read).toBeLessThanOrEqual(1.5);
  });
});
