// Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), in the form of Fader & Hardie's note
// "Deriving the conditional PMF of the Pareto/NBD model" / "A note on deriving the Pareto/NBD model
// and related expressions" (2005), as implemented by lifetimes' ParetoNBDFitter and BTYD.
//
// Exports:
//   paretoNbdLogLikelihood(params, triples, grad?)   Σ weight · log L(x, t_x, T), and ∂/∂(r, α, s, β)
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
// for x in the thousands nor cancels. Gradients are analytic: the series' derivatives in A, b and z are
// summed with it (exact for the summed terms), then the chain rule through A = r+s+x, c, z and m. The
// fit walks log-parameters with them: one pass over the triples per gradient instead of the eight of
// central differences, and no difference noise for the Newton steps. Pure: no I/O.

import type { WeightedTriple } from './bgnbd';
import { minimise } from './optimiser';
import { digamma, logGamma } from './special-functions';

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

// Series partials of log 2F1(A, c; A+1; z) (see logHyp2f1Plus1), filled by it when asked:
// [∂/∂A with b = A+1−c held, ∂/∂b, ∂/∂c through the (1−z)^{1−c} prefactor only, ∂/∂z].
const hypPartials = new Float64Array(4);

/**
 * log 2F1(A, c; A+1; z) for 0 ≤ z < 1 via Euler's transform (see the header). With `partials`, also
 * the exact derivatives of the summed series: term n is Π_{k<n} (b+k)/(A+1+k)·z, so its log has
 * ∂/∂b = Σ_{k<n} 1/(b+k), ∂/∂A = −Σ_{k<n} 1/(A+1+k) and ∂/∂z = n/z, accumulated alongside.
 */
function logHyp2f1Plus1(A: number, c: number, z: number, partials?: Float64Array): number {
  const b = A + 1 - c;
  if (z === 0) {
    if (partials) {
      partials[0] = 0;
      partials[1] = 0;
      partials[2] = 0;
      partials[3] = c - 1 + b / (A + 1);
    }
    return 0;
  }
  // 2F1(1, b; A+1; z) = Σ_n (b)_n/(A+1)_n zⁿ.
  let term = 1;
  let sum = 1;
  if (!partials) {
    for (let n = 0; n < 10_000_000; n++) {
      term *= ((b + n) / (A + 1 + n)) * z;
      sum += term;
      if (term <= 1e-17 * sum) break;
    }
    return (1 - c) * Math.log1p(-z) + Math.log(sum);
  }
  let hA = 0;
  let hb = 0;
  let sumA = 0;
  let sumB = 0;
  let sumN = 0;
  for (let n = 0; n < 10_000_000; n++) {
    const ia = 1 / (A + 1 + n);
    hA += ia;
    hb += 1 / (b + n);
    term *= (b + n) * ia * z;
    sum += term;
    sumA += term * hA;
    sumB += term * hb;
    sumN += (n + 1) * term;
    if (term <= 1e-17 * sum) break;
  }
  const log1mz = Math.log1p(-z);
  partials[0] = -sumA / sum;
  partials[1] = sumB / sum;
  partials[2] = -log1mz;
  partials[3] = (c - 1) / (1 - z) + sumN / (z * sum);
  return (1 - c) * log1mz + Math.log(sum);
}

/** log P(u) = log F(u) − (r+s+x)·log(m+u), P(u) = F(u)/(m+u)^{r+s+x}; with `d`, ∂/∂(r, α, s, β). */
function logP(params: ParetoNbdParams, x: number, u: number, d?: Float64Array): number {
  const { r, alpha, s, beta } = params;
  const aGeB = alpha >= beta;
  const m = aGeB ? alpha : beta;
  const A = r + s + x;
  const lm = Math.log(m + u);
  const z = Math.abs(alpha - beta) / (m + u);
  const value = logHyp2f1Plus1(A, aGeB ? s + 1 : r + x, z, d ? hypPartials : undefined) - A * lm;
  if (!d) return value;
  const fA = hypPartials[0]!;
  const fb = hypPartials[1]!;
  const fc = hypPartials[2]!;
  const fz = hypPartials[3]!;
  // b = A+1−c is r+x when α ≥ β (c = s+1), s+1 otherwise (c = r+x); A = r+s+x.
  d[0] = fA + (aGeB ? fb : fc) - lm;
  d[2] = fA + (aGeB ? fc : fb) - lm;
  if (aGeB) {
    // z = (α−β)/(α+u)
    d[1] = (fz * (beta + u)) / ((alpha + u) * (alpha + u)) - A / (m + u);
    d[3] = -fz / (alpha + u);
  } else {
    // z = (β−α)/(β+u)
    d[1] = -fz / (beta + u);
    d[3] = (fz * (alpha + u)) / ((beta + u) * (beta + u)) - A / (m + u);
  }
  return value;
}

