import { describe, expect, it } from 'vitest';
import { Random } from '../../../lib/domain/ltv/simulate';
import {
  type CampaignCounters,
  CampaignCountersSchema,
  type MeasurementGroup,
} from '../../../lib/domain/measurement/campaign-stats';
import {
  buildCampaignReport,
  type CountersRow,
  compareProportions,
  DEFAULT_REPORT_SETTINGS,
  isIsoDate,
  isoWeek,
  type ReportSettings,
  ReportSettingsSchema,
  resolvePeriod,
  sendingCost,
  sumCounters,
  twoSidedPValue,
} from '../../../lib/domain/measurement/report';

const counters = (values: Partial<CampaignCounters>): CampaignCounters =>
  CampaignCountersSchema.parse(values);
const row = (period: string, group: MeasurementGroup, values: Partial<CampaignCounters>): CountersRow => ({
  period,
  group,
  counters: counters(values),
});

const report = (
  rows: CountersRow[],
  kind: 'all' | 'week' | 'day' = 'all',
  date = '2026-05-17',
  settings = DEFAULT_REPORT_SETTINGS,
) =>
  buildCampaignReport({
    campaign: { id: 'birthday', name: 'Birthday' },
    currency: 'GBP',
    period: resolvePeriod(kind, date, settings),
    rows,
    overallTop20RevenueShare: 0.78,
    settings,
  });

describe('periods', () => {
  it.each([
    ['2026-05-17', '2026-05-11', '2026-W20'], // a Sunday belongs to the week that started on Monday
    ['2026-05-11', '2026-05-11', '2026-W20'],
    ['2021-01-03', '2020-12-28', '2020-W53'], // early January can be the previous ISO year's week 53
    ['2024-12-30', '2024-12-30', '2025-W01'], // late December can be next year's week 1
  ])('the ISO week of %s starts on %s (%s)', (date, monday, label) => {
    expect(isoWeek(date)).toEqual({ monday, label });
  });

  it('a week report covers Monday to Sunday; a day report that day; all time charts the last 28 days', () => {
    expect(resolvePeriod('week', '2026-05-13', DEFAULT_REPORT_SETTINGS)).toMatchObject({
      from: '2026-05-11',
      to: '2026-05-17',
      label: '2026-W20',
    });
    expect(resolvePeriod('day', '2026-05-13', DEFAULT_REPORT_SETTINGS)).toMatchObject({
      from: '2026-05-13',
      to: '2026-05-13',
    });
    expect(resolvePeriod('all', '2026-05-13', DEFAULT_REPORT_SETTINGS)).toMatchObject({
      from: null,
      seriesFrom: '2026-04-16',
      seriesTo: '2026-05-13',
    });
  });

  it.each(['2026-02-29', '2026-13-01', '17/05/2026', '2026-5-1'])('%s is not a date', (value) => {
    expect(isIsoDate(value)).toBe(false);
  });
});

