import * as z from '../../zod';
import { roundMoney } from '../money';
import {
  type CampaignCounters,
  CampaignCountersSchema,
  MEASUREMENT_GROUPS,
  type MeasurementGroup,
  statsKeys,
} from './campaign-stats';

// The campaign report, built from the pre-aggregated counters rows of one campaign (see
// campaign-stats.ts): per group (treated, holdout) the funnel, conversions and revenue; then the
// uplift of the treated group over the holdout with 95% intervals, the incremental revenue, the
// sending cost and the ROI. Pure: the rows come from the CampaignStats reader.
//
// Methods (also in the README, "Measuring campaigns"):
// - Conversion rate = deliveries with an attributed order / audience (intent to treat: skipped and
//   failed members stay in the treated audience). Difference p_t − p_h with a 95% Wald interval on
//   the unpooled standard error √(p_t(1−p_t)/n_t + p_h(1−p_h)/n_h); p-value from the two-proportion
//   z-test with the pooled rate p̄ (the standard error under "no difference").
// - Revenue per recipient = attributed revenue / audience. Difference of the two means with a 95%
//   interval from the normal approximation to Welch's test: SE = √(s_t²/n_t + s_h²/n_h), each s²
//   the sample variance of revenue per recipient from Σrevenue and Σrevenue² (revenueSquares).
//   With at least `minGroupSize` (default 100) per group the z and t quantiles differ by < 1.5%.
// - Incremental revenue = Δ revenue per recipient × treated audience (interval scaled the same).
// - Cost = email price per 1,000 × emails sent + Σ SMS price of the destination country × texts
//   sent there (the default price for countries not listed).
// - ROI = (incremental revenue × gross margin − cost) / cost. With the default gross margin of 1
//   this is ROI on revenue, not on profit; set `grossMargin` (e.g. 0.4) for ROI on margin.
// - Verdict: `insufficient-data` when either group has fewer than `minGroupSize` members or fewer
//   than `minExpectedConversions` (default 5) expected conversions or non-conversions under the
//   pooled rate (n·p̄ and n·(1−p̄): the usual condition for the normal approximation); then no
//   interval, incremental revenue or ROI is shown, only the observed group numbers. Otherwise
//   `positive` / `negative` when the 95% interval excludes zero and the test rejects at 5% (the two
//   agree except at the margin, where the verdict stays `not-significant`), else `not-significant`.

/** The 97.5% quantile of the standard normal: a two-sided 95% interval is estimate ± Z95 × SE. */
export const Z95 = 1.959963984540054;
const ALPHA = 0.05;

const price = z.number().check(z.gte(0));

/** Sending prices and report thresholds (from the deployment config). Prices in the reporting currency. */
export const ReportSettingsSchema = z.strictObject({
  costs: z.prefault(
    z.strictObject({
      /** SES: price per 1,000 emails. */
      emailPer1000: z._default(price, 0.1),
      /** SNS: price per SMS for countries not in `smsByCountry`. */
      smsDefault: z._default(price, 0.05),
      /** SNS: price per SMS by destination country (ISO 3166 alpha-2). */
      smsByCountry: z._default(
        z.record(
          z.string().check(z.regex(/^[A-Z]{2}$/, { error: 'must be an ISO 3166 alpha-2 code' })),
          price,
        ),
        { GB: 0.035, IE: 0.06, US: 0.007, DE: 0.075, FR: 0.06 },
      ),
    }),
    {},
  ),
  /** Share of revenue that is margin: 1 reports ROI on revenue; e.g. 0.4 reports ROI on gross margin. */
  grossMargin: z._default(z.number().check(z.gt(0), z.lte(1)), 1),
  /** Fewer members than this in either group: `insufficient-data`. */
  minGroupSize: z._default(z.int().check(z.gte(2)), 100),
  /** Fewer expected conversions (or non-conversions) than this in either group: `insufficient-data`. */
  minExpectedConversions: z._default(z.number().check(z.gte(0)), 5),
  /** Days in the per-day series of an all-time report (ending at the report's date). */
  seriesDays: z._default(z.int().check(z.gte(1), z.lte(366)), 28),
});
export type ReportSettings = z.infer<typeof ReportSettingsSchema>;
export const DEFAULT_REPORT_SETTINGS: ReportSettings = ReportSettingsSchema.parse({});

export const REPORT_PERIODS = ['all', 'week', 'day'] as const;
export type ReportPeriodKind = (typeof REPORT_PERIODS)[number];

