import { describe, expect, it } from 'vitest';
import {
  expectedPurchases as bgExpectedPurchases,
  bgNbdLogLikelihood,
  pAlive as bgPAlive,
  type WeightedTriple,
} from '../../../lib/domain/ltv/bgnbd';
import {
  type CnbdParams,
  cnbdExpectedPurchases,
  cnbdExpectedPurchasesBySum,
  cnbdLogLikelihood,
  cnbdMedianTimeToNextPurchase,
  cnbdPAlive,
} from '../../../lib/domain/ltv/cnbd';
import {
  fitPurchaseModel,
  MODEL_NAMES,
  modelExpectedPurchases,
  modelLabel,
  modelMedianTimeToNextPurchase,
  modelPAlive,
  modelUnconditionalExpectedPurchases,
  PurchaseModelSchema,
} from '../../../lib/domain/ltv/models';
import {
  paretoExpectedPurchases,
  paretoNbdLogLikelihood,
  paretoPAlive,
  paretoUnconditionalExpectedPurchases,
} from '../../../lib/domain/ltv/pareto-nbd';
import { Random, simulateCnbdCustomer } from '../../../lib/domain/ltv/simulate';
import { logGamma } from '../../../lib/domain/ltv/special-functions';
import { compressSummaries, ordersToColumns, summariseOrders } from '../../../lib/domain/ltv/summarise';
import { CALIBRATION_END, cdnowOrders } from './cdnow-data';

// The models other than BG/NBD, checked against the published and reference values (Fader, Hardie &
// Lee 2005 for Pareto/NBD on CDNOW; lifetimes' and BTYD's tests; BTYDplus's formulas), and property
// tests of the likelihoods.
const summaries = summariseOrders(ordersToColumns(cdnowOrders()).columns, {
  calibrationEndDay: CALIBRATION_END,
});
const triples = compressSummaries(summaries, 'weeks').triples;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('Pareto/NBD on CDNOW', () => {
  const fit = fitPurchaseModel('pareto-nbd', triples);

  it('fits r 0.553, α 10.578, s 0.606, β 11.669 (published r 0.55, α 10.58, s 0.61, β 11.67; LL −9595.0)', () => {
    expect(fit.converged).toBe(true);
    const m = fit.model;
    if (m.name !== 'pareto-nbd') throw new Error('wrong model');
    // lifetimes' test_params_out_is_close_to_Hardie_paper: [0.553, 10.578, 0.606, 11.669].
    expect(rel(m.r, 0.553)).toBeLessThan(2e-3);
    expect(rel(m.alpha, 10.578)).toBeLessThan(1e-3);
    expect(rel(m.s, 0.606)).toBeLessThan(2e-3);
    expect(rel(m.beta, 11.669)).toBeLessThan(1e-3);
    expect(m.logLikelihood).toBeCloseTo(-9594.98, 1);
  });

  it('converges on the inner split the model choice uses (calibration to 1997-07-01) to an interior maximum', () => {
    const inner = compressSummaries(
      summariseOrders(ordersToColumns(cdnowOrders()).columns, { calibrationEndDay: CALIBRATION_END - 91 }),
      'weeks',
    ).triples;
    const f = fitPurchaseModel('pareto-nbd', inner);
    expect(f.converged).toBe(true);
    expect(f.gradientNorm).toBeLessThan(1e-7);
    const m = f.model;
    if (m.name !== 'pareto-nbd') throw new Error('wrong model');
    // Not off along the s, β ridge (s → ∞ with s/β fixed): every parameter well inside its bound.
    for (const v of [m.r, m.alpha, m.s, m.beta]) expect(Math.abs(Math.log(v))).toBeLessThan(5);
    for (const key of ['r', 'alpha', 's', 'beta'] as const) {
      for (const factor of [0.99, 1.01]) {
        expect(paretoNbdLogLikelihood({ ...m, [key]: m[key] * factor }, inner)).toBeLessThan(m.logLikelihood);
      }
    }
  });

  it('has log-likelihood −9595.01 at the published parameters', () => {
    const published = { r: 0.55, alpha: 10.58, s: 0.61, beta: 11.67 };
    expect(paretoNbdLogLikelihood(published, triples)).toBeCloseTo(-9595.01, 1);
  });

  it("matches BTYD's walkthrough: P(alive | 26, 30.86, 31) = 0.9979, E[Y(52)] = 25.46", () => {
    const btyd = { r: 0.5534, alpha: 10.5802, s: 0.6061, beta: 11.6562 };
    expect(Math.abs(paretoPAlive(btyd, 26, 30.86, 31) - 0.9979)).toBeLessThan(1e-3);
    if (fit.model.name !== 'pareto-nbd') throw new Error('wrong model');
    expect(Math.abs(paretoExpectedPurchases(fit.model, 52, 26, 30.86, 31) - 25.46)).toBeLessThan(0.01);
  });

  it("matches BTYD's unconditional expectation E[X(t)], t = 1 … 9 (to 1%, as lifetimes tests it)", () => {
    const expected = [
      0.05077821, 0.09916088, 0.14542507, 0.1897993, 0.23247466, 0.27361274, 0.31335159, 0.35181024,
      0.38909211,
    ];
    const model = { r: 0.5534, alpha: 10.5802, s: 0.6061, beta: 11.6562 };
    expected.forEach((e, i) => {
      expect(rel(paretoUnconditionalExpectedPurchases(model, i + 1), e)).toBeLessThan(0.01);
      // Eq. 27 of the note by hand: rβ/(α(s−1)) · (1 − (β/(β+t))^{s−1}).
      const t = i + 1;
      const byHand =
        ((model.r * model.beta) / (model.alpha * (model.s - 1))) *
        (1 - (model.beta / (model.beta + t)) ** (model.s - 1));
      expect(rel(paretoUnconditionalExpectedPurchases(model, t), byHand)).toBeLessThan(1e-12);
    });
  });

  it('stays finite and smooth for heavy buyers (x 132 vs 133, and x in the thousands)', () => {
    const p = { r: 0.55, alpha: 10.58, s: 0.61, beta: 11.67 };
    const left = paretoExpectedPurchases(p, 10, 132, 200, 200);
    const right = paretoExpectedPurchases(p, 10, 133, 200, 200);
    expect(Math.abs(left - right)).toBeLessThan(0.05);
    const heavy = { r: 10.465, alpha: 7.98565181e-3, s: 3.0516, beta: 2.82 };
    for (const [x, tx, T] of [
      [400, 5, 6],
      [500, 1, 37],
      [500, 4, 37],
      [5000, 30, 37],
    ] as const) {
      expect(Number.isFinite(paretoNbdLogLikelihood(heavy, [{ x, tx, T, weight: 1 }]))).toBe(true);
      const alive = paretoPAlive(heavy, x, tx, T);
      expect(alive).toBeGreaterThanOrEqual(0);
      expect(alive).toBeLessThanOrEqual(1);
    }
  });
});

