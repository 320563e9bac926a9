import { describe, expect, it } from 'vitest';
import type { Customer } from '../../../lib/domain/customer';
import { modelPAlive } from '../../../lib/domain/ltv/models';
import { Random, simulateCnbdCustomer } from '../../../lib/domain/ltv/simulate';
import type { MetricOrder } from '../../../lib/domain/profile-metrics';
import { DEFAULT_SCORING_SETTINGS, ScoringModelSchema } from '../../../lib/domain/scoring-model';
import { CHOICE_HOLDOUT_DAYS, type RefitDeps, refitModel } from '../../../lib/use-cases/refit-model';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryModelRepository } from '../../fakes/in-memory-model-repository';
import { InMemoryOrderRepository } from '../../fakes/in-memory-order-repository';
import { InMemoryProfileScan } from '../../fakes/in-memory-profile-scan';
import { CAT_LOVERS, customer, daysAgo, TODAY } from './fixtures';

// The nightly refit's model choice by time split, on a shop whose customers buy coffee on a cycle
// (simulated BG/CNBD-3: λ ~ Gamma(3, 45 days), i.e. typical cycles of k/λ ≈ 45 days; a 0.8, b 6).

function regularShop(customers: number, seed: number) {
  const rng = new Random(seed);
  const shop: Customer[] = [];
  const orders = new InMemoryOrderRepository();
  const params = { k: 3, dropoutAtZero: false, r: 3, alpha: 45, a: 0.8, b: 6 };
  for (let i = 0; i < customers; i++) {
    const firstAgo = 300 + Math.floor(rng.uniform() * 300);
    const days = [
      firstAgo,
      ...simulateCnbdCustomer(rng, params, firstAgo).map((t) => firstAgo - Math.round(t)),
    ];
    const history: MetricOrder[] = days.map((ago, j) => ({
      orderId: `o-${i}-${j}`,
      orderedAt: daysAgo(ago),
      amount: 18,
      lineItems: [{ sku: 'COF-ESP-1KG', category: 'coffee', quantity: 1, unitPrice: 18 }],
    }));
    const c = customer(history);
    shop.push(c);
    for (const o of history) {
      void orders.store({
        customerId: c.customerId,
        orderId: o.orderId,
        orderedAt: o.orderedAt,
        totalAmount: o.amount,
        currency: 'GBP',
        reportingAmount: o.amount,
        lineItems: o.lineItems,
        status: 'placed',
      });
    }
  }
  return { shop, orders };
}

function setup(shop: Customer[], orderHistories?: InMemoryOrderRepository) {
  const customers = new InMemoryCustomerRepository();
  for (const c of shop) customers.customers.set(c.customerId, structuredClone(c));
  const models = new InMemoryModelRepository();
  const deps: RefitDeps = {
    scan: new InMemoryProfileScan(customers),
    customers,
    models,
    clock: { now: () => new Date(`${TODAY}T03:00:00.000Z`) },
    rules: [CAT_LOVERS],
    settings: DEFAULT_SCORING_SETTINGS,
    ...(orderHistories && { orderHistories }),
  };
  return { customers, models, deps };
}

describe('model choice in the nightly refit', () => {
  const { shop, orders } = regularShop(1500, 5);

  it('splits the order histories at the last quarter, picks the lowest RMSE, refits it on everyone and scores with it', async () => {
    const world = setup(shop, orders);
    const outcome = await refitModel(world.deps);
    const { modelChoice, purchaseModel, bgnbd } = outcome.model;
    expect(modelChoice).not.toBeNull();
    expect(modelChoice!.holdoutDays).toBe(CHOICE_HOLDOUT_DAYS);
    expect(modelChoice!.splitDay).toBe('2026-08-25');
    expect(modelChoice!.customers).toBe(1500);
    expect(modelChoice!.scores).toHaveLength(9);
    const usable = modelChoice!.scores.filter((s) => s.converged && s.rmse !== null);
    const best = usable.reduce((p, q) => (q.rmse! < p.rmse! ? q : p));
    expect(modelChoice!.chosen).toBe(best.model);
    // Buyers on a cycle: a regular (CNBD) model wins over the Poisson ones.
    expect(modelChoice!.chosen).toMatch(/cnbd/);
    expect(purchaseModel!.name).toBe(modelChoice!.chosen);
    expect(bgnbd).not.toBeNull();
    // Stored as it is, and every profile is scored with the chosen model.
    expect(ScoringModelSchema.parse(await world.models.current())).toEqual(outcome.model);
    const scored = world.customers.customers.get(shop[0]!.customerId)!;
    const inputs = scored.metrics!.ltvInputs!;
    const T = Math.round(
      (Date.parse(`${TODAY}T00:00:00Z`) - Date.parse(`${inputs.firstPurchaseDay}T00:00:00Z`)) / 86_400_000,
    );
    expect(scored.ltv!.pAlive).toBe(
      Math.round(1000 * modelPAlive(purchaseModel!, inputs.x, inputs.txDays, T)) / 1000,
    );
  });

  it('without order histories keeps BG/NBD and records no choice', async () => {
    const world = setup(shop);
    const outcome = await refitModel(world.deps);
    expect(outcome.model.modelChoice).toBeNull();
    expect(outcome.model.purchaseModel).toEqual({ name: 'bg-nbd', ...outcome.model.bgnbd });
  });
});