/** The period a report covers and the days of its chart series (inclusive `YYYY-MM-DD`). */
export interface ResolvedPeriod {
  kind: ReportPeriodKind;
  /** `all`, an ISO week `2026-W20`, or a day `2026-05-17`. */
  label: string;
  /** First and last day of the period; null for all time. */
  from: string | null;
  to: string | null;
  seriesFrom: string;
  seriesTo: string;
}

const DAY_MS = 86_400_000;
const dayNumber = (isoDate: string): number => Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS;
const isoDay = (n: number): string => new Date(n * DAY_MS).toISOString().slice(0, 10);

/** A real calendar date `YYYY-MM-DD`. */
export const isIsoDate = (value: string): boolean =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(dayNumber(value)) && isoDay(dayNumber(value)) === value;

/** Monday of the ISO week of `isoDate`, and that week's label (`2026-W20`). */
export function isoWeek(isoDate: string): { monday: string; label: string } {
  const n = dayNumber(isoDate);
  const weekday = (new Date(n * DAY_MS).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const monday = n - weekday;
  // The ISO year is the year of the week's Thursday; week 1 holds the year's first Thursday.
  const thursday = monday + 3;
  const year = new Date(thursday * DAY_MS).getUTCFullYear();
  const week = Math.floor((thursday - dayNumber(`${year}-01-01`)) / 7) + 1;
  return { monday: isoDay(monday), label: `${year}-W${String(week).padStart(2, '0')}` };
}

/** The days from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let n = dayNumber(from); n <= dayNumber(to); n++) days.push(isoDay(n));
  return days;
}

/** The period of a report on `date` (a day in the operator's time zone). */
export function resolvePeriod(
  kind: ReportPeriodKind,
  date: string,
  settings: ReportSettings,
): ResolvedPeriod {
  switch (kind) {
    case 'all':
      return {
        kind,
        label: 'all',
        from: null,
        to: null,
        seriesFrom: isoDay(dayNumber(date) - settings.seriesDays + 1),
        seriesTo: date,
      };
    case 'week': {
      const { monday, label } = isoWeek(date);
      const sunday = isoDay(dayNumber(monday) + 6);
      return { kind, label, from: monday, to: sunday, seriesFrom: monday, seriesTo: sunday };
    }
    case 'day':
      return { kind, label: date, from: date, to: date, seriesFrom: date, seriesTo: date };
  }
}

/** One counters row as stored: its period (`all` or `day#YYYY-MM-DD`), group and counters. */
export interface CountersRow {
  period: string;
  group: MeasurementGroup;
  counters: CampaignCounters;
}

export const ZERO_COUNTERS: CampaignCounters = CampaignCountersSchema.parse({});

/** The sum of counters rows (a week is the sum of its seven days). */
export function sumCounters(rows: readonly CampaignCounters[]): CampaignCounters {
  const total: CampaignCounters = { ...ZERO_COUNTERS, sentSmsByCountry: {}, skippedByReason: {} };
  for (const row of rows) {
    for (const key of Object.keys(total) as (keyof CampaignCounters)[]) {
      if (key === 'sentSmsByCountry' || key === 'skippedByReason') continue;
      (total[key] as number) += row[key] as number;
    }
    for (const [country, n] of Object.entries(row.sentSmsByCountry)) {
      total.sentSmsByCountry[country] = (total.sentSmsByCountry[country] ?? 0) + n;
    }
    for (const [reason, n] of Object.entries(row.skippedByReason)) {
      total.skippedByReason[reason] = (total.skippedByReason[reason] ?? 0) + n;
    }
  }
  return total;
}

export type Verdict = 'insufficient-data' | 'not-significant' | 'positive' | 'negative';

export interface GroupReport {
  audience: number;
  sent: number;
  delivered: number;
  bounced: number;
  complained: number;
  opened: number;
  clicked: number;
  unsubscribed: number;
  skipped: number;
  /** Of `skipped`, how many for each reason (frequency_cap, left_segment, shared_number…). */
  skippedByReason: Record<string, number>;
  failed: number;
  conversions: number;
  /** conversions / audience; null for an empty group. */
  conversionRate: number | null;
  orders: number;
  revenue: number;
  /** revenue / audience; null for an empty group. */
  revenuePerRecipient: number | null;
}

/** A difference treated − holdout with its 95% interval (null when the verdict is insufficient-data). */
export interface Difference {
  /** The observed difference; null when a group is empty. */
  difference: number | null;
  low: number | null;
  high: number | null;
  verdict: Verdict;
}

export interface Interval {
  estimate: number | null;
  low: number | null;
  high: number | null;
}

export interface DaySeriesPoint {
  day: string;
  treated: { audience: number; conversions: number; revenue: number };
  holdout: { audience: number; conversions: number; revenue: number };
}

export interface CampaignReport {
  campaignId: string;
  campaignName: string;
  currency: string;
  period: ResolvedPeriod;
  groups: Record<MeasurementGroup, GroupReport>;
  /** The holdout's share of the measured audience. */
  holdoutShare: number | null;
  /** The headline: the conversion-rate verdict. */
  verdict: Verdict;
  uplift: {
    conversionRate: Difference & { pValue: number | null };
    revenuePerRecipient: Difference;
  };
  incrementalRevenue: Interval;
  cost: { email: number; sms: number; total: number };
  roi: Interval & { basis: 'revenue' | 'gross-margin'; grossMargin: number };
  /** The 80/20 view: VIPs (top 20% by value when the occasion was claimed) in this campaign. */
  vip: {
    audienceShare: number | null;
    revenueShare: number | null;
    /** Share of all revenue from the top 20% of buyers, from the last refit's segment summary. */
    overallTop20RevenueShare: number | null;
  };
  series: DaySeriesPoint[];
  /** Why the verdict is what it is, in one sentence. */
  note: string;
}

export interface ReportInput {
  campaign: { id: string; name: string };
  currency: string;
  period: ResolvedPeriod;
  /** Every counters row read for the report: the `all` rows and/or the days of the period and series. */
  rows: readonly CountersRow[];
  overallTop20RevenueShare: number | null;
  settings: ReportSettings;
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);
const round = (value: number | null, digits = 6): number | null =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
const money = (value: number | null): number | null => (value === null ? null : roundMoney(value));

/** P(|Z| > |z|) for a standard normal Z (erfc, Numerical Recipes' Chebyshev fit, |error| < 1.2e-7). */
export function twoSidedPValue(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  let poly = 0;
  for (const c of ERFC_COEFFICIENTS) poly = c + t * poly;
  const erfc = t * Math.exp(-x * x + poly);
  return Math.min(1, Math.max(0, erfc));
}

// Highest order first, evaluated by Horner's rule in t.
const ERFC_COEFFICIENTS = [
  0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196,
  1.00002368, -1.26551223,
] as const;

/** Counts of a two-group comparison of proportions. */
export interface ProportionSample {
  n: number;
  successes: number;
}

/** Why a comparison cannot be trusted yet; undefined when it can. */
export function insufficiency(
  treated: ProportionSample,
  holdout: ProportionSample,
  settings: Pick<ReportSettings, 'minGroupSize' | 'minExpectedConversions'>,
): string | undefined {
  const smaller = Math.min(treated.n, holdout.n);
  if (smaller < settings.minGroupSize) {
    return `too few members: ${smaller} in the smaller group, at least ${settings.minGroupSize} needed`;
  }
  const pooled = (treated.successes + holdout.successes) / (treated.n + holdout.n);
  const expected = Math.min(...[treated.n, holdout.n].flatMap((n) => [n * pooled, n * (1 - pooled)]));
  if (expected < settings.minExpectedConversions) {
    return `too few conversions: ${expected.toFixed(1)} expected in a group, at least ${settings.minExpectedConversions} needed`;
  }
  return undefined;
}

/** p_t − p_h: unpooled 95% Wald interval, pooled two-proportion z-test. */
export function compareProportions(
  treated: ProportionSample,
  holdout: ProportionSample,
  settings: Pick<ReportSettings, 'minGroupSize' | 'minExpectedConversions'>,
): Difference & { pValue: number | null } {
  if (treated.n === 0 || holdout.n === 0) {
    return { difference: null, low: null, high: null, pValue: null, verdict: 'insufficient-data' };
  }
  const pt = treated.successes / treated.n;
  const ph = holdout.successes / holdout.n;
  const difference = pt - ph;
  if (insufficiency(treated, holdout, settings)) {
    return { difference, low: null, high: null, pValue: null, verdict: 'insufficient-data' };
  }
  const se = Math.sqrt((pt * (1 - pt)) / treated.n + (ph * (1 - ph)) / holdout.n);
  const pooled = (treated.successes + holdout.successes) / (treated.n + holdout.n);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / treated.n + 1 / holdout.n));
  const pValue = sePooled > 0 ? twoSidedPValue(difference / sePooled) : 1;
  const low = difference - Z95 * se;
  const high = difference + Z95 * se;
  return { difference, low, high, pValue, verdict: verdictOf(low, high, pValue) };
}

