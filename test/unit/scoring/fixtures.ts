import { type Customer, newCustomer } from '../../../lib/domain/customer';
import { computeProfileMetrics, type MetricOrder } from '../../../lib/domain/profile-metrics';
import type { RuleSegment } from '../../../lib/domain/rule-segments';
import { type ScoringModel, unfittedModel } from '../../../lib/domain/scoring-model';
import { signupSchema } from '../../../lib/domain/signup';

/** The day every example is scored on. */
export const TODAY = '2026-11-24';
export const NOW = new Date(`${TODAY}T10:00:00.000Z`);

/** An ISO instant `days` days before TODAY, at noon UTC. */
export const daysAgo = (days: number): string =>
  new Date(Date.parse(`${TODAY}T12:00:00Z`) - days * 86_400_000).toISOString();

/** Orders on the given days-ago, each worth `amount`, in `category`. */
export function orders(days: readonly number[], amount: number, category = 'cat food'): MetricOrder[] {
  return days.map((d, i) => ({
    orderId: `o-${i}-${d}`,
    orderedAt: daysAgo(d),
    amount,
    lineItems: [{ sku: `${category}-sku`, category, quantity: 1, unitPrice: amount }],
  }));
}

/**
 * A model as a nightly refit would store it: CDNOW's BG/NBD and Gamma-Gamma parameters (α converted
 * from weeks to days) and hand-set cut points a marketer can read:
 *   recency (days)  14 / 45 / 90 / 180     → R5 within two weeks … R1 after half a year
 *   frequency       1 / 1 / 2 / 4 orders   → one order is F1, five or more F5
 *   monetary        50 / 100 / 250 / 600   → over 600 spent is M5
 *   VIP             predicted 12-month CLV of 150 or more (the top 20%)
 *   volume          over 500 spent is high, over 100 medium
 */
export const FITTED: ScoringModel = {
  ...unfittedModel(),
  version: 7,
  fittedAt: '2026-11-24T03:00:00.000Z',
  asOfDay: TODAY,
  bgnbd: { r: 0.243, alpha: 4.414 * 7, a: 0.793, b: 2.426, logLikelihood: -9582.43 },
  gammaGamma: { p: 6.25, q: 3.74, v: 15.44 },
  rfmThresholds: {
    recencyDays: [14, 45, 90, 180],
    frequency: [1, 1, 2, 4],
    monetary: [50, 100, 250, 600],
    population: 1000,
  },
  valueThresholds: { vipMin: 150, vipShare: 0.2, population: 1000, vipValueShare: 0.71 },
  volumeThresholds: { mediumAbove: 100, highAbove: 500 },
  customers: 1000,
  repeatCustomers: 400,
  triples: 800,
};

export const CAT_LOVERS: RuleSegment = {
  id: 'cat-lovers',
  name: 'Cat lovers likely to buy again',
  rule: {
    all: [
      { field: 'interests', op: 'contains', value: 'cat food' },
      { field: 'ltv.pAlive', op: 'gt', value: 0.6 },
    ],
  },
};

let ids = 0;
/** A signed-up customer with the given order history (and optional survey mean, interests). */
export function customer(
  history: MetricOrder[],
  extra: { satisfaction?: number; interests?: string[]; timeZone?: string } = {},
): Customer {
  const signup = signupSchema({ timeZone: 'UTC', locale: 'en-GB', today: TODAY }).parse({
    firstName: 'Ana',
    email: `ana${++ids}@example.com`,
    consent: { email: true, sms: false },
    interests: extra.interests ?? [],
    timeZone: extra.timeZone ?? 'Europe/London',
  });
  const base = newCustomer(signup, `cus_${ids}`, NOW.toISOString());
  return {
    ...base,
    ...(history.length > 0 && { metrics: computeProfileMetrics(history) }),
    ...(extra.satisfaction !== undefined && {
      satisfaction: {
        latest: Math.round(extra.satisfaction),
        mean: extra.satisfaction,
        count: 1,
        lastAnsweredAt: NOW.toISOString(),
      },
    }),
  };
}