describe('MBG/NBD on CDNOW', () => {
  const fit = fitPurchaseModel('mbg-nbd', triples);

  it("fits r 0.525, α 6.183, a 0.891, b 1.614 (lifetimes' test, after BTYDplus)", () => {
    expect(fit.converged).toBe(true);
    const m = fit.model;
    if (m.name === 'pareto-nbd') throw new Error('wrong model');
    expect(Math.abs(m.r - 0.525)).toBeLessThan(1e-3);
    expect(Math.abs(m.alpha - 6.183)).toBeLessThan(1e-3);
    expect(Math.abs(m.a - 0.891)).toBeLessThan(1e-3);
    expect(Math.abs(m.b - 1.614)).toBeLessThan(1e-3);
  });

  it("matches Hardie's spreadsheet as lifetimes tests it: E[Y(39) | 2, 30.43, 38.86] ≈ 1.226, E[X(t)]", () => {
    expect(Math.abs(modelExpectedPurchases(fit.model, 39, 2, 30.43, 38.86) - 1.226)).toBeLessThan(0.05);
    const times = [0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0];
    const expected = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576];
    times.forEach((t, i) => {
      expect(rel(modelUnconditionalExpectedPurchases(fit.model, t), expected[i]!)).toBeLessThan(0.05);
    });
  });

  it('lets a customer without a repeat purchase be dead (unlike the BG/NBD)', () => {
    expect(modelPAlive(fit.model, 0, 0, 30)).toBeLessThan(1);
    if (fit.model.name === 'pareto-nbd') throw new Error('wrong model');
    expect(modelPAlive({ ...fit.model, name: 'bg-nbd' }, 0, 0, 30)).toBe(1);
  });
});