/** Sufficient statistics of a per-recipient amount: n, Σx, Σx². */
export interface MeanSample {
  n: number;
  sum: number;
  sumSquares: number;
}

/** Sample variance from Σx and Σx² (never negative from rounding). */
export function sampleVariance({ n, sum, sumSquares }: MeanSample): number {
  if (n < 2) return 0;
  return Math.max(0, (sumSquares - (sum * sum) / n) / (n - 1));
}

/** mean_t − mean_h with a 95% interval from the normal approximation to Welch's test. */
export function compareMeans(treated: MeanSample, holdout: MeanSample, trusted: boolean): Difference {
  if (treated.n === 0 || holdout.n === 0) {
    return { difference: null, low: null, high: null, verdict: 'insufficient-data' };
  }
  const difference = treated.sum / treated.n - holdout.sum / holdout.n;
  if (!trusted) return { difference, low: null, high: null, verdict: 'insufficient-data' };
  const se = Math.sqrt(sampleVariance(treated) / treated.n + sampleVariance(holdout) / holdout.n);
  const low = difference - Z95 * se;
  const high = difference + Z95 * se;
  const pValue = se > 0 ? twoSidedPValue(difference / se) : difference === 0 ? 1 : 0;
  return { difference, low, high, verdict: verdictOf(low, high, pValue) };
}

