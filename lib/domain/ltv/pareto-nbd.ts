// Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), in the form of Fader & Hardie's note
// "Deriving the conditional PMF of the Pareto/NBD model" / "A note on deriving the Pareto/NBD model
// and related expressions" (2005), as implemented by lifetimes' ParetoNBDFitter and BTYD.
//
// Exports:
//   paretoNbdLogLikelihood(params, triples)          Σ weight · log L(x, t_x, T)
//   fitParetoNbd(triples, opts?)                     maximum likelihood on weighted triples
//   paretoPAlive(params, x, tx, T)                   P(alive at T | x, t_x, T)
//   paretoExpectedPurchases(params, t, x, tx, T)     E[Y(t) | x, t_x, T]
//   paretoUnconditionalExpectedPurchases(params, t)  E[X(t)]
//   paretoMedianTimeToNextPurchase(params, x, T)     median wait from T to the next purchase, given alive
//
// λ ~ Gamma(r, α) purchase rate, μ ~ Gamma(s, β) drop-out rate; purchases are Poisson(λ) until an
// exponential(μ) lifetime ends.
//
//   L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^{−(r+x)} (β+T)^{−s} + s/(r+s+x) · A₀ ]
//   A₀ = F(t_x)/(m+t_x)^{r+s+x} − F(T)/(m+T)^{r+s+x},  F(u) = 2F1(r+s+x, c; r+s+x+1; |α−β|/(m+u))
//   with m = max(α, β) and c = s+1 if α ≥ β, else r+x (note eq. 19–20).
// 2F1(A, c; A+1; z) is evaluated after Euler's transform, (1−z)^{1−c} 2F1(1, A+1−c; A+1; z), whose
// series has positive terms shrinking at least as fast as zⁿ, in log space — it neither overflows
// for x in the thousands nor cancels. Gradients are central differences of the log-likelihood (the
// 2F1's derivatives in its parameters have no practical closed form). Pure: no I/O.

import type { WeightedTriple } from './bgnbd';
import { minimise } from './optimiser';
import { logGamma } from './special-functions';

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

export interface ParetoNbdFit extends ParetoNbdParams {
  logLikelihood: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  gradientNorm: number;
}

/** log 2F1(A, c; A+1; z) for 0 ≤ z < 1 via Euler's transform (see the header). */
function logHyp2f1Plus1(A: number, c: number, z: number): number {
  if (z === 0) return 0;
  const b = A + 1 - c;
  // 2F1(1, b; A+1; z) = Σ_n (b)_n/(A+1)_n zⁿ.
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 10_000_000; n++) {
    term *= ((b + n) / (A + 1 + n)) * z;
    sum += term;
    if (term <= 1e-17 * sum) break;
  }
  return (1 - c) * Math.log1p(-z) + Math.log(sum);
}

/** log A₀ (−∞ when t_x = T). */
function logA0(params: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = params;
  const [m, c] = alpha >= beta ? [alpha, s + 1] : [beta, r + x];
  const diff = Math.abs(alpha - beta);
  const A = r + s + x;
  const first = logHyp2f1Plus1(A, c, diff / (m + tx)) - A * Math.log(m + tx);
  if (T === tx) return Number.NEGATIVE_INFINITY;
  const second = logHyp2f1Plus1(A, c, diff / (m + T)) - A * Math.log(m + T);
  // log(e^first − e^second), first > second.
  const delta = second - first;
  return first + (delta > -Math.LN2 ? Math.log(-Math.expm1(delta)) : Math.log1p(-Math.exp(delta)));
}

/** Per-triple log-likelihood pieces: the total, and its "alive at T" part. */
function logLikelihoodParts(
  params: ParetoNbdParams,
  x: number,
  tx: number,
  T: number,
): { ll: number; logAlive: number } {
  const { r, alpha, s, beta } = params;
  const a1 = logGamma(r + x) - logGamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  const alive = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  const dead = Math.log(s) + logA0(params, x, tx, T) - Math.log(r + s + x);
  const mx = Math.max(alive, dead);
  const mix = mx + Math.log1p(Math.exp(Math.min(alive, dead) - mx));
  return { ll: a1 + mix, logAlive: a1 + alive };
}

function checkTriple(x: number, tx: number, T: number, w: number): void {
  if (!(x >= 0 && Number.isInteger(x) && T >= 0 && tx >= 0 && tx <= T && w >= 0)) {
    throw new RangeError(`invalid triple (x=${x}, t_x=${tx}, T=${T}, weight=${w})`);
  }
}

