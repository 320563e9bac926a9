// BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way").
//
// Exports:
//   fitBgNbd(triples, opts?) → { r, alpha, a, b, logLikelihood, iterations, converged }
//   bgNbdLogLikelihood(params, triples) → Σ weight · log L(x, t_x, T)
//   pAlive(params, x, tx, T)                    P(still alive at T | x, t_x, T)
//   expectedPurchases(params, t, x, tx, T)      E[Y(t) | x, t_x, T]: purchases in the next t periods
//   unconditionalExpectedPurchases(params, t)   E[X(t)] for a customer who started at time 0
//   medianTimeToNextPurchase(params, x, T)      median wait from T to the next purchase, given alive
//
// Time is in whatever unit the triples use (weeks or days); α carries that unit.
// x = repeat purchases, t_x = time of the last one since the first purchase, T = time from the first
// purchase to the end of calibration. Pure: no I/O.

import { minimise } from './optimiser';
import { digamma, hyp2f1TailOverB, logGamma } from './special-functions';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** One distinct (x, t_x, T) pattern and how many customers share it. */
export interface WeightedTriple {
  x: number;
  tx: number;
  T: number;
  weight: number;
}

export interface BgNbdFit extends BgNbdParams {
  logLikelihood: number;
  iterations: number;
  /** Objective + gradient evaluations (each one pass over the distinct rows). */
  evaluations: number;
  converged: boolean;
  /** Largest gradient component of the mean negative log-likelihood in log-parameters. */
  gradientNorm: number;
}

export interface FitOptions {
  /** Stop when the mean negative log-likelihood's gradient in log-parameters is within this. */
  gradientTolerance?: number;
  maxIterations?: number;
  initial?: Partial<BgNbdParams>;
  /**
   * Adds penalty·Σ(log θ)² to the mean negative log-likelihood: a weak log-normal prior (MAP, like
   * `lifetimes`' penalizer) for data too sparse to have an interior maximum. Default 0: pure ML.
   */
  penalty?: number;
}

/** Triples regrouped into typed arrays of distinct x, T and t_x values, so each log is taken once. */
interface Prepared {
  xs: Float64Array;
  xWeight: Float64Array;
  Ts: Float64Array;
  txs: Float64Array;
  xIdx: Int32Array;
  TIdx: Int32Array;
  /** −1 when x = 0 (no t_x term). */
  txIdx: Int32Array;
  weight: Float64Array;
  totalWeight: number;
}

function prepare(triples: readonly WeightedTriple[]): Prepared {
  const xMap = new Map<number, number>();
  const TMap = new Map<number, number>();
  const txMap = new Map<number, number>();
  const n = triples.length;
  const xIdx = new Int32Array(n);
  const TIdx = new Int32Array(n);
  const txIdx = new Int32Array(n);
  const weight = new Float64Array(n);
  const xWeights: number[] = [];
  let totalWeight = 0;
  const indexOf = (map: Map<number, number>, v: number): number => {
    let i = map.get(v);
    if (i === undefined) {
      i = map.size;
      map.set(v, i);
    }
    return i;
  };
  for (let k = 0; k < n; k++) {
    const { x, tx, T, weight: w } = triples[k]!;
    if (!(x >= 0 && Number.isInteger(x) && T >= 0 && tx >= 0 && tx <= T && w >= 0)) {
      throw new RangeError(`invalid BG/NBD triple (x=${x}, t_x=${tx}, T=${T}, weight=${w})`);
    }
    const xi = indexOf(xMap, x);
    xIdx[k] = xi;
    xWeights[xi] = (xWeights[xi] ?? 0) + w;
    TIdx[k] = indexOf(TMap, T);
    txIdx[k] = x > 0 ? indexOf(txMap, tx) : -1;
    weight[k] = w;
    totalWeight += w;
  }
  if (!(totalWeight > 0)) throw new RangeError('no customers to fit');
  return {
    xs: Float64Array.from(xMap.keys()),
    xWeight: Float64Array.from(xWeights),
    Ts: Float64Array.from(TMap.keys()),
    txs: Float64Array.from(txMap.keys()),
    xIdx,
    TIdx,
    txIdx,
    weight,
    totalWeight,
  };
}

/**
 * Log-likelihood and its gradient in (r, α, a, b), summed over weighted triples, in log-space:
 *   log L = log Γ(r+x) − log Γ(r) + r log α + log B(a, b+x) − log B(a, b)
 *           + log[ (α+T)^{−(r+x)} + δ_{x>0} · a/(b+x−1) · (α+t_x)^{−(r+x)} ]
 */
