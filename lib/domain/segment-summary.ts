import { z } from 'zod';
import { LIFECYCLE_STAGES } from './lifecycle';
import { RFM_SEGMENTS } from './rfm';
import { MATRIX_STRATEGIES } from './satisfaction-matrix';
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
  customers: z.int().nonnegative(),
  /** Share of all scored customers (0..1). */
  customerShare: z.number().min(0).max(1),
  revenue: z.number(),
  /** Share of all customers' revenue (0..1); 0 when nobody has spent anything yet. */
  revenueShare: z.number().min(0).max(1),
});
export type SegmentRow = z.infer<typeof SegmentRowSchema>;

export const SegmentSummarySchema = z.object({
  modelVersion: z.int().nonnegative(),
  /** The day the segments were scored as of. */
  asOfDay: z.iso.date(),
  computedAt: z.iso.datetime(),
  customers: z.int().nonnegative(),
  /** Customers who have spent something. */
  buyers: z.int().nonnegative(),
  revenue: z.number(),
  /** Share of revenue brought by the top 20% of buyers by spend (the 80/20 point); null without revenue. */
  top20RevenueShare: z.number().min(0).max(1).nullable(),
  /** Share of predicted CLV held by the VIP tier (top 20% by predicted CLV); null before a fit. */
  vipValueShare: z.number().min(0).max(1).nullable(),
  segments: z.array(SegmentRowSchema),
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

  constructor(private readonly ruleIds: readonly string[]) {}

  add(segments: Segments, revenue: number): void {
    this.customers++;
    this.revenue += revenue;
    if (revenue > 0) this.spends.push(revenue);
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

function roundShare(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10_000) / 10_000;
}