function verdictOf(low: number, high: number, pValue: number): Verdict {
  if (pValue >= ALPHA) return 'not-significant';
  if (low > 0) return 'positive';
  if (high < 0) return 'negative';
  return 'not-significant';
}

/** Sending cost of the counted messages (both groups; the holdout sends nothing). */
export function sendingCost(
  counters: CampaignCounters,
  costs: ReportSettings['costs'],
): { email: number; sms: number; total: number } {
  const email = (counters.sentEmail / 1000) * costs.emailPer1000;
  let sms = 0;
  for (const [country, n] of Object.entries(counters.sentSmsByCountry)) {
    sms += n * (costs.smsByCountry[country] ?? costs.smsDefault);
  }
  return { email: roundMoney(email), sms: roundMoney(sms), total: roundMoney(email + sms) };
}

function groupReport(c: CampaignCounters): GroupReport {
  return {
    audience: c.audience,
    sent: c.sent,
    delivered: c.delivered,
    bounced: c.bounced,
    complained: c.complained,
    opened: c.opened,
    clicked: c.clicked,
    unsubscribed: c.unsubscribed,
    skipped: c.skipped,
    skippedByReason: { ...c.skippedByReason },
    failed: c.failed,
    conversions: c.conversions,
    conversionRate: round(ratio(c.conversions, c.audience)),
    orders: c.orders,
    revenue: roundMoney(c.revenue),
    revenuePerRecipient: round(ratio(c.revenue, c.audience), 4),
  };
}

/** The counters of each group over the period: the `all` rows, or the sum of the period's days. */
export function periodTotals(
  period: ResolvedPeriod,
  rows: readonly CountersRow[],
): Record<MeasurementGroup, CampaignCounters> {
  const inPeriod = (row: CountersRow) => {
    if (period.kind === 'all') return row.period === statsKeys.allPeriod;
    if (!row.period.startsWith('day#')) return false;
    const day = row.period.slice(4);
    return day >= (period.from as string) && day <= (period.to as string);
  };
  const totals = {} as Record<MeasurementGroup, CampaignCounters>;
  for (const group of MEASUREMENT_GROUPS) {
    totals[group] = sumCounters(
      rows.filter((row) => row.group === group && inPeriod(row)).map((r) => r.counters),
    );
  }
  return totals;
}