function evaluate(p: Prepared, params: BgNbdParams, gradient?: Float64Array): number {
  const { r, alpha, a, b } = params;
  const { xs, Ts, txs } = p;
  const lnAlpha = Math.log(alpha);
  const lnAT = new Float64Array(Ts.length);
  const invAT = new Float64Array(Ts.length);
  for (let i = 0; i < Ts.length; i++) {
    lnAT[i] = Math.log(alpha + Ts[i]!);
    invAT[i] = 1 / (alpha + Ts[i]!);
  }
  const lnAtx = new Float64Array(txs.length);
  const invAtx = new Float64Array(txs.length);
  for (let i = 0; i < txs.length; i++) {
    lnAtx[i] = Math.log(alpha + txs[i]!);
    invAtx[i] = 1 / (alpha + txs[i]!);
  }
  // log(a/(b+x−1)) per distinct x, for the "died after the last purchase" branch.
  const deathTerm = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    deathTerm[i] = x > 0 ? Math.log(a) - Math.log(b + x - 1) : Number.NEGATIVE_INFINITY;
  }

  let ll = 0;
  let dr = 0;
  let dAlpha = 0;
  const deathWeight = new Float64Array(xs.length);
  const { xIdx, TIdx, txIdx, weight } = p;
  for (let k = 0; k < weight.length; k++) {
    const w = weight[k]!;
    const xi = xIdx[k]!;
    const ti = TIdx[k]!;
    const rx = r + xs[xi]!;
    const aliveTerm = -rx * lnAT[ti]!;
    const si = txIdx[k]!;
    if (si < 0) {
      ll += w * aliveTerm;
      dr -= w * lnAT[ti]!;
      dAlpha -= w * rx * invAT[ti]!;
      continue;
    }
    const deadTerm = deathTerm[xi]! - rx * lnAtx[si]!;
    const e = Math.exp(-Math.abs(aliveTerm - deadTerm));
    ll += w * (Math.max(aliveTerm, deadTerm) + Math.log1p(e));
    // Softmax weights of the two branches.
    const wDead = deadTerm > aliveTerm ? 1 / (1 + e) : e / (1 + e);
    const wAlive = 1 - wDead;
    dr -= w * (wAlive * lnAT[ti]! + wDead * lnAtx[si]!);
    dAlpha -= w * rx * (wAlive * invAT[ti]! + wDead * invAtx[si]!);
    deathWeight[xi] = deathWeight[xi]! + w * wDead;
  }

  const lgR = logGamma(r);
  const psiR = digamma(r);
  const lgAB = logGamma(a + b);
  const psiAB = digamma(a + b);
  const lgB = logGamma(b);
  const psiB = digamma(b);
  let da = 0;
  let db = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const W = p.xWeight[i]!;
    if (W === 0) continue;
    ll += W * (logGamma(r + x) - lgR + r * lnAlpha + lgAB + logGamma(b + x) - lgB - logGamma(a + b + x));
    if (!gradient) continue;
    const psiABX = digamma(a + b + x);
    dr += W * (digamma(r + x) - psiR + lnAlpha);
    dAlpha += (W * r) / alpha;
    da += W * (psiAB - psiABX);
    db += W * (psiAB + digamma(b + x) - psiB - psiABX);
    if (x > 0) {
      da += deathWeight[i]! / a;
      db -= deathWeight[i]! / (b + x - 1);
    }
  }
  if (gradient) {
    gradient[0] = dr;
    gradient[1] = dAlpha;
    gradient[2] = da;
    gradient[3] = db;
  }
  return ll;
}

export function bgNbdLogLikelihood(params: BgNbdParams, triples: readonly WeightedTriple[]): number {
  return evaluate(prepare(triples), params);
}

const bgNbdLogLikelihoodPrepared = (p: Prepared, params: BgNbdParams): number => evaluate(p, params);

// Log-parameter box: e^±18 ≈ 1.5e-8 … 6.6e7 — wide enough for any unit, finite for degenerate data.
const LOG_BOUND = 18;

/**
 * Maximum-likelihood BG/NBD fit on weighted triples. Cost grows with the number of distinct
 * triples, not customers. Optimises log-parameters with a damped Newton method to a gradient
 * tolerance (default 1e-9) on the mean negative log-likelihood.
 */