export function paretoNbdLogLikelihood(params: ParetoNbdParams, triples: readonly WeightedTriple[]): number {
  let ll = 0;
  for (const { x, tx, T, weight } of triples) {
    checkTriple(x, tx, T, weight);
    if (weight > 0) ll += weight * logLikelihoodParts(params, x, tx, T).ll;
  }
  return ll;
}

const LOG_BOUND = 18;
const FD_STEP = 1e-5;

export function fitParetoNbd(
  triples: readonly WeightedTriple[],
  opts: { gradientTolerance?: number; maxIterations?: number; penalty?: number } = {},
): ParetoNbdFit {
  let total = 0;
  let sumX = 0;
  let sumT = 0;
  for (const t of triples) {
    checkTriple(t.x, t.tx, t.T, t.weight);
    total += t.weight;
    sumX += t.weight * t.x;
    sumT += t.weight * t.T;
  }
  if (!(total > 0)) throw new RangeError('no customers to fit');
  const alpha0 = Math.max(1e-3, sumT / Math.max(sumX, 1e-3 * total));
  const scale = 1 / total;
  const penalty = opts.penalty ?? 0;
  const toParams = (theta: ArrayLike<number>): ParetoNbdParams => ({
    r: Math.exp(theta[0]!),
    alpha: Math.exp(theta[1]!),
    s: Math.exp(theta[2]!),
    beta: Math.exp(theta[3]!),
  });
  const value = (theta: ArrayLike<number>): number => {
    let prior = 0;
    for (let i = 0; i < 4; i++) prior += penalty * theta[i]! * theta[i]!;
    return -paretoNbdLogLikelihood(toParams(theta), triples) * scale + prior;
  };
  const probe = new Float64Array(4);
  const result = minimise(
    (theta, g) => {
      for (let i = 0; i < 4; i++) {
        probe.set(theta);
        probe[i] = theta[i]! + FD_STEP;
        const up = value(probe);
        probe[i] = theta[i]! - FD_STEP;
        const down = value(probe);
        g[i] = (up - down) / (2 * FD_STEP);
      }
      return value(theta);
    },
    [0, Math.log(alpha0), 0, Math.log(alpha0)],
    {
      lower: [-LOG_BOUND, -LOG_BOUND, -LOG_BOUND, -LOG_BOUND],
      upper: [LOG_BOUND, LOG_BOUND, LOG_BOUND, LOG_BOUND],
      gradientTolerance: opts.gradientTolerance ?? 1e-8,
      acceptableGradient: 1e-6,
      maxIterations: opts.maxIterations ?? 500,
    },
  );
  const params = toParams(result.theta);
  return {
    ...params,
    logLikelihood: paretoNbdLogLikelihood(params, triples),
    iterations: result.iterations,
    evaluations: result.evaluations,
    converged: result.converged,
    gradientNorm: result.gradientNorm,
  };
}

/** P(alive at T | x, t_x, T) = the "alive" share of the likelihood (note eq. 36–37). */
export function paretoPAlive(params: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { ll, logAlive } = logLikelihoodParts(params, x, tx, T);
  return Math.exp(logAlive - ll);
}

/**
 * E[Y(t) | x, t_x, T] = P(alive) · (r+x)(β+T)/((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^{s−1}]
 * (note eq. 41), with the bracket over (s−1) evaluated as −expm1(−(s−1)·L)/(s−1), L = log1p(t/(β+T)),
 * so s → 1 is finite.
 */
export function paretoExpectedPurchases(
  params: ParetoNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  if (!(t > 0)) return 0;
  const { r, alpha, s, beta } = params;
  const L = Math.log1p(t / (beta + T));
  const u = (s - 1) * L;
  const bracket = u === 0 ? L : -Math.expm1(-u) / (s - 1);
  return (paretoPAlive(params, x, tx, T) * (r + x) * (beta + T) * bracket) / (alpha + T);
}

export function paretoUnconditionalExpectedPurchases(params: ParetoNbdParams, t: number): number {
  return paretoExpectedPurchases(params, t, 0, 0, 0);
}

/**
 * Median wait from T to the next purchase given alive and still buying: given alive at T,
 * λ ~ Gamma(r+x, α+T), so the wait is Lomax with median (α+T)(2^{1/(r+x)} − 1), as for the BG/NBD.
 */
export function paretoMedianTimeToNextPurchase(params: ParetoNbdParams, x: number, T: number): number {
  return (params.alpha + T) * Math.expm1(Math.LN2 / (params.r + x));
}
