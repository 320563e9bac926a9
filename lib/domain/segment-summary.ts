import * as z from '../zod';
import { LIFECYCLE_STAGES } from './lifecycle';
import { RFM_SEGMENTS } from './rfm';
import {
  MATRIX_STRATEGIES,
  MatrixStrategySchema,
  SATISFACTION_LEVELS,
  SATISFACTION_MATRIX,
  SatisfactionLevelSchema,
  VOLUME_LEVELS,
  VolumeLevelSchema,
} from './satisfaction-matrix';
import { SEGMENT_KINDS, type SegmentKind, type Segments } from './scoring';
import { topShare, VALUE_TIERS, VIP_SHARE } from './value-tier';

// The segment summary: each segment's size and share of revenue, and the 80/20 point, computed by
// the nightly refit while it re-scores every profile and stored with the model version, so the
// admin API and the CLI show it without scanning a single customer.
//
// Revenue is what customers have spent (metrics.totalSpend, in the reporting currency). Every known
// segment is listed, empty ones included, in a fixed order: RFM grid, value tiers, lifecycle stages,
// matrix strategies, then the operator's rule segments in config order.

export const SegmentRowSchema = z.object({
  kind: z.enum(SEGMENT_KINDS),
  segment: z.string(),
  customers: z.int().check(z.nonnegative()),
  /** Share of all scored customers (0..1). */
  customerShare: z.number().check(z.gte(0), z.lte(1)),
  revenue: z.number(),
  /** Share of all customers' revenue (0..1); 0 when nobody has spent anything yet. */
  revenueShare: z.number().check(z.gte(0), z.lte(1)),
});
export type SegmentRow = z.infer<typeof SegmentRowSchema>;

/**
 * What the dashboard draws, aggregated during the same re-scoring pass (no request ever reads the
 * customers): the RFM grid, the 3×3 satisfaction matrix, the predicted-CLV distribution, the Pareto
 * curve of revenue, and customers and first orders by month.
 */
export const SegmentChartsSchema = z.object({
  /** Customers by RFM recency (rows, r = 1..5) × frequency (columns, f = 1..5) score. */
  rfmGrid: z.array(z.array(z.int().check(z.nonnegative())).check(z.length(5))).check(z.length(5)),
  /** The 3×3 purchase volume × satisfaction matrix; customers without a survey answer are counted apart. */
  matrix: z.array(
    z.object({
      volume: VolumeLevelSchema,
      satisfaction: SatisfactionLevelSchema,
      strategy: MatrixStrategySchema,
      customers: z.int().check(z.nonnegative()),
    }),
  ),
  matrixUnknownSatisfaction: z.int().check(z.nonnegative()),
  /** Predicted 12-month CLV histogram: counts[i] customers in [edges[i], edges[i+1]) (the last bin open-ended). */
  ltv: z.object({ edges: z.array(z.number()), counts: z.array(z.int().check(z.nonnegative())) }),
  /** Pareto curve: the top customerShare[i] of buyers by spend bring revenueShare[i] of revenue. */
  pareto: z.object({ customerShare: z.array(z.number()), revenueShare: z.array(z.number()) }),
  /** Per month (YYYY-MM, ascending): new customers (by creation) and first orders. */
  months: z.array(
    z.object({
      month: z.string(),
      customers: z.int().check(z.nonnegative()),
      firstOrders: z.int().check(z.nonnegative()),
    }),
  ),
});
export type SegmentCharts = z.infer<typeof SegmentChartsSchema>;