/**
 * log((e^{eL} − 1)/e) (L when e = 0) and its partials in e and L, for the integrals of powers below.
 */
function logExpm1Over(e: number, L: number, out: Float64Array): number {
  const x = e * L;
  if (Math.abs(x) < 1e-4) {
    // Series in x: the closed forms cancel here.
    out[0] = L / 2 + (e * L * L) / 12;
    out[1] = 1 / L + e / 2 + (e * e * L) / 12;
    return Math.log(L) + Math.log(Math.expm1(x) / x || 1);
  }
  // 1 − e^{−x} has the sign of x, as does e^{x} − 1.
  const oneMinus = -Math.expm1(-x);
  out[0] = L / oneMinus - 1 / e;
  out[1] = e / oneMinus;
  return x > 0 ? x + Math.log(oneMinus) - Math.log(e) : Math.log(-Math.expm1(x)) - Math.log(-e);
}

const hPartials = new Float64Array(2);
// ∂ log J / ∂(p_s, p_b, a_s, a_b), filled by logNearOneIntegral.
const jPartials = new Float64Array(4);

/**
 * log J, J = ∫_{t_x}^{T} (a_s+τ)^{−p_s} (a_b+τ)^{−p_b} dτ with a_b − a_s = δ > 0, when
 * t_T = (a_s+T)/δ ≤ ¼ and p_b·t_T ≤ 2: then (a_b+τ)^{−p_b} = δ^{−p_b} Σ_k (p_b)_k/k! (−t)^k,
 * t = (a_s+τ)/δ, is an alternating series whose terms end up falling at least fourfold, with
 * cancellation of at most ((1+t_T)/(1−t_T))^{p_b} ≤ e^{4.1} (two digits), and each term's integral
 * of a power is closed-form. This is the case of one of α, β far above the other (the 2F1's argument
 * near 1, where its series needs ~1/(1−z) terms): the s, β ridge of customers who rarely drop out.
 * Partials (in jPartials) by differentiating the summed terms.
 */
function logNearOneIntegral(ps: number, pb: number, as: number, ab: number, tx: number, T: number): number {
  const delta = ab - as;
  const logT1 = Math.log(as + tx) - Math.log(delta);
  const L = Math.log1p((T - tx) / (as + tx));
  const dLdAs = 1 / (as + T) - 1 / (as + tx);
  const dLogT1dAs = 1 / (as + tx) + 1 / delta;
  let sum = 0;
  let sumPs = 0;
  let sumPb = 0;
  let sumAs = 0;
  let sumAb = 0;
  let logE0 = 0;
  let logCoef = 0; // log((p_b)_k/k!)
  let dLogCoef = 0; // its ∂/∂p_b
  for (let k = 0; k < 400; k++) {
    const e = k + 1 - ps;
    const logE = e * logT1 + logExpm1Over(e, L, hPartials);
    if (k === 0) logE0 = logE;
    const term = (k % 2 === 0 ? 1 : -1) * Math.exp(logCoef + logE - logE0);
    sum += term;
    sumPs -= term * (logT1 + hPartials[0]!);
    sumPb += term * dLogCoef;
    sumAs += term * (e * dLogT1dAs + hPartials[1]! * dLdAs);
    sumAb -= (term * e) / delta;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    logCoef += Math.log((pb + k) / (k + 1));
    dLogCoef += 1 / (pb + k);
  }
  const power = 1 - ps - pb;
  jPartials[0] = -Math.log(delta) + sumPs / sum;
  jPartials[1] = -Math.log(delta) + sumPb / sum;
  jPartials[2] = -power / delta + sumAs / sum;
  jPartials[3] = power / delta + sumAb / sum;
  return power * Math.log(delta) + logE0 + Math.log(sum);
}