describe('the two-proportion comparison', () => {
  it('12% against 8% on 10,000 and 1,000 members: +4 points, interval about ±1.9 points, p < 0.001', () => {
    const result = compareProportions(
      { n: 10_000, successes: 1_200 },
      { n: 1_000, successes: 80 },
      DEFAULT_REPORT_SETTINGS,
    );
    expect(result.difference).toBeCloseTo(0.04, 10);
    // Unpooled SE = √(.12·.88/10000 + .08·.92/1000) = 0.009174; × 1.96 = 0.01798.
    expect(result.low).toBeCloseTo(0.04 - 0.01798, 4);
    expect(result.high).toBeCloseTo(0.04 + 0.01798, 4);
    // Pooled p̄ = 1280/11000; z = 0.04 / √(p̄(1−p̄)(1/10000 + 1/1000)) = 3.89.
    expect(result.pValue).toBeGreaterThan(0.00005);
    expect(result.pValue).toBeLessThan(0.0002);
    expect(result.verdict).toBe('positive');
  });

  it('the same rates on 10 times fewer people cannot be told apart from chance', () => {
    const result = compareProportions(
      { n: 1_000, successes: 120 },
      { n: 100, successes: 8 },
      DEFAULT_REPORT_SETTINGS,
    );
    expect(result.low).toBeLessThan(0);
    expect(result.verdict).toBe('not-significant');
  });

  it('a campaign that puts people off is negative', () => {
    const result = compareProportions(
      { n: 9_000, successes: 450 },
      { n: 1_000, successes: 90 },
      DEFAULT_REPORT_SETTINGS,
    );
    expect(result.high).toBeLessThan(0);
    expect(result.verdict).toBe('negative');
  });

  it.each([
    ['a holdout of 50', { n: 450, successes: 60 }, { n: 50, successes: 4 }, 'too few members'],
    [
      '2 expected conversions in the holdout',
      { n: 2_000, successes: 20 },
      { n: 200, successes: 2 },
      'too few conversions',
    ],
  ])('%s is insufficient data: no interval, no p-value', (_, treated, holdout, why) => {
    const result = compareProportions(treated, holdout, DEFAULT_REPORT_SETTINGS);
    expect(result).toMatchObject({ low: null, high: null, pValue: null, verdict: 'insufficient-data' });
    expect(result.difference).not.toBeNull();
    const built = report([
      row('all', 'treated', { audience: treated.n, conversions: treated.successes }),
      row('all', 'holdout', { audience: holdout.n, conversions: holdout.successes }),
    ]);
    expect(built.note).toContain(why);
    expect(built.incrementalRevenue).toEqual({ estimate: null, low: null, high: null });
    expect(built.roi.estimate).toBeNull();
  });

  it('p-values of well-known z scores', () => {
    expect(twoSidedPValue(1.959964)).toBeCloseTo(0.05, 6);
    expect(twoSidedPValue(-2.575829)).toBeCloseTo(0.01, 6);
    expect(twoSidedPValue(0)).toBeCloseTo(1, 6);
  });
});