export const SegmentSummarySchema = z.object({
  modelVersion: z.int().check(z.nonnegative()),
  /** The day the segments were scored as of. */
  asOfDay: z.iso.date(),
  computedAt: z.iso.datetime(),
  customers: z.int().check(z.nonnegative()),
  /** Customers who have spent something. */
  buyers: z.int().check(z.nonnegative()),
  revenue: z.number(),
  /** Share of revenue brought by the top 20% of buyers by spend (the 80/20 point); null without revenue. */
  top20RevenueShare: z.nullable(z.number().check(z.gte(0), z.lte(1))),
  /** Share of predicted CLV held by the VIP tier (top 20% by predicted CLV); null before a fit. */
  vipValueShare: z.nullable(z.number().check(z.gte(0), z.lte(1))),
  segments: z.array(SegmentRowSchema),
  /** Absent in summaries stored before the dashboard's aggregates existed. */
  charts: z.optional(SegmentChartsSchema),
});
export type SegmentSummary = z.infer<typeof SegmentSummarySchema>;

const KNOWN: Record<Exclude<SegmentKind, 'rule'>, readonly string[]> = {
  rfm: RFM_SEGMENTS,
  valueTier: VALUE_TIERS,
  lifecycle: LIFECYCLE_STAGES,
  matrix: MATRIX_STRATEGIES,
};

const share = (part: number, whole: number): number =>
  whole > 0 ? Math.min(1, Math.max(0, Math.round((part / whole) * 10_000) / 10_000)) : 0;
const cents = (value: number): number => Math.round(value * 100) / 100;

/** Accumulates the summary one scored profile at a time (memory: one number per buyer). */
export class SegmentSummaryBuilder {
  private readonly counts = new Map<string, { customers: number; revenue: number }>();
  private readonly spends: number[] = [];
  private customers = 0;
  private revenue = 0;
  private readonly rfmGrid = Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]);
  private readonly matrixCells = new Map<string, number>();
  private matrixUnknown = 0;
  private readonly clvs: number[] = [];
  private readonly months = new Map<string, { customers: number; firstOrders: number }>();

  constructor(private readonly ruleIds: readonly string[]) {}

  add(segments: Segments, revenue: number, extra: ChartInputs = {}): void {
    this.customers++;
    this.revenue += revenue;
    if (revenue > 0) this.spends.push(revenue);
    if (segments.rfm) this.rfmGrid[segments.rfm.r - 1]![segments.rfm.f - 1]!++;
    if (segments.matrix) {
      const key = `${segments.matrix.volume}:${segments.matrix.satisfaction}`;
      this.matrixCells.set(key, (this.matrixCells.get(key) ?? 0) + 1);
    } else if (revenue > 0) this.matrixUnknown++;
    if (extra.clv12m !== undefined && extra.clv12m !== null && Number.isFinite(extra.clv12m))
      this.clvs.push(extra.clv12m);
    const month = (iso: string | null | undefined) =>
      iso && /^\d{4}-\d{2}/.test(iso) ? iso.slice(0, 7) : undefined;
    const created = month(extra.createdAt);
    const firstOrder = month(extra.firstOrderAt);
    for (const [key, field] of [
      [created, 'customers'],
      [firstOrder, 'firstOrders'],
    ] as const) {
      if (!key) continue;
      const row = this.months.get(key) ?? { customers: 0, firstOrders: 0 };
      row[field]++;
      this.months.set(key, row);
    }
    const keys = [
      ...(segments.rfm ? [`rfm:${segments.rfm.name}`] : []),
      `valueTier:${segments.valueTier}`,
      `lifecycle:${segments.lifecycle}`,
      ...(segments.matrix ? [`matrix:${segments.matrix.strategy}`] : []),
      ...segments.rules.map((id) => `rule:${id}`),
    ];
    for (const key of keys) {
      const row = this.counts.get(key) ?? { customers: 0, revenue: 0 };
      row.customers++;
      row.revenue += revenue;
      this.counts.set(key, row);
    }
  }

  private charts(): SegmentCharts {
    return {
      rfmGrid: this.rfmGrid.map((row) => [...row]),
      matrix: VOLUME_LEVELS.flatMap((volume) =>
        SATISFACTION_LEVELS.map((satisfaction) => ({
          volume,
          satisfaction,
          strategy: SATISFACTION_MATRIX[volume][satisfaction],
          customers: this.matrixCells.get(`${volume}:${satisfaction}`) ?? 0,
        })),
      ),
      matrixUnknownSatisfaction: this.matrixUnknown,
      ltv: ltvHistogram(this.clvs),
      pareto: paretoCurve(this.spends),
      months: [...this.months.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([month, row]) => ({ month, ...row })),
    };
  }

  build(meta: {
    modelVersion: number;
    asOfDay: string;
    computedAt: string;
    vipValueShare: number | null;
  }): SegmentSummary {
    const order: [SegmentKind, string][] = [
      ...(Object.entries(KNOWN) as [SegmentKind, readonly string[]][]).flatMap(([kind, names]) =>
        names.map((name): [SegmentKind, string] => [kind, name]),
      ),
      ...this.ruleIds.map((id): [SegmentKind, string] => ['rule', id]),
    ];
    // Rule ids no longer in config (a stored profile scored before a config change) come last.
    const known = new Set(order.map(([kind, name]) => `${kind}:${name}`));
    for (const key of this.counts.keys()) {
      if (known.has(key)) continue;
      const at = key.indexOf(':');
      order.push([key.slice(0, at) as SegmentKind, key.slice(at + 1)]);
    }
    return {
      ...meta,
      customers: this.customers,
      buyers: this.spends.length,
      revenue: cents(this.revenue),
      top20RevenueShare: this.spends.length > 0 ? roundShare(topShare(this.spends, VIP_SHARE)) : null,
      charts: this.charts(),
      segments: order.map(([kind, segment]) => {
        const row = this.counts.get(`${kind}:${segment}`) ?? { customers: 0, revenue: 0 };
        return {
          kind,
          segment,
          customers: row.customers,
          customerShare: share(row.customers, this.customers),
          revenue: cents(row.revenue),
          revenueShare: share(row.revenue, this.revenue),
        };
      }),
    };
  }
}

