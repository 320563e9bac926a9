import { describe, expect, it } from 'vitest';
import { digamma, hyp2f1, logGamma, logHyp2f1 } from '../../../lib/domain/ltv/special-functions';

const EULER_GAMMA = 0.5772156649015329;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('logGamma', () => {
  it.each([
    [1, 0],
    [2, 0],
    [0.5, 0.5 * Math.log(Math.PI)],
    [10, Math.log(362880)],
    [20, Math.log(121645100408832000)],
    [3.5, Math.log(3.323350970447843)],
  ])('logGamma(%d)', (x, expected) => {
    expect(Math.abs(logGamma(x) - expected)).toBeLessThan(1e-14 * Math.max(1, Math.abs(expected)));
  });

  it('is accurate for tiny shapes, where Γ(x) ≈ 1/x − γ', () => {
    expect(rel(logGamma(1e-7), -Math.log(1e-7) - EULER_GAMMA * 1e-7)).toBeLessThan(1e-12);
  });

  it('satisfies the recurrence log Γ(x+1) = log Γ(x) + log x across the shift boundary', () => {
    for (const x of [0.243, 0.9, 4.4, 9.5, 9.99, 123.4, 1e5]) {
      expect(Math.abs(logGamma(x + 1) - logGamma(x) - Math.log(x))).toBeLessThan(
        1e-12 * Math.max(1, logGamma(x)),
      );
    }
  });
});

describe('digamma', () => {
  it('matches closed forms', () => {
    expect(Math.abs(digamma(1) + EULER_GAMMA)).toBeLessThan(1e-14);
    expect(Math.abs(digamma(0.5) + EULER_GAMMA + 2 * Math.LN2)).toBeLessThan(1e-14);
  });

  it('is the derivative of logGamma', () => {
    for (const x of [0.05, 0.79, 2.4, 15.4, 1000.5]) {
      const h = 1e-5 * x;
      const numeric = (logGamma(x + h) - logGamma(x - h)) / (2 * h);
      expect(Math.abs(digamma(x) - numeric)).toBeLessThan(1e-7 * Math.max(1, Math.abs(digamma(x))));
    }
  });
});

describe('hyp2f1', () => {
  it('matches 2F1(1,1;2;z) = −log(1−z)/z', () => {
    for (const z of [1e-6, 0.1, 0.5, 0.9, 0.99]) {
      expect(rel(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z)).toBeLessThan(1e-13);
    }
  });

  it('matches 2F1(a,b;b;z) = (1−z)^(−a), in log-space even when the value overflows a double', () => {
    expect(rel(hyp2f1(0.7, 2.5, 2.5, 0.3), 0.7 ** -0.7)).toBeLessThan(1e-14);
    // a = 10,000.243: the value is e^(~6,900), far beyond Number.MAX_VALUE.
    const a = 10_000.243;
    expect(rel(logHyp2f1(a, 3.4, 3.4, 0.5), -a * Math.log(0.5))).toBeLessThan(1e-14);
    expect(hyp2f1(a, 3.4, 3.4, 0.5)).toBe(Number.POSITIVE_INFINITY);
  });

  it('agrees with a direct series for BG/NBD-sized parameters (x = 1,000)', () => {
    // Parameters of the expected-purchases formula for x = 1000, T = 52, t = 10 weeks.
    const [a, b, c, z] = [0.243 + 1000, 2.426 + 1000, 0.793 + 2.426 + 1000 - 1, 10 / (4.414 + 52 + 10)];
    let logTerm = 0;
    let logSum = 0;
    // Σ exp(logTerm) accumulated in log-space so the naive series cannot overflow.
    for (let n = 0; n < 20000; n++) {
      logTerm += Math.log(((a + n) * (b + n)) / ((c + n) * (n + 1))) + Math.log(z);
      const next = logSum + Math.log1p(Math.exp(logTerm - logSum));
      if (next === logSum) break;
      logSum = next;
    }
    expect(rel(logHyp2f1(a, b, c, z), logSum)).toBeLessThan(1e-12);
  });
});