/** log P(u) with its gradient (zeros without one). */
interface PEnd {
  value: number;
  d: Float64Array;
}

/**
 * One pass of the likelihood over triples at fixed parameters, with what triples share: the
 * per-parameter logs, the per-x terms, P(t_x) per (x, t_x) and P(T) per (x, T) (few distinct T: the
 * cohort's start days). Triples sorted by x then t_x (as the fit sorts them) hit these every time;
 * any order is correct.
 */
class LikelihoodPass {
  private readonly logR: number;
  private readonly psiR: number;
  private readonly la: number;
  private readonly lb: number;
  private readonly ls: number;
  private x = -1;
  private lgRx = 0;
  private psiRx = 0;
  private tx = -1;
  private readonly p1: PEnd = { value: 0, d: new Float64Array(4) };
  private byT = new Map<number, PEnd>();
  private readonly dDead = new Float64Array(4);

  constructor(
    private readonly params: ParetoNbdParams,
    /** When given, tripleLogLikelihood adds weight · ∂ll/∂(r, α, s, β) into it. */
    private readonly gradient?: Float64Array,
  ) {
    this.logR = logGamma(params.r);
    this.psiR = gradient ? digamma(params.r) : 0;
    this.la = Math.log(params.alpha);
    this.lb = Math.log(params.beta);
    this.ls = Math.log(params.s);
  }

  private end(x: number, u: number, into: PEnd): PEnd {
    into.value = logP(this.params, x, u, this.gradient ? into.d : undefined);
    return into;
  }

  /** log A₀ (−∞ when t_x = T); with a gradient, its ∂/∂(r, α, s, β) in dDead. */
  private logA0(x: number, tx: number, T: number): number {
    if (T === tx) return Number.NEGATIVE_INFINITY;
    const { r, alpha, s, beta } = this.params;
    const A = r + s + x;
    // A₀/(r+s+x) = ∫_{t_x}^{T} (α+τ)^{−(r+x)} (β+τ)^{−(s+1)} dτ; far from α = β the integral's own
    // series is the short one.
    const aLess = alpha < beta;
    const ps = aLess ? r + x : s + 1;
    const pb = aLess ? s + 1 : r + x;
    const as = aLess ? alpha : beta;
    const ab = aLess ? beta : alpha;
    if (ab - as > 0.9 * (ab + tx) && as + T <= 0.25 * (ab - as) && pb * (as + T) <= 2 * (ab - as)) {
      const logJ = logNearOneIntegral(ps, pb, as, ab, tx, T);
      if (this.gradient) {
        // jPartials holds ∂/∂(p_s, p_b, a_s, a_b); r sits in p_s when α < β, else in p_b.
        this.dDead[0] = jPartials[aLess ? 0 : 1]! + 1 / A;
        this.dDead[1] = jPartials[aLess ? 2 : 3]!;
        this.dDead[2] = jPartials[aLess ? 1 : 0]! + 1 / A;
        this.dDead[3] = jPartials[aLess ? 3 : 2]!;
      }
      return logJ + Math.log(A);
    }
    if (tx !== this.tx) {
      this.end(x, tx, this.p1);
      this.tx = tx;
    }
    let p2 = this.byT.get(T);
    if (!p2) {
      p2 = this.end(x, T, { value: 0, d: new Float64Array(4) });
      this.byT.set(T, p2);
    }
    const first = this.p1.value;
    // log(e^first − e^second), first > second.
    const delta = p2.value - first;
    const log1mE = delta > -Math.LN2 ? Math.log(-Math.expm1(delta)) : Math.log1p(-Math.exp(delta));
    if (this.gradient) {
      // ∂ log(e^p₁ − e^p₂) = (∂p₁ − e^δ ∂p₂)/(1 − e^δ).
      const e = Math.exp(delta);
      const inv = 1 / Math.exp(log1mE);
      for (let i = 0; i < 4; i++) this.dDead[i] = (this.p1.d[i]! - e * p2.d[i]!) * inv;
    }
    return first + log1mE;
  }

