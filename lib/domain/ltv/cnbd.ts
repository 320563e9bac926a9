// The (M)BG/CNBD-k family (Platzer & Reutterer 2016; Reutterer, Platzer & Schröder 2020; BTYDplus's
// `xbgcnbd.*`), which contains BG/NBD (k = 1) and MBG/NBD (Batislam, Denizel & Filiztekin 2007;
// k = 1 with a drop-out chance at the first purchase too).
//
// Exports:
//   cnbdLogLikelihood(params, triples, gradient?)   Σ weight · log L(x, t_x, T), and its gradient
//   fitCnbd(triples, { k, dropoutAtZero }, opts?)   maximum likelihood on weighted triples
//   cnbdPAlive(params, x, tx, T)                    P(alive at T | x, t_x, T)
//   cnbdExpectedPurchases(params, t, x, tx, T)      E[Y(t) | x, t_x, T] (exact, see below)
//   cnbdMedianTimeToNextPurchase(params, x, tx, T)  median wait from T to the next purchase, given alive
//
// Generative story: λ ~ Gamma(r, α), p ~ Beta(a, b); while alive, the times between purchases are
// Erlang-k with rate λ (mean k/λ: k = 1 is the Poisson process of the BG/NBD, larger k is more
// regular buying); after each repeat purchase (and, for the "M" variants, also after the first)
// the customer drops out with probability p.
//
// Likelihood (BTYDplus xbgcnbd.LL), with d = 1 for the M variants and 0 otherwise:
//   log L = log B(a, b+x+d) − log B(a, b) + log Γ(r+kx) − log Γ(r) + r log α − (r+kx) log(α+T)
//           + log[ S1 + Σ_{j<k} (r+kx)_j (T−t_x)^j / (j! (α+T)^j) ],
//   S1 = [d = 1 or x > 0] · a/(b+x−1+d) · ((α+T)/(α+t_x))^{r+kx}.
// BTYDplus adds (k−1)·Σ log(inter-purchase times) − x·log((k−1)!), which has no parameter in it; it
// is left out here (it matters only when comparing the likelihood across k, and Precis chooses
// between models by holdout error, not likelihood).
//
// Conditional expectation. The BTYDplus expression for k > 1 is an approximation (a BG/NBD formula
// with α scaled by k, then rescaled to the unconditional totals). Here it is exact: an Erlang-k
// process is every k-th event of a Poisson process with rate λ; given alive at T with no purchase
// since t_x, the number j < k of Poisson events since the last purchase has posterior weight
// ∝ (r+kx)_j (T−t_x)^j / (j! (α+T)^j), and given j, λ ~ Gamma(r+kx+j, α+T). In (T, T+t] the
// Poisson events number N ~ NBD(r+kx+j, t/(α+T+t)), of which ⌊(N+j)/k⌋ would be purchases, and the
// n-th future purchase happens only if the customer survived n−1 drop-out chances:
// E[(1−p)^{n−1}] under the posterior Beta(a, b+x+d). k = 1 reproduces the BG/NBD / MBG/NBD closed
// forms exactly (a unit test). Pure: no I/O.

import { expectedPurchasesNumerator, type WeightedTriple } from './bgnbd';
import { minimise } from './optimiser';
import { digamma, logGamma } from './special-functions';