describe('the campaign report', () => {
  const rows = [
    row('all', 'treated', {
      audience: 10_000,
      skipped: 300,
      failed: 20,
      sent: 9_680,
      delivered: 9_500,
      bounced: 180,
      complained: 3,
      opened: 4_000,
      clicked: 900,
      unsubscribed: 25,
      sentEmail: 9_000,
      sentSmsByCountry: { GB: 500, PT: 180 },
      conversions: 1_200,
      orders: 1_300,
      revenue: 72_000,
      // 1,200 converters each spending 60 on average with a spread: Σx² = 1200 × (60² + 30²).
      revenueSquares: 1_200 * (3_600 + 900),
      audienceVip: 2_100,
      conversionsVip: 500,
      revenueVip: 43_200,
    }),
    row('all', 'holdout', {
      audience: 1_000,
      conversions: 80,
      orders: 84,
      revenue: 4_000,
      revenueSquares: 80 * (2_500 + 625),
      audienceVip: 210,
      conversionsVip: 30,
      revenueVip: 2_000,
    }),
  ];
  const built = report(rows);

  it('shows each group funnel, conversion rate and revenue per recipient', () => {
    expect(built.groups.treated).toMatchObject({
      audience: 10_000,
      sent: 9_680,
      delivered: 9_500,
      opened: 4_000,
      clicked: 900,
      conversions: 1_200,
      conversionRate: 0.12,
      orders: 1_300,
      revenue: 72_000,
      revenuePerRecipient: 7.2,
    });
    expect(built.groups.holdout).toMatchObject({
      audience: 1_000,
      sent: 0,
      conversionRate: 0.08,
      revenuePerRecipient: 4,
    });
    expect(built.holdoutShare).toBeCloseTo(1 / 11, 4);
  });

  it('uplift: +4 points of conversion, +3.20 per recipient, both positive with intervals around them', () => {
    expect(built.verdict).toBe('positive');
    const { conversionRate, revenuePerRecipient } = built.uplift;
    expect(conversionRate.difference).toBeCloseTo(0.04, 6);
    expect(conversionRate.low!).toBeLessThan(0.04);
    expect(conversionRate.high!).toBeGreaterThan(0.04);
    expect(revenuePerRecipient.difference).toBeCloseTo(3.2, 4);
    expect(revenuePerRecipient.low!).toBeGreaterThan(0);
    expect(revenuePerRecipient.verdict).toBe('positive');
  });

  it('incremental revenue = Δ revenue per recipient × treated audience, with its interval', () => {
    expect(built.incrementalRevenue.estimate).toBe(32_000);
    expect(built.incrementalRevenue.low!).toBeLessThan(32_000);
    expect(built.incrementalRevenue.high!).toBeGreaterThan(32_000);
    expect(built.incrementalRevenue.low).toBeCloseTo(built.uplift.revenuePerRecipient.low! * 10_000, -1);
  });

  it('cost: 9,000 emails at 0.10 per 1,000, 500 texts to GB at 0.035 and 180 to an unlisted country at 0.05', () => {
    expect(built.cost).toEqual({ email: 0.9, sms: 26.5, total: 27.4 });
    expect(sendingCost(counters({ sentSmsByCountry: { ZZ: 10 } }), DEFAULT_REPORT_SETTINGS.costs).sms).toBe(
      0.5,
    );
  });

  it('ROI on revenue by default, on gross margin when configured', () => {
    expect(built.roi).toMatchObject({ basis: 'revenue', grossMargin: 1 });
    expect(built.roi.estimate).toBeCloseTo((32_000 - 27.4) / 27.4, 2);
    const margin: ReportSettings = ReportSettingsSchema.parse({ grossMargin: 0.4 });
    const onMargin = report(rows, 'all', '2026-05-17', margin);
    expect(onMargin.roi).toMatchObject({ basis: 'gross-margin', grossMargin: 0.4 });
    expect(onMargin.roi.estimate).toBeCloseTo((32_000 * 0.4 - 27.4) / 27.4, 2);
  });

  it('the 80/20 view: VIPs are 21% of the audience and 59.5% of its attributed revenue', () => {
    expect(built.vip).toEqual({ audienceShare: 0.21, revenueShare: 0.5947, overallTop20RevenueShare: 0.78 });
  });

  it('a week is the sum of its seven days; rows outside it and the all rows are left out', () => {
    const days = [
      row('day#2026-05-10', 'treated', { audience: 999, conversions: 999 }), // the Sunday before
      row('day#2026-05-11', 'treated', { audience: 100, conversions: 10, sentSmsByCountry: { GB: 3 } }),
      row('day#2026-05-17', 'treated', { audience: 50, conversions: 5, sentSmsByCountry: { GB: 2, US: 1 } }),
      row('day#2026-05-13', 'holdout', { audience: 15, conversions: 1 }),
      row('day#2026-05-18', 'holdout', { audience: 999 }), // the Monday after
      row('all', 'treated', { audience: 5_000 }),
    ];
    const week = report(days, 'week', '2026-05-14');
    expect(week.period.label).toBe('2026-W20');
    expect(week.groups.treated).toMatchObject({ audience: 150, conversions: 15 });
    expect(week.groups.holdout).toMatchObject({ audience: 15, conversions: 1 });
    expect(week.cost.sms).toBe(0.18); // 5 × 0.035 + 1 × 0.007, to the cent
    expect(week.series.map((p) => [p.day, p.treated.audience])).toEqual([
      ['2026-05-11', 100],
      ['2026-05-12', 0],
      ['2026-05-13', 0],
      ['2026-05-14', 0],
      ['2026-05-15', 0],
      ['2026-05-16', 0],
      ['2026-05-17', 50],
    ]);
    expect(week.verdict).toBe('insufficient-data');
  });

  it('a campaign with no rows yet is all zeros and insufficient data, never NaN', () => {
    const empty = report([]);
    expect(empty.groups.treated).toMatchObject({
      audience: 0,
      conversionRate: null,
      revenuePerRecipient: null,
    });
    expect(empty.verdict).toBe('insufficient-data');
    expect(empty.cost.total).toBe(0);
    expect(empty.roi.estimate).toBeNull();
    expect(JSON.stringify(empty)).not.toContain('NaN');
  });

  it('sums counters, SMS countries included', () => {
    const total = sumCounters([
      counters({ audience: 1, revenue: 10.1, sentSmsByCountry: { GB: 1 } }),
      counters({ audience: 2, revenue: 0.2, sentSmsByCountry: { GB: 2, FR: 1 } }),
    ]);
    expect(total).toMatchObject({ audience: 3, sentSmsByCountry: { GB: 3, FR: 1 } });
    expect(total.revenue).toBeCloseTo(10.3, 10);
  });
});