describe('(M)BG/CNBD-k', () => {
  const bg = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
  const k1: CnbdParams = { k: 1, dropoutAtZero: false, ...bg };

  it('is the BG/NBD at k = 1: same likelihood, P(alive), expectation (closed form and phase sum)', () => {
    expect(rel(cnbdLogLikelihood(k1, triples), bgNbdLogLikelihood(bg, triples))).toBeLessThan(1e-12);
    for (const [x, tx, T] of [
      [0, 0, 38.86],
      [2, 30.43, 38.86],
      [7, 35, 38.86],
      [40, 38, 39],
    ] as const) {
      expect(rel(cnbdPAlive(k1, x, tx, T), bgPAlive(bg, x, tx, T))).toBeLessThan(1e-12);
      const closed = bgExpectedPurchases(bg, 39, x, tx, T);
      expect(rel(cnbdExpectedPurchases(k1, 39, x, tx, T), closed)).toBeLessThan(1e-12);
      expect(rel(cnbdExpectedPurchasesBySum(k1, 39, x, tx, T), closed)).toBeLessThan(1e-9);
    }
  });

  it('is the MBG/NBD at k = 1 with drop-out at zero: the phase sum equals the closed form', () => {
    const mbg: CnbdParams = { ...k1, dropoutAtZero: true };
    for (const [x, tx, T] of [
      [0, 0, 38.86],
      [3, 20, 38.86],
    ] as const) {
      expect(
        rel(cnbdExpectedPurchasesBySum(mbg, 52, x, tx, T), cnbdExpectedPurchases(mbg, 52, x, tx, T)),
      ).toBeLessThan(1e-9);
    }
  });

  it("gives BTYDplus's P(alive): a regular buyer is trusted between cycles and written off after missed ones", () => {
    // A buyer with 6 repeat purchases in 24 weeks (every 4 weeks), the last at week 24. Priors with
    // the same mean cycle of 4 weeks: Erlang-3 with λ ~ Gamma(3, 4) (k/λ ≈ 4) vs Poisson with
    // λ ~ Gamma(3, 12) (1/λ ≈ 4).
    const regular = (T: number) =>
      cnbdPAlive({ k: 3, dropoutAtZero: false, r: 3, alpha: 4, a: 0.8, b: 6 }, 6, 24, T);
    const poisson = (T: number) =>
      cnbdPAlive({ k: 1, dropoutAtZero: false, r: 3, alpha: 12, a: 0.8, b: 6 }, 6, 24, T);
    expect(regular(26)).toBeGreaterThan(poisson(26)); // two weeks on: not yet due
    expect(regular(32)).toBeLessThan(poisson(32) - 0.1); // two cycles missed
    expect(regular(36)).toBeLessThan(0.2);
    expect(poisson(36)).toBeGreaterThan(0.5);
    // BTYDplus xbgcnbd.PAlive by hand at T = 32: P1 = a/(b+x−1)·((α+T)/(α+t_x))^{r+kx},
    // P2 = Σ_{j<k} (r+kx)_j (T−t_x)^j / (j! (α+T)^j).
    const s = 3 + 18;
    const P1 = (0.8 / (6 + 6 - 1)) * (36 / 28) ** s;
    const P2 = 1 + (s * 8) / 36 + (s * (s + 1) * 64) / (2 * 36 * 36);
    expect(rel(regular(32), 1 / (1 + P1 / P2))).toBeLessThan(1e-12);
  });

  it('expects a regular buyer who just bought to buy again on schedule', () => {
    const p: CnbdParams = { k: 3, dropoutAtZero: false, r: 30, alpha: 40, a: 0.1, b: 100 };
    // λ ≈ 30/40 per week, cycles of k/λ = 4 weeks: the median wait from the last purchase is near 4
    // weeks less a little (the Erlang-3 median is below its mean); the BG/NBD's is ln 2 / λ ≈ 0.9.
    const median = cnbdMedianTimeToNextPurchase(p, 12, 48, 48);
    expect(median).toBeGreaterThan(3);
    expect(median).toBeLessThan(4);
    expect(cnbdMedianTimeToNextPurchase({ ...p, k: 1 }, 12, 48, 48)).toBeLessThan(1.5);
  });
});

