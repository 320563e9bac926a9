import { describe, expect, it } from 'vitest';
import { backtestModel, baselineAccuracy, chooseModel, pickModel } from '../../../lib/domain/ltv/backtest';
import { fitPurchaseModel } from '../../../lib/domain/ltv/models';
import { Random, simulateCnbdCustomer } from '../../../lib/domain/ltv/simulate';
import { compressSummaries, ordersToColumns, summariseOrders } from '../../../lib/domain/ltv/summarise';
import { CALIBRATION_END, cdnowOrders, HOLDOUT_END } from './cdnow-data';

// The goal figures of issue 15 (deterministic: fixed data, fixed seeds), and the choice of model by
// time split.

describe('CDNOW, calibration to 1997-09-30, 39-week holdout', () => {
  const summaries = summariseOrders(ordersToColumns(cdnowOrders()).columns, {
    calibrationEndDay: CALIBRATION_END,
    holdoutEndDay: HOLDOUT_END,
  });
  const choice = chooseModel(summaries, { holdoutEndDay: HOLDOUT_END, unit: 'weeks' });
  const score = (name: string) => choice.scores.find((s) => s.model === name)!.accuracy;

  it('BG/NBD: RMSE 1.608, bias −12.1% (the figures the issue starts from)', () => {
    expect(score('bg-nbd').rmse).toBeCloseTo(1.608, 3);
    expect(score('bg-nbd').bias).toBeCloseTo(-0.121, 3);
  });

  it('the model with the lowest holdout RMSE is Pareto/NBD: RMSE ≤ 1.603 and |bias| ≤ 12%', () => {
    expect(choice.chosen).toBe('pareto-nbd');
    expect(score('pareto-nbd').rmse).toBeLessThanOrEqual(1.603);
    expect(Math.abs(score('pareto-nbd').bias)).toBeLessThanOrEqual(0.12);
    expect(score('pareto-nbd').correlation).toBeGreaterThan(0.62);
    expect(score('pareto-nbd').mae).toBeLessThan(score('bg-nbd').mae);
    for (const s of choice.scores) expect(s.converged, s.model).toBe(true);
  });

  it('every model beats the naive forecasts: zero (RMSE 2.206) and the calibration rate (RMSE 2.212)', () => {
    const naive = baselineAccuracy(summaries, { holdoutEndDay: HOLDOUT_END, unit: 'weeks' });
    expect(naive.zero.rmse).toBeCloseTo(2.206, 3);
    expect(naive.zero.bias).toBe(-1);
    expect(naive.calibrationRate.rmse).toBeCloseTo(2.212, 3);
    expect(naive.calibrationRate.bias).toBeCloseTo(0.557, 3);
    for (const s of choice.scores) expect(s.accuracy.rmse, s.model).toBeLessThan(naive.zero.rmse - 0.5);
  });

  it('reports the same accuracy, the total and the tracking curve through backtestModel', () => {
    const { triples } = compressSummaries(summaries, 'weeks');
    const pareto = fitPurchaseModel('pareto-nbd', triples).model;
    const bt = backtestModel(pareto, summaries, { holdoutEndDay: HOLDOUT_END, unit: 'weeks' });
    expect(bt.accuracy.rmse).toBeCloseTo(score('pareto-nbd').rmse, 12);
    expect(bt.total.relativeError).toBeCloseTo(bt.accuracy.bias, 12);
    expect(bt.tracking).toHaveLength(78);
    expect(bt.tracking[77]!.actual).toBe(4339);
    const last = bt.tracking[77]!;
    expect(Math.abs(last.predicted / last.actual - 1)).toBeLessThan(0.07);
  });

  it('choosing on the calibration period alone (its last quarter as holdout) picks the lowest RMSE there', () => {
    const inner = summariseOrders(ordersToColumns(cdnowOrders()).columns, {
      calibrationEndDay: CALIBRATION_END - 92,
      holdoutEndDay: CALIBRATION_END,
    });
    const own = chooseModel(inner, { holdoutEndDay: CALIBRATION_END, unit: 'weeks' });
    const best = Math.min(...own.scores.filter((s) => s.converged).map((s) => s.accuracy.rmse));
    expect(own.scores.find((s) => s.model === own.chosen)!.accuracy.rmse).toBe(best);
  });

  it('breaks a tie in favour of the simpler model, and never picks a fit that did not converge', () => {
    const acc = (rmse: number) => ({ rmse, mae: 0, correlation: 0, bias: 0 });
    expect(
      pickModel([
        { model: 'bg-cnbd-3', accuracy: acc(1.5), converged: true },
        { model: 'pareto-nbd', accuracy: acc(1.5), converged: true },
        { model: 'bg-nbd', accuracy: acc(1.6), converged: true },
      ]),
    ).toBe('pareto-nbd');
    expect(
      pickModel([
        { model: 'mbg-nbd', accuracy: acc(1.4), converged: false },
        { model: 'bg-nbd', accuracy: acc(1.6), converged: true },
      ]),
    ).toBe('bg-nbd');
    expect(pickModel([{ model: 'mbg-nbd', accuracy: acc(Number.NaN), converged: true }])).toBe('bg-nbd');
  });
});

/**
 * Customers who buy on a cycle: Erlang-3 inter-purchase times (BG/CNBD-3 with r 3, α 12 weeks:
 * cycles of k/λ ≈ 12 weeks, a 0.8, b 6: about one in nine drops out after a purchase); first orders
 * over 12 weeks, a year of calibration, a year of holdout.
 */
function regularShop(seed: number, customers: number) {
  const rng = new Random(seed);
  const orders: { customerId: string; day: number; amount: number }[] = [];
  const start = 10_000;
  const calibrationEndDay = start + 84 + 364;
  const holdoutEndDay = calibrationEndDay + 364;
  for (let i = 0; i < customers; i++) {
    const first = start + Math.floor(rng.uniform() * 84);
    const params = { k: 3, dropoutAtZero: false, r: 3, alpha: 12, a: 0.8, b: 6 };
    orders.push({ customerId: `c${i}`, day: first, amount: 20 });
    for (const t of simulateCnbdCustomer(rng, params, (holdoutEndDay - first) / 7)) {
      orders.push({ customerId: `c${i}`, day: first + Math.round(t * 7), amount: 20 });
    }
  }
  const summaries = summariseOrders(ordersToColumns(orders).columns, { calibrationEndDay, holdoutEndDay });
  return { summaries, holdoutEndDay };
}

describe('a shop whose customers buy on a cycle (simulated Erlang-3)', () => {
  it('BG/CNBD-3 beats the BG/NBD holdout RMSE by at least 10%, and is the model chosen', () => {
    const { summaries, holdoutEndDay } = regularShop(1, 4000);
    const choice = chooseModel(summaries, {
      holdoutEndDay,
      unit: 'weeks',
      candidates: ['bg-nbd', 'bg-cnbd-2', 'bg-cnbd-3', 'bg-cnbd-4'],
    });
    const rmse = (name: string) => choice.scores.find((s) => s.model === name)!.accuracy.rmse;
    expect(rmse('bg-cnbd-3')).toBeLessThanOrEqual(0.9 * rmse('bg-nbd'));
    expect(choice.chosen).toBe('bg-cnbd-3');
  });
});