/** The report of one campaign over one period. A missing row counts as zeros. */
export function buildCampaignReport(input: ReportInput): CampaignReport {
  const { period, settings } = input;
  const totals = periodTotals(period, input.rows);
  const t = totals.treated;
  const h = totals.holdout;

  const conversionRate = compareProportions(
    { n: t.audience, successes: t.conversions },
    { n: h.audience, successes: h.conversions },
    settings,
  );
  const trusted = conversionRate.verdict !== 'insufficient-data';
  const revenuePerRecipient = compareMeans(
    { n: t.audience, sum: t.revenue, sumSquares: t.revenueSquares },
    { n: h.audience, sum: h.revenue, sumSquares: h.revenueSquares },
    trusted,
  );

  const cost = sendingCost(sumCounters([t, h]), settings.costs);
  const scale = (value: number | null) => (value === null ? null : value * t.audience);
  const incrementalRevenue: Interval = trusted
    ? {
        estimate: money(scale(revenuePerRecipient.difference)),
        low: money(scale(revenuePerRecipient.low)),
        high: money(scale(revenuePerRecipient.high)),
      }
    : { estimate: null, low: null, high: null };
  const roiOf = (incremental: number | null) =>
    incremental === null || cost.total <= 0
      ? null
      : round((incremental * settings.grossMargin - cost.total) / cost.total, 4);

  const audience = t.audience + h.audience;
  const revenue = t.revenue + h.revenue;
  const series = daysBetween(period.seriesFrom, period.seriesTo).map((day) => {
    const point = (group: MeasurementGroup) => {
      const c = sumCounters(
        input.rows
          .filter((r) => r.group === group && r.period === statsKeys.dayPeriod(day))
          .map((r) => r.counters),
      );
      return { audience: c.audience, conversions: c.conversions, revenue: roundMoney(c.revenue) };
    };
    return { day, treated: point('treated'), holdout: point('holdout') };
  });

  return {
    campaignId: input.campaign.id,
    campaignName: input.campaign.name,
    currency: input.currency,
    period,
    groups: { treated: groupReport(t), holdout: groupReport(h) },
    holdoutShare: round(ratio(h.audience, audience), 4),
    verdict: conversionRate.verdict,
    uplift: {
      conversionRate: {
        ...conversionRate,
        difference: round(conversionRate.difference),
        low: round(conversionRate.low),
        high: round(conversionRate.high),
        pValue: round(conversionRate.pValue),
      },
      revenuePerRecipient: {
        ...revenuePerRecipient,
        difference: round(revenuePerRecipient.difference, 4),
        low: round(revenuePerRecipient.low, 4),
        high: round(revenuePerRecipient.high, 4),
      },
    },
    incrementalRevenue,
    cost,
    roi: {
      estimate: roiOf(incrementalRevenue.estimate),
      low: roiOf(incrementalRevenue.low),
      high: roiOf(incrementalRevenue.high),
      basis: settings.grossMargin < 1 ? 'gross-margin' : 'revenue',
      grossMargin: settings.grossMargin,
    },
    vip: {
      audienceShare: round(ratio(t.audienceVip + h.audienceVip, audience), 4),
      revenueShare: round(ratio(t.revenueVip + h.revenueVip, revenue), 4),
      overallTop20RevenueShare: input.overallTop20RevenueShare,
    },
    series,
    note: noteFor(conversionRate, t, h, settings),
  };
}

function noteFor(
  conversion: Difference,
  t: CampaignCounters,
  h: CampaignCounters,
  settings: ReportSettings,
): string {
  switch (conversion.verdict) {
    case 'insufficient-data':
      return `not enough data yet: ${
        insufficiency(
          { n: t.audience, successes: t.conversions },
          { n: h.audience, successes: h.conversions },
          settings,
        ) ?? 'a group is empty'
      }`;
    case 'not-significant':
      return 'the 95% interval of the conversion uplift includes zero: no effect told apart from chance yet';
    case 'positive':
      return 'the treated group converts more than the holdout (95% interval above zero)';
    case 'negative':
      return 'the treated group converts less than the holdout (95% interval below zero)';
  }
}

/** The all-time headline of a campaign for the campaigns list and the dashboard. */
export interface CampaignHeadline {
  campaignId: string;
  campaignName: string;
  enabled: boolean;
  /** The campaign's status and current version (campaigns as data; null: not versioned, e.g. in tests). */
  status: 'active' | 'paused' | 'archived';
  version: number | null;
  audience: { treated: number; holdout: number };
  conversionRate: { treated: number | null; holdout: number | null };
  uplift: { difference: number | null; low: number | null; high: number | null };
  verdict: Verdict;
  incrementalRevenue: Interval;
  cost: number;
}

export function campaignHeadline(
  report: CampaignReport,
  campaign: { enabled: boolean; status: CampaignHeadline['status']; version?: number },
): CampaignHeadline {
  const { conversionRate } = report.uplift;
  return {
    campaignId: report.campaignId,
    campaignName: report.campaignName,
    enabled: campaign.enabled,
    status: campaign.status,
    version: campaign.version ?? null,
    audience: { treated: report.groups.treated.audience, holdout: report.groups.holdout.audience },
    conversionRate: {
      treated: report.groups.treated.conversionRate,
      holdout: report.groups.holdout.conversionRate,
    },
    uplift: { difference: conversionRate.difference, low: conversionRate.low, high: conversionRate.high },
    verdict: report.verdict,
    incrementalRevenue: report.incrementalRevenue,
    cost: report.cost.total,
  };
}