describe('every model', () => {
  const fits = new Map(MODEL_NAMES.map((name) => [name, fitPurchaseModel(name, triples)]));

  it('fits CDNOW to convergence, with finite predictions for every customer pattern', () => {
    for (const [name, fit] of fits) {
      expect(fit.converged, name).toBe(true);
      expect(PurchaseModelSchema.parse(fit.model)).toEqual(fit.model);
      for (const t of triples.slice(0, 200)) {
        const alive = modelPAlive(fit.model, t.x, t.tx, t.T);
        expect(alive, name).toBeGreaterThanOrEqual(0);
        expect(alive, name).toBeLessThanOrEqual(1);
        expect(Number.isFinite(modelExpectedPurchases(fit.model, 39, t.x, t.tx, t.T)), name).toBe(true);
        expect(Number.isFinite(modelMedianTimeToNextPurchase(fit.model, t.x, t.tx, t.T)), name).toBe(true);
      }
    }
  });

  it('has display names', () => {
    expect(MODEL_NAMES.map(modelLabel)).toEqual([
      'BG/NBD',
      'MBG/NBD',
      'Pareto/NBD',
      'BG/CNBD-2',
      'MBG/CNBD-2',
      'BG/CNBD-3',
      'MBG/CNBD-3',
      'BG/CNBD-4',
      'MBG/CNBD-4',
    ]);
  });
});

