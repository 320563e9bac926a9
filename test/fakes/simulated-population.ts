import type { Customer } from '../../lib/domain/customer';
import type { BgNbdParams } from '../../lib/domain/ltv/bgnbd';
import type { GammaGammaParams } from '../../lib/domain/ltv/gamma-gamma';
import { Random, simulateCustomer } from '../../lib/domain/ltv/simulate';
import { computeProfileMetrics, type MetricOrder } from '../../lib/domain/profile-metrics';

/** CDNOW's published parameters with α per day (4.414 weeks), and its Gamma-Gamma spend model. */
export const TRUE_BG_DAYS: BgNbdParams = { r: 0.243, alpha: 4.414 * 7, a: 0.793, b: 2.426 };
export const TRUE_GG: GammaGammaParams = { p: 6.25, q: 3.74, v: 15.44 };

const DAY_MS = 86_400_000;

export interface PopulationOptions {
  customers: number;
  seed: number;
  /** The day the population is observed as of (YYYY-MM-DD). */
  today: string;
  /** First purchases are spread uniformly over this many days before today (default 730). */
  spreadDays?: number;
  bg?: BgNbdParams;
  gg?: GammaGammaParams;
}

/**
 * Customers drawn from the BG/NBD + Gamma-Gamma processes (seeded), each with the profile metrics
 * the orders stream would have computed from their orders: what a nightly refit reads. Purchases
 * at continuous times are placed on their calendar day (two on one day are one transaction).
 */
export function simulatedCustomers(options: PopulationOptions): Customer[] {
  const rng = new Random(options.seed);
  const bg = options.bg ?? TRUE_BG_DAYS;
  const gg = options.gg ?? TRUE_GG;
  const spread = options.spreadDays ?? 730;
  const todayMs = Date.parse(`${options.today}T00:00:00Z`);
  const out: Customer[] = [];
  for (let i = 0; i < options.customers; i++) {
    const T = 1 + Math.floor(rng.uniform() * spread);
    const { times, spends } = simulateCustomer(rng, bg, gg, T);
    const firstMs = todayMs - T * DAY_MS + 12 * 3_600_000;
    const orders: MetricOrder[] = [0, ...times].map((t, k) => ({
      orderId: `sim-${i}-${k}`,
      orderedAt: new Date(firstMs + Math.floor(t) * DAY_MS).toISOString(),
      amount: Math.round(spends[k]! * 100) / 100,
      lineItems: [],
    }));
    const at = new Date(firstMs).toISOString();
    out.push({
      customerId: `cus_sim_${i}`,
      timeZone: 'Europe/London',
      locale: 'en-GB',
      interests: i % 3 === 0 ? ['cat food'] : [],
      consent: {
        email: { status: 'confirmed', updatedAt: at, source: 'sim' },
        sms: { status: 'none', updatedAt: at, source: 'sim' },
      },
      source: 'sim',
      createdAt: at,
      updatedAt: at,
      version: 1,
      metrics: computeProfileMetrics(orders),
    });
  }
  return out;
}