// A simulated population with a known effect: each customer is held out with probability 10%;
// treated customers convert at 12%, holdout at 8%; a converter places 1–3 orders of Gamma(2, mean
// 60) each. Deterministic for each seed.
const TRUE_UPLIFT = 0.04;
const MEAN_ORDER = 60;
const MEAN_ORDERS = 2; // uniform on 1..3
const TRUE_REVENUE_UPLIFT = TRUE_UPLIFT * MEAN_ORDER * MEAN_ORDERS;

function simulate(customers: number, seed: number): CountersRow[] {
  const rng = new Random(seed);
  const groups = { treated: counters({}), holdout: counters({}) };
  for (let i = 0; i < customers; i++) {
    const group = rng.uniform() < 0.1 ? groups.holdout : groups.treated;
    group.audience += 1;
    const rate = group === groups.holdout ? 0.08 : 0.12;
    if (rng.uniform() >= rate) continue;
    const orders = 1 + Math.floor(rng.uniform() * 3);
    let spend = 0;
    for (let k = 0; k < orders; k++) spend += rng.gamma(2, 2 / MEAN_ORDER);
    group.conversions += 1;
    group.orders += orders;
    group.revenue += spend;
    group.revenueSquares += spend * spend;
  }
  return [
    { period: 'all', group: 'treated', counters: groups.treated },
    { period: 'all', group: 'holdout', counters: groups.holdout },
  ];
}

describe('a simulated population with a known effect (12% treated vs 8% holdout)', () => {
  it('20,000 customers: the interval holds the true 4-point uplift and the verdict is positive', () => {
    const built = report(simulate(20_000, 1));
    const { conversionRate, revenuePerRecipient } = built.uplift;
    expect(built.groups.holdout.audience).toBeGreaterThan(1_800);
    expect(conversionRate.low!).toBeLessThanOrEqual(TRUE_UPLIFT);
    expect(conversionRate.high!).toBeGreaterThanOrEqual(TRUE_UPLIFT);
    expect(built.verdict).toBe('positive');
    expect(revenuePerRecipient.low!).toBeLessThanOrEqual(TRUE_REVENUE_UPLIFT);
    expect(revenuePerRecipient.high!).toBeGreaterThanOrEqual(TRUE_REVENUE_UPLIFT);
  });

  it('200 customers: never a confident number', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const built = report(simulate(200, seed));
      expect(built.verdict).toBe('insufficient-data');
      expect(built.uplift.conversionRate.low).toBeNull();
      expect(built.incrementalRevenue.estimate).toBeNull();
    }
  });

  it('over 200 seeds the 95% intervals hold the true uplift about 95% of the time', () => {
    let conversionCovered = 0;
    let revenueCovered = 0;
    const seeds = 200;
    for (let seed = 1; seed <= seeds; seed++) {
      const { conversionRate, revenuePerRecipient } = report(simulate(20_000, 1_000 + seed)).uplift;
      if (conversionRate.low! <= TRUE_UPLIFT && TRUE_UPLIFT <= conversionRate.high!) conversionCovered++;
      if (revenuePerRecipient.low! <= TRUE_REVENUE_UPLIFT && TRUE_REVENUE_UPLIFT <= revenuePerRecipient.high!)
        revenueCovered++;
    }
    // Binomial(200, 0.95) lies in [180, 198] with probability > 99.9%.
    expect(conversionCovered / seeds).toBeGreaterThanOrEqual(0.9);
    expect(conversionCovered / seeds).toBeLessThanOrEqual(0.99);
    expect(revenueCovered / seeds).toBeGreaterThanOrEqual(0.9);
    expect(revenueCovered / seeds).toBeLessThanOrEqual(0.99);
  });
});
