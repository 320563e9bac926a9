import { describe, expect, it } from 'vitest';
import { DEMO_BGNBD } from '../../../lib/demo/population';
import { modelNextOrderDay } from '../../../lib/domain/ltv/clv';
import { modelExpectedPurchases, modelPAlive, type PurchaseModel } from '../../../lib/domain/ltv/models';
import { utcDayNumber } from '../../../lib/domain/profile-metrics';
import { scoreProfile } from '../../../lib/domain/scoring';
import { purchaseModelOf, ScoringModelSchema, unfittedModel } from '../../../lib/domain/scoring-model';
import { customer, FITTED, orders, TODAY } from './fixtures';

// Scoring uses the purchase model the refit chose; and the next-order date agrees with a regular cycle.

describe('scoring with the chosen purchase model', () => {
  const pareto: PurchaseModel = {
    name: 'pareto-nbd',
    r: 0.55,
    alpha: 74,
    s: 0.61,
    beta: 82,
    logLikelihood: -1,
  };
  const chosen = { ...FITTED, purchaseModel: pareto };
  const regular = customer(orders([200, 150, 100, 50, 20], 40));

  it('computes P(alive) and expected orders with it, not with the BG/NBD kept beside it', () => {
    const { ltv } = scoreProfile(regular, chosen, TODAY);
    const inputs = regular.metrics!.ltvInputs!;
    const T = utcDayNumber(TODAY) - utcDayNumber(inputs.firstPurchaseDay);
    expect(ltv.pAlive).toBe(Math.round(1000 * modelPAlive(pareto, inputs.x, inputs.txDays, T)) / 1000);
    expect(ltv.expectedOrders12m).toBe(
      Math.round(100 * modelExpectedPurchases(pareto, 12 * 4.345 * 7, inputs.x, inputs.txDays, T)) / 100,
    );
    expect(scoreProfile(regular, FITTED, TODAY).ltv.pAlive).not.toBe(ltv.pAlive);
  });

  it('reads versions stored before model choice as BG/NBD', () => {
    const old = ScoringModelSchema.parse({ ...FITTED, purchaseModel: undefined, modelChoice: undefined });
    expect(old.purchaseModel).toBeNull();
    expect(purchaseModelOf(old)).toEqual({ name: 'bg-nbd', ...FITTED.bgnbd });
    expect(purchaseModelOf(unfittedModel())).toBeNull();
    expect(scoreProfile(regular, old, TODAY)).toEqual(scoreProfile(regular, FITTED, TODAY));
  });
});

describe('the next-order date of a customer who buys coffee every 30 days (demo parameters)', () => {
  const demo = { ...FITTED, bgnbd: { ...DEMO_BGNBD, logLikelihood: -1 }, purchaseModel: null };

  it('is the next restock, 30 days after the last, not the BG/NBD median 44 days out', () => {
    const coffee = customer(orders([95, 65, 35, 5], 18, 'coffee'));
    const { ltv } = scoreProfile(coffee, demo, TODAY);
    expect(ltv.replenishment).toEqual({ coffee: '2026-12-19' });
    expect(ltv.nextOrderDate).toBe('2026-12-19');
    // What the BG/NBD alone says (x 3, t_x 90 days): (110 + 90)(2^{1/3.5} − 1) ≈ 44 days after the last.
    const last = utcDayNumber(TODAY) - 5;
    const bgOnly = modelNextOrderDay({ name: 'bg-nbd', ...demo.bgnbd }, 3, 90, 90, last, 'days');
    expect(bgOnly - last).toBe(44);
  });

  it('with one gap only there is no cycle yet: the model date stands (≈ 82 days, shrunk to the population)', () => {
    const twice = customer(orders([35, 5], 18, 'coffee'));
    const { ltv } = scoreProfile(twice, demo, TODAY);
    expect(ltv.replenishment).toEqual({});
    // (110 + 30)(2^{1/1.5} − 1) = 82.2 days after the last purchase.
    expect(utcDayNumber(ltv.nextOrderDate!) - (utcDayNumber(TODAY) - 5)).toBe(82);
  });

  it('a regular-buying model (BG/CNBD-3, a shop with 45-day cycles) puts the next order near the cycle on its own', () => {
    // λ ~ Gamma(3, 45 days): a typical cycle of k/λ = 45 days; this customer's posterior cycle is ~34 days.
    const cnbd: PurchaseModel = { name: 'bg-cnbd-3', r: 3, alpha: 45, a: 0.8, b: 3, logLikelihood: -1 };
    const bought = customer(orders([95, 65, 35, 5], 18, 'tea'), {});
    const inputs = bought.metrics!.ltvInputs!;
    const last = utcDayNumber(TODAY) - 5;
    const day = modelNextOrderDay(cnbd, inputs.x, inputs.txDays, inputs.txDays, last, 'days');
    expect(day - last).toBeGreaterThan(20);
    expect(day - last).toBeLessThan(40);
  });
});