  /** The triple's log-likelihood, and its "alive at T" part. */
  tripleLogLikelihood(x: number, tx: number, T: number, weight: number): { ll: number; logAlive: number } {
    const { r, alpha, s, beta } = this.params;
    if (x !== this.x) {
      this.x = x;
      this.lgRx = logGamma(r + x);
      this.psiRx = this.gradient && x > 0 ? digamma(r + x) : this.psiR;
      this.tx = -1;
      this.byT = new Map();
    }
    const A = r + s + x;
    const laT = Math.log(alpha + T);
    const lbT = Math.log(beta + T);
    const a1 = this.lgRx - this.logR + r * this.la + s * this.lb;
    const alive = -(r + x) * laT - s * lbT;
    const dead = this.ls + this.logA0(x, tx, T) - Math.log(A);
    const mx = Math.max(alive, dead);
    const mix = mx + Math.log1p(Math.exp(Math.min(alive, dead) - mx));
    const g = this.gradient;
    if (g) {
      const wAlive = Math.exp(alive - mix);
      const wDead = dead === Number.NEGATIVE_INFINITY ? 0 : Math.exp(dead - mix);
      const dd = this.dDead;
      const dr = this.psiRx - this.psiR;
      g[0]! += weight * (dr + this.la - wAlive * laT + (wDead > 0 ? wDead * (dd[0]! - 1 / A) : 0));
      g[1]! += weight * (r / alpha - (wAlive * (r + x)) / (alpha + T) + (wDead > 0 ? wDead * dd[1]! : 0));
      g[2]! += weight * (this.lb - wAlive * lbT + (wDead > 0 ? wDead * (1 / s + dd[2]! - 1 / A) : 0));
      g[3]! += weight * (s / beta - (wAlive * s) / (beta + T) + (wDead > 0 ? wDead * dd[3]! : 0));
    }
    return { ll: a1 + mix, logAlive: a1 + alive };
  }
}

function checkTriple(x: number, tx: number, T: number, w: number): void {
  if (!(x >= 0 && Number.isInteger(x) && T >= 0 && tx >= 0 && tx <= T && w >= 0)) {
    throw new RangeError(`invalid triple (x=${x}, t_x=${tx}, T=${T}, weight=${w})`);
  }
}

/** Σ weight·log L over the triples; when `gradient` is given, fills ∂/∂(r, α, s, β). */
export function paretoNbdLogLikelihood(
  params: ParetoNbdParams,
  triples: readonly WeightedTriple[],
  gradient?: Float64Array,
): number {
  const pass = new LikelihoodPass(params, gradient?.fill(0));
  let ll = 0;
  for (const { x, tx, T, weight } of triples) {
    checkTriple(x, tx, T, weight);
    if (weight > 0) ll += weight * pass.tripleLogLikelihood(x, tx, T, weight).ll;
  }
  return ll;
}

const LOG_BOUND = 18;

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
  // Triples sharing x, then t_x, next to each other: each pass computes what they share once.
  const sorted = [...triples].sort((p, q) => p.x - q.x || p.tx - q.tx);
  const scale = 1 / total;
  const penalty = opts.penalty ?? 0;
  const toParams = (theta: Float64Array): ParetoNbdParams => ({
    r: Math.exp(theta[0]!),
    alpha: Math.exp(theta[1]!),
    s: Math.exp(theta[2]!),
    beta: Math.exp(theta[3]!),
  });
  const grad = new Float64Array(4);
  const result = minimise(
    (theta, g) => {
      const p = toParams(theta);
      const ll = paretoNbdLogLikelihood(p, sorted, grad);
      const values = [p.r, p.alpha, p.s, p.beta];
      let prior = 0;
      for (let i = 0; i < 4; i++) {
        // Chain rule to the log-parameters the minimiser walks: ∂/∂log p = p·∂/∂p.
        g[i] = -grad[i]! * values[i]! * scale + 2 * penalty * theta[i]!;
        prior += penalty * theta[i]! * theta[i]!;
      }
      return -ll * scale + prior;
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
  const { ll, logAlive } = new LikelihoodPass(params).tripleLogLikelihood(x, tx, T, 1);
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