export function fitBgNbd(triples: readonly WeightedTriple[], opts: FitOptions = {}): BgNbdFit {
  const p = prepare(triples);
  let sumX = 0;
  let sumT = 0;
  for (let k = 0; k < p.weight.length; k++) {
    sumX += p.weight[k]! * p.xs[p.xIdx[k]!]!;
    sumT += p.weight[k]! * p.Ts[p.TIdx[k]!]!;
  }
  // Start at r = 1 with α matching the observed purchase rate, so the start is unit-free.
  const r0 = opts.initial?.r ?? 1;
  const alpha0 = opts.initial?.alpha ?? Math.max(1e-3, sumT / Math.max(sumX, 1e-3 * p.totalWeight));
  const start = [r0, alpha0, opts.initial?.a ?? 1, opts.initial?.b ?? 1].map(Math.log);
  const scale = 1 / p.totalWeight;
  const penalty = opts.penalty ?? 0;
  const grad = new Float64Array(4);
  const result = minimise(
    (theta, g) => {
      const params = {
        r: Math.exp(theta[0]!),
        alpha: Math.exp(theta[1]!),
        a: Math.exp(theta[2]!),
        b: Math.exp(theta[3]!),
      };
      const ll = evaluate(p, params, grad);
      // Chain rule into log-parameters, negated and averaged.
      g[0] = -grad[0]! * params.r * scale;
      g[1] = -grad[1]! * params.alpha * scale;
      g[2] = -grad[2]! * params.a * scale;
      g[3] = -grad[3]! * params.b * scale;
      let prior = 0;
      for (let k = 0; k < 4; k++) {
        prior += penalty * theta[k]! * theta[k]!;
        g[k] = (g[k] ?? 0) + 2 * penalty * theta[k]!;
      }
      return -ll * scale + prior;
    },
    start,
    {
      lower: [-LOG_BOUND, -LOG_BOUND, -LOG_BOUND, -LOG_BOUND],
      upper: [LOG_BOUND, LOG_BOUND, LOG_BOUND, LOG_BOUND],
      gradientTolerance: opts.gradientTolerance ?? 1e-9,
      maxIterations: opts.maxIterations ?? 500,
    },
  );
  const [r, alpha, a, b] = Array.from(result.theta, Math.exp) as [number, number, number, number];
  return {
    r,
    alpha,
    a,
    b,
    logLikelihood: bgNbdLogLikelihoodPrepared(p, { r, alpha, a, b }),
    iterations: result.iterations,
    evaluations: result.evaluations,
    converged: result.converged,
    gradientNorm: result.gradientNorm,
  };
}

/** log of a/(b+x−1)·((α+T)/(α+t_x))^{r+x}: the odds that the customer died after the last purchase. */
function logDeathOdds(params: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = params;
  return (r + x) * Math.log((alpha + T) / (alpha + tx)) + Math.log(a / (b + x - 1));
}

/**
 * P(alive at T | x, t_x, T). A customer with no repeat purchase is alive with certainty: in the
 * BG/NBD a customer can only drop out right after a repeat purchase.
 */
export function pAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  return 1 / (1 + Math.exp(logDeathOdds(params, x, tx, T)));
}

/**
 * The numerator of E[Y(t) | x, t_x, T] (it depends on x and T only):
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^{r+x} 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))].
 * Euler's transform turns the bracket into 1 − (1−z)^{a−1} 2F1(a+b−1−r, a−1; a+b+x−1; z), whose
 * series does not grow with x; it is evaluated as −expm1(…) so neither t → 0 nor a → 1 cancels.
 */
export function expectedPurchasesNumerator(params: BgNbdParams, t: number, x: number, T: number): number {
  if (!(t > 0)) return 0;
  const { r, alpha, a, b } = params;
  const c = a + b + x - 1;
  const z = t / (alpha + T + t);
  const B = a - 1;
  const tailOverB = hyp2f1TailOverB(a + b - 1 - r, B, c, z);
  const tail = B * tailOverB;
  // (1 − (1−z)^B (1 + tail)) / B = −g · expm1(B·g)/(B·g), g = log(1−z) + log1p(tail)/B.
  const g = Math.log1p(-z) + tailOverB * (tail === 0 ? 1 : Math.log1p(tail) / tail);
  const u = B * g;
  return c * -g * (u === 0 ? 1 : Math.expm1(u) / u);
}

/** 1 + δ_{x>0} a/(b+x−1)·((α+T)/(α+t_x))^{r+x}, i.e. 1 / P(alive). */
export function aliveDenominator(params: BgNbdParams, x: number, tx: number, T: number): number {
  return x === 0 ? 1 : 1 + Math.exp(logDeathOdds(params, x, tx, T));
}

/** E[Y(t) | x, t_x, T]: expected repeat purchases in (T, T+t] for a customer with history (x, t_x, T). */
export function expectedPurchases(params: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  return expectedPurchasesNumerator(params, t, x, T) / aliveDenominator(params, x, tx, T);
}

/** E[X(t)]: expected repeat purchases in the first t periods after a customer's first purchase. */
export function unconditionalExpectedPurchases(params: BgNbdParams, t: number): number {
  return expectedPurchasesNumerator(params, t, 0, 0);
}

/**
 * Median time from T to the next purchase, given the customer is alive at T, in model time units.
 * Given alive, λ | x, T ~ Gamma(r+x, α+T), and a death can only follow a purchase, so the wait W
 * is Lomax: P(W > s) = ((α+T)/(α+T+s))^{r+x}, whose median is (α+T)(2^{1/(r+x)} − 1).
 * We use the median because the mean, (α+T)/(r+x−1), is infinite whenever r + x ≤ 1 — i.e. for
 * most one-time buyers, since r is typically well below 1.
 * "Expected date of the next order" = calibration end (or now) + this median.
 */
export function medianTimeToNextPurchase(params: BgNbdParams, x: number, T: number): number {
  return (params.alpha + T) * Math.expm1(Math.LN2 / (params.r + x));
}
