import { describe, expect, it } from 'vitest';
import { fitBgNbd, type WeightedTriple } from '../../../lib/domain/ltv/bgnbd';
import { fitGammaGamma, type WeightedSpend } from '../../../lib/domain/ltv/gamma-gamma';
import { Random, simulateCustomer } from '../../../lib/domain/ltv/simulate';

// Simulate 50,000 customers from known parameters (CDNOW's published ones, per week), each
// observed for 1–2 years after their first purchase, and fit them back.
const TRUE_BG = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const TRUE_GG = { p: 6.25, q: 3.74, v: 15.44 };
const rng = new Random(42);
const triples: WeightedTriple[] = [];
const spends: WeightedSpend[] = [];
for (let i = 0; i < 50_000; i++) {
  const T = 52 + 52 * rng.uniform();
  const { times, spends: values } = simulateCustomer(rng, TRUE_BG, TRUE_GG, T);
  const x = times.length;
  triples.push({ x, tx: x > 0 ? times[x - 1]! : 0, T, weight: 1 });
  if (x > 0) spends.push({ x, mx: values.slice(1).reduce((s, v) => s + v, 0) / x, weight: 1 });
}
const rel = (a: number, b: number) => Math.abs(a / b - 1);

describe('parameter recovery from simulated customers', () => {
  // Tolerances are about 3 standard errors at this sample size (checked over several seeds): the
  // purchase-rate parameters are pinned down well; the dropout Beta(a, b) and the spend
  // parameters (p and q trade off) less so.
  it('recovers BG/NBD r and α within 6%, a and b within 15%', () => {
    const fit = fitBgNbd(triples);
    expect(fit.converged).toBe(true);
    expect(rel(fit.r, TRUE_BG.r)).toBeLessThan(0.06);
    expect(rel(fit.alpha, TRUE_BG.alpha)).toBeLessThan(0.06);
    expect(rel(fit.a, TRUE_BG.a)).toBeLessThan(0.15);
    expect(rel(fit.b, TRUE_BG.b)).toBeLessThan(0.15);
  });

  it('recovers Gamma-Gamma p, q and γ within 10%', () => {
    const fit = fitGammaGamma(spends);
    expect(fit.converged).toBe(true);
    expect(rel(fit.p, TRUE_GG.p)).toBeLessThan(0.1);
    expect(rel(fit.q, TRUE_GG.q)).toBeLessThan(0.1);
    expect(rel(fit.v, TRUE_GG.v)).toBeLessThan(0.1);
  });

  it('simulates the purchase counts the model expects (sanity check of the simulator)', () => {
    // E[X(t)] at the mean window of 78 weeks is 1.84 repeats (the CDNOW tracking plot at week 78).
    const mean = triples.reduce((s, t) => s + t.x, 0) / triples.length;
    expect(mean).toBeGreaterThan(1.7);
    expect(mean).toBeLessThan(2.0);
  });
});

describe('Random', () => {
  it('is deterministic per seed and samples gamma and beta with the right means', () => {
    expect(new Random(7).uniform()).toBe(new Random(7).uniform());
    const r = new Random(1);
    let g = 0;
    let b = 0;
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      g += r.gamma(0.243, 4.414);
      b += r.beta(0.793, 2.426);
    }
    expect(g / n).toBeCloseTo(0.243 / 4.414, 2);
    expect(b / n).toBeCloseTo(0.793 / (0.793 + 2.426), 2);
  });
});