export interface CnbdParams {
  /** Regularity: inter-purchase times are Erlang-k (k = 1: Poisson, as in the BG/NBD). */
  k: number;
  /** True for the MBG variants: a customer may also drop out right after the first purchase. */
  dropoutAtZero: boolean;
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface CnbdFit extends CnbdParams {
  logLikelihood: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  gradientNorm: number;
}

export interface CnbdFitOptions {
  gradientTolerance?: number;
  maxIterations?: number;
  /** penalty·Σ(log θ)² on the mean negative log-likelihood, as fitBgNbd's. Default 0. */
  penalty?: number;
}

function checkTriple(x: number, tx: number, T: number, w: number): void {
  if (!(x >= 0 && Number.isInteger(x) && T >= 0 && tx >= 0 && tx <= T && w >= 0)) {
    throw new RangeError(`invalid triple (x=${x}, t_x=${tx}, T=${T}, weight=${w})`);
  }
}

/** log of the S2 terms (j = 0 … k−1) and, optionally, their derivatives in r and α. */
function logPhaseTerms(
  r: number,
  alpha: number,
  k: number,
  x: number,
  tx: number,
  T: number,
  out: Float64Array,
  dr?: Float64Array,
): void {
  const s = r + k * x;
  const gap = T - tx;
  out[0] = 0;
  if (dr) dr[0] = 0;
  let logGap = gap > 0 ? Math.log(gap / (alpha + T)) : Number.NEGATIVE_INFINITY;
  if (gap <= 0) logGap = Number.NEGATIVE_INFINITY;
  let sumInv = 0;
  for (let j = 1; j < k; j++) {
    out[j] = out[j - 1]! + Math.log(s + j - 1) - Math.log(j) + logGap;
    sumInv += 1 / (s + j - 1);
    if (dr) dr[j] = sumInv;
  }
}

/**
 * Σ weight·log L over the triples; when `gradient` is given, fills ∂/∂(r, α, a, b).
 */
export function cnbdLogLikelihood(
  params: CnbdParams,
  triples: readonly WeightedTriple[],
  gradient?: Float64Array,
): number {
  const { k, r, alpha, a, b } = params;
  const d = params.dropoutAtZero ? 1 : 0;
  const lnAlpha = Math.log(alpha);
  const lgR = logGamma(r);
  const psiR = digamma(r);
  const lgAB = logGamma(a + b);
  const psiAB = digamma(a + b);
  const lgB = logGamma(b);
  const psiB = digamma(b);
  const terms = new Float64Array(k);
  const termDr = new Float64Array(k);
  let ll = 0;
  let gr = 0;
  let gAlpha = 0;
  let ga = 0;
  let gb = 0;
  for (const { x, tx, T, weight: w } of triples) {
    checkTriple(x, tx, T, w);
    if (w === 0) continue;
    const s = r + k * x;
    const lnAT = Math.log(alpha + T);
    const lnAtx = Math.log(alpha + tx);
    // Parameter part.
    const bx = b + x + d;
    ll += w * (logGamma(bx) - logGamma(a + bx) + lgAB - lgB + logGamma(s) - lgR + r * lnAlpha - s * lnAT);
    // Alive-or-dead mixture, in log space.
    logPhaseTerms(r, alpha, k, x, tx, T, terms, gradient ? termDr : undefined);
    const hasDeath = d === 1 || x > 0;
    const logS1 = hasDeath
      ? Math.log(a) - Math.log(b + x - 1 + d) + s * (lnAT - lnAtx)
      : Number.NEGATIVE_INFINITY;
    let m = logS1;
    for (let j = 0; j < k; j++) if (terms[j]! > m) m = terms[j]!;
    let total = hasDeath ? Math.exp(logS1 - m) : 0;
    for (let j = 0; j < k; j++) total += Math.exp(terms[j]! - m);
    ll += w * (m + Math.log(total));
    if (!gradient) continue;
    const wS1 = hasDeath ? Math.exp(logS1 - m) / total : 0;
    let mixDr = wS1 * (lnAT - lnAtx);
    let mixDAlpha = wS1 * s * (1 / (alpha + T) - 1 / (alpha + tx));
    for (let j = 1; j < k; j++) {
      const wj = Math.exp(terms[j]! - m) / total;
      mixDr += wj * termDr[j]!;
      mixDAlpha -= (wj * j) / (alpha + T);
    }
    const psiABx = digamma(a + bx);
    gr += w * (digamma(s) - psiR + lnAlpha - lnAT + mixDr);
    gAlpha += w * (r / alpha - s / (alpha + T) + mixDAlpha);
    ga += w * (psiAB - psiABx + wS1 / a);
    gb += w * (digamma(bx) - psiABx + psiAB - psiB - (hasDeath ? wS1 / (b + x - 1 + d) : 0));
  }
  if (gradient) {
    gradient[0] = gr;
    gradient[1] = gAlpha;
    gradient[2] = ga;
    gradient[3] = gb;
  }
  return ll;
}

const LOG_BOUND = 18;

/** Maximum-likelihood fit of r, α, a, b for a given k and variant (log-parameters, damped Newton). */
export function fitCnbd(
  triples: readonly WeightedTriple[],
  variant: { k: number; dropoutAtZero: boolean },
  opts: CnbdFitOptions = {},
): CnbdFit {
  const { k, dropoutAtZero } = variant;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`k must be a positive integer (got ${k})`);
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
  // Start at r = 1 with α matching the observed rate of Poisson events (k per purchase).
  const alpha0 = Math.max(1e-3, sumT / Math.max(k * sumX, 1e-3 * total));
  const start = [0, Math.log(alpha0), 0, 0];
  const scale = 1 / total;
  const penalty = opts.penalty ?? 0;
  const grad = new Float64Array(4);
  const toParams = (theta: Float64Array): CnbdParams => ({
    k,
    dropoutAtZero,
    r: Math.exp(theta[0]!),
    alpha: Math.exp(theta[1]!),
    a: Math.exp(theta[2]!),
    b: Math.exp(theta[3]!),
  });
  const result = minimise(
    (theta, g) => {
      const p = toParams(theta);
      const ll = cnbdLogLikelihood(p, triples, grad);
      const values = [p.r, p.alpha, p.a, p.b];
      let prior = 0;
      for (let i = 0; i < 4; i++) {
        g[i] = -grad[i]! * values[i]! * scale + 2 * penalty * theta[i]!;
        prior += penalty * theta[i]! * theta[i]!;
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
  const params = toParams(result.theta);
  return {
    ...params,
    logLikelihood: cnbdLogLikelihood(params, triples),
    iterations: result.iterations,
    evaluations: result.evaluations,
    converged: result.converged,
    gradientNorm: result.gradientNorm,
  };
}

/** Posterior weights of the phase j = 0 … k−1 given alive (they sum to 1), in `out`. */
function phaseWeights(params: CnbdParams, x: number, tx: number, T: number, out: Float64Array): void {
  const { k } = params;
  logPhaseTerms(params.r, params.alpha, k, x, tx, T, out);
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < k; j++) if (out[j]! > m) m = out[j]!;
  let total = 0;
  for (let j = 0; j < k; j++) {
    out[j] = Math.exp(out[j]! - m);
    total += out[j]!;
  }
  for (let j = 0; j < k; j++) out[j] = out[j]! / total;
}

/** P(alive at T | x, t_x, T) (BTYDplus xbgcnbd.PAlive). */
export function cnbdPAlive(params: CnbdParams, x: number, tx: number, T: number): number {
  const { k, r, alpha, a, b } = params;
  const d = params.dropoutAtZero ? 1 : 0;
  if (d === 0 && x === 0) return 1;
  const terms = new Float64Array(k);
  logPhaseTerms(r, alpha, k, x, tx, T, terms);
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < k; j++) if (terms[j]! > m) m = terms[j]!;
  let s2 = 0;
  for (let j = 0; j < k; j++) s2 += Math.exp(terms[j]! - m);
  const logS1 = Math.log(a) - Math.log(b + x - 1 + d) + (r + k * x) * Math.log((alpha + T) / (alpha + tx));
  return 1 / (1 + Math.exp(logS1 - m - Math.log(s2)));
}

/**
 * Σ_N P(N) f(N) for N ~ NBD(shape s, z), P(N) = Γ(s+N)/(Γ(s) N!) (1−z)^s z^N, summed outwards from
 * the mode in log space (no underflow for large s), until the terms are negligible.
 */
function nbdExpectation(s: number, z: number, f: (n: number) => number): number {
  if (z <= 0) return f(0);
  const mode = Math.max(0, Math.floor(((s - 1) * z) / (1 - z)));
  const logP0 =
    logGamma(s + mode) - logGamma(s) - logGamma(mode + 1) + s * Math.log1p(-z) + mode * Math.log(z);
  let sum = 0;
  let mass = 0;
  let p = Math.exp(logP0);
  for (let n = mode; ; n++) {
    const v = f(n);
    sum += p * v;
    mass += p;
    p *= ((s + n) / (n + 1)) * z;
    if (p < 1e-17 * mass && p * Math.max(1, v) < 1e-17 * Math.max(sum, 1e-300)) break;
    if (n - mode > 10_000_000) break;
  }
  p = Math.exp(logP0);
  for (let n = mode - 1; n >= 0; n--) {
    p *= (n + 1) / ((s + n) * z);
    sum += p * f(n);
    mass += p;
    if (p < 1e-17 * mass) break;
  }
  return sum;
}

/**
 * E[Y(t) | alive at T, phase j] for each j (depends on x, T only; shared across t_x). c_n =
 * E[(1−p)^{n−1}] under Beta(a, b+x+d) accumulates as C(m) = Σ_{n≤m} c_n.
 */
function expectedGivenAlivePhases(
  params: CnbdParams,
  t: number,
  x: number,
  T: number,
  out: Float64Array,
): void {
  const { k, r, alpha, a, b } = params;
  const d = params.dropoutAtZero ? 1 : 0;
  const bPost = b + x + d;
  const cumulative: number[] = [0];
  let c = 1;
  const C = (m: number): number => {
    while (cumulative.length <= m) {
      const n = cumulative.length; // adding c_n
      cumulative.push(cumulative[n - 1]! + c);
      c *= (bPost + n - 1) / (a + bPost + n - 1);
    }
    return cumulative[m]!;
  };
  const z = t / (alpha + T + t);
  for (let j = 0; j < k; j++) {
    out[j] = t > 0 ? nbdExpectation(r + k * x + j, z, (n) => C(Math.floor((n + j) / k))) : 0;
  }
}

/** E[Y(t) | x, t_x, T]: expected repeat purchases in (T, T+t]. */
export function cnbdExpectedPurchases(
  params: CnbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  if (params.k === 1) {
    // Closed form: given alive, the BG/NBD's E[Y(t)] with the posterior Beta(a, b+x+d), i.e. b → b+d.
    const { r, alpha, a, b } = params;
    const d = params.dropoutAtZero ? 1 : 0;
    const given = expectedPurchasesNumerator({ r, alpha, a, b: b + d }, t, x, T);
    // The transformed 2F1 needs a + b + x − 1 + d > 0; below that (a tiny a and b, x = 0) the sum is used.
    if (Number.isFinite(given)) return cnbdPAlive(params, x, tx, T) * given;
  }
  return cnbdExpectedPurchasesBySum(params, t, x, tx, T);
}

/** The phase-sum expectation for any k (used for k ≥ 2; exported so tests can check it at k = 1). */
export function cnbdExpectedPurchasesBySum(
  params: CnbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  const weights = new Float64Array(params.k);
  const given = new Float64Array(params.k);
  phaseWeights(params, x, tx, T, weights);
  expectedGivenAlivePhases(params, t, x, T, given);
  let e = 0;
  for (let j = 0; j < params.k; j++) e += weights[j]! * given[j]!;
  return cnbdPAlive(params, x, tx, T) * e;
}

/** E[X(t)]: expected repeat purchases in the first t periods after a customer's first purchase. */
export function cnbdUnconditionalExpectedPurchases(params: CnbdParams, t: number): number {
  return cnbdExpectedPurchases(params, t, 0, 0, 0);
}

/**
 * Median wait from T to the next purchase, given alive, in model units: the wait is the k − j
 * Poisson events still missing, P(W ≤ w) = Σ_j weight_j · P(NBD(r+kx+j, w/(α+T+w)) ≥ k−j). For
 * k = 1 this is the BG/NBD's Lomax median (α+T)(2^{1/(r+x)} − 1). Found by bisection.
 */
export function cnbdMedianTimeToNextPurchase(params: CnbdParams, x: number, tx: number, T: number): number {
  const { k, r, alpha } = params;
  if (k === 1) return (alpha + T) * Math.expm1(Math.LN2 / (r + x));
  const weights = new Float64Array(k);
  phaseWeights(params, x, tx, T, weights);
  const beta = alpha + T;
  const cdf = (w: number): number => {
    const z = w / (beta + w);
    let p = 0;
    for (let j = 0; j < k; j++) {
      const s = r + k * x + j;
      // P(N < k−j) = Σ_{n<k−j} Γ(s+n)/(Γ(s) n!) (1−z)^s z^n.
      let term = Math.exp(s * Math.log1p(-z));
      let below = 0;
      for (let n = 0; n < k - j; n++) {
        below += term;
        term *= ((s + n) / (n + 1)) * z;
      }
      p += weights[j]! * (1 - below);
    }
    return p;
  };
  let lo = 0;
  let hi = beta;
  for (let i = 0; i < 200 && cdf(hi) < 0.5; i++) hi *= 2;
  if (cdf(hi) < 0.5) return Number.POSITIVE_INFINITY;
  for (let i = 0; i < 100; i++) {
    const mid = 0.5 * (lo + hi);
    if (cdf(mid) < 0.5) lo = mid;
    else hi = mid;
    if (hi - lo <= 1e-12 * hi) break;
  }
  return 0.5 * (lo + hi);
}