describe('likelihood properties (random parameters and histories)', () => {
  const rng = new Random(42);
  const draw = (lo: number, hi: number) => Math.exp(Math.log(lo) + rng.uniform() * Math.log(hi / lo));
  const randomTriples = (): WeightedTriple[] =>
    Array.from({ length: 30 }, () => {
      const T = draw(0.5, 500);
      const x = Math.floor(draw(1, 300)) - 1;
      const tx = x === 0 ? 0 : T * rng.uniform();
      return { x, tx, T, weight: 1 + Math.floor(rng.uniform() * 5) };
    });

  it('(M)BG/CNBD-k: finite, and the analytic gradient matches central differences', () => {
    for (let trial = 0; trial < 40; trial++) {
      const data = randomTriples();
      const params: CnbdParams = {
        k: 1 + (trial % 4),
        dropoutAtZero: trial % 2 === 1,
        r: draw(0.05, 20),
        alpha: draw(0.05, 200),
        a: draw(0.05, 20),
        b: draw(0.05, 20),
      };
      const gradient = new Float64Array(4);
      const ll = cnbdLogLikelihood(params, data, gradient);
      expect(Number.isFinite(ll)).toBe(true);
      (['r', 'alpha', 'a', 'b'] as const).forEach((key, i) => {
        const h = 1e-6 * params[key];
        const up = cnbdLogLikelihood({ ...params, [key]: params[key] + h }, data);
        const down = cnbdLogLikelihood({ ...params, [key]: params[key] - h }, data);
        const numeric = (up - down) / (2 * h);
        expect(Math.abs(gradient[i]! - numeric), `${key} trial ${trial}`).toBeLessThan(
          1e-5 * Math.max(1, Math.abs(numeric), Math.abs(ll) / params[key]),
        );
      });
    }
  });

  it('Pareto/NBD: the analytic gradient matches central differences, on both sides of α = β', () => {
    for (let trial = 0; trial < 60; trial++) {
      const data = randomTriples();
      const alpha = draw(0.05, 200);
      // A third of the points put β within 1% of α, where the 2F1 argument |α−β|/max(α, β) is near 0;
      // a third put one of them 10²–10⁵ times the other (argument near 1: the integral's own series).
      const far = draw(1e2, 1e5) ** (rng.uniform() < 0.5 ? 1 : -1);
      const beta =
        trial % 3 === 0
          ? alpha * (1 + 0.01 * (2 * rng.uniform() - 1))
          : trial % 3 === 1
            ? alpha * far
            : draw(0.05, 200);
      const params = { r: draw(0.05, 20), alpha, s: draw(0.05, 20), beta };
      const gradient = new Float64Array(4);
      const ll = paretoNbdLogLikelihood(params, data, gradient);
      expect(ll).toBe(paretoNbdLogLikelihood(params, data));
      // What a pass shares between triples (same x, t_x or T) does not depend on their order.
      const sorted = [...data].sort((p, q) => p.x - q.x || p.tx - q.tx);
      expect(rel(paretoNbdLogLikelihood(params, sorted), ll)).toBeLessThan(1e-12);
      (['r', 'alpha', 's', 'beta'] as const).forEach((key, i) => {
        const h = 1e-6 * params[key];
        const up = paretoNbdLogLikelihood({ ...params, [key]: params[key] + h }, data);
        const down = paretoNbdLogLikelihood({ ...params, [key]: params[key] - h }, data);
        const numeric = (up - down) / (2 * h);
        expect(Math.abs(gradient[i]! - numeric), `${key} trial ${trial}`).toBeLessThan(
          1e-5 * Math.max(1, Math.abs(numeric), Math.abs(ll) / params[key]),
        );
      });
    }
  });

  it('Pareto/NBD with α and β far apart: the likelihood is the integral of its definition', () => {
    // L = Γ(r+x)α^r β^s/Γ(r) · [(α+T)^{−(r+x)}(β+T)^{−s} + s ∫_{t_x}^{T} (α+τ)^{−(r+x)}(β+τ)^{−(s+1)} dτ],
    // the integral by Simpson's rule on 20,000 panels in log(α+τ) (smooth there).
    const byHand = (
      p: { r: number; alpha: number; s: number; beta: number },
      x: number,
      tx: number,
      T: number,
    ) => {
      const n = 20_000;
      const [v0, v1] = [Math.log(p.alpha + tx), Math.log(p.alpha + T)];
      const h = (v1 - v0) / n;
      let integral = 0;
      for (let i = 0; i <= n; i++) {
        const tau = Math.exp(v0 + i * h) - p.alpha;
        // Scaled by β^s (as is the alive term) to stay in range.
        const f = Math.exp(
          (1 - p.r - x) * Math.log(p.alpha + tau) -
            (p.s + 1) * Math.log(p.beta + tau) +
            p.s * Math.log(p.beta),
        );
        integral += f * (i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2);
      }
      integral *= h / 3;
      const alive = Math.exp(-(p.r + x) * Math.log(p.alpha + T) - p.s * Math.log((p.beta + T) / p.beta));
      return logGamma(p.r + x) - logGamma(p.r) + p.r * Math.log(p.alpha) + Math.log(alive + p.s * integral);
    };
    for (const [r, alpha, s, beta, x, tx, T] of [
      [0.5, 2, 0.6, 2e4, 0, 0, 30],
      [0.5, 2, 0.02, 5e6, 1, 3, 40],
      [1.5, 20, 400, 2e5, 2, 10, 50],
      [0.8, 3e4, 1.2, 3, 0, 0, 25],
      [0.3, 1e5, 5, 0.5, 3, 2, 20],
    ] as const) {
      const p = { r, alpha, s, beta };
      const ll = paretoNbdLogLikelihood(p, [{ x, tx, T, weight: 1 }]);
      expect(Math.abs(ll - byHand(p, x, tx, T)), JSON.stringify(p)).toBeLessThan(
        1e-9 * Math.max(1, Math.abs(ll)),
      );
    }
  });

  it('Pareto/NBD: finite, and P(alive) within [0, 1]', () => {
    for (let trial = 0; trial < 40; trial++) {
      const data = randomTriples();
      const params = { r: draw(0.05, 20), alpha: draw(0.05, 200), s: draw(0.05, 20), beta: draw(0.05, 200) };
      expect(Number.isFinite(paretoNbdLogLikelihood(params, data))).toBe(true);
      for (const t of data) {
        const alive = paretoPAlive(params, t.x, t.tx, t.T);
        expect(alive).toBeGreaterThanOrEqual(0);
        expect(alive).toBeLessThanOrEqual(1 + 1e-12);
      }
    }
  });
});

describe('simulated regular buyers', () => {
  it('the CNBD-3 simulation buys on a cycle: inter-purchase times have a coefficient of variation near 1/√3', () => {
    const rng = new Random(3);
    const gaps: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const times = simulateCnbdCustomer(
        rng,
        { k: 3, dropoutAtZero: false, r: 400, alpha: 100, a: 1, b: 1e6 },
        200,
      );
      for (let j = 0; j < times.length; j++) gaps.push(times[j]! - (j === 0 ? 0 : times[j - 1]!));
    }
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length);
    expect(mean).toBeCloseTo(3 / 4, 1);
    expect(Math.abs(sd / mean - 1 / Math.sqrt(3))).toBeLessThan(0.03);
  });
});