export interface ChartInputs {
  clv12m?: number | null;
  createdAt?: string | null;
  firstOrderAt?: string | null;
}

/** Bins of the CLV histogram; values above the 99th percentile share the last, open-ended bin. */
const LTV_BINS = 20;
/** Points of the Pareto curve (0%, 5%, …, 100% of buyers). */
const PARETO_POINTS = 21;

/** A round bin width (1, 2 or 5 × 10^k) so that `bins` bins cover `max`. */
function niceWidth(max: number, bins: number): number {
  const raw = max / bins;
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((step) => step * power >= raw) ?? 10) * power;
}

function ltvHistogram(values: number[]): SegmentCharts['ltv'] {
  if (values.length === 0) return { edges: [], counts: [] };
  const sorted = Float64Array.from(values).sort();
  const low = Math.min(0, sorted[0]!);
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
  const width = niceWidth(p99 - low, LTV_BINS);
  const start = Math.floor(low / width) * width;
  const bins = Math.max(1, Math.ceil((p99 - start) / width));
  const counts = new Array<number>(bins).fill(0);
  for (const value of sorted) counts[Math.min(bins - 1, Math.floor((value - start) / width))]!++;
  return { edges: Array.from({ length: bins + 1 }, (_, i) => cents(start + i * width)), counts };
}

function paretoCurve(spends: number[]): SegmentCharts['pareto'] {
  if (spends.length === 0) return { customerShare: [], revenueShare: [] };
  const sorted = Float64Array.from(spends).sort().reverse();
  const total = sorted.reduce((sum, v) => sum + v, 0);
  const customerShare: number[] = [];
  const revenueShare: number[] = [];
  let cumulative = 0;
  let taken = 0;
  for (let k = 0; k < PARETO_POINTS; k++) {
    const share = k / (PARETO_POINTS - 1);
    const upTo = Math.round(share * sorted.length);
    while (taken < upTo) cumulative += sorted[taken++]!;
    customerShare.push(share);
    revenueShare.push(roundShare(total > 0 ? Math.min(1, cumulative / total) : 0)!);
  }
  return { customerShare, revenueShare };
}

function roundShare(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10_000) / 10_000;
}
