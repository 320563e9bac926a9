// Gamma-Gamma model of spend per order (Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary
// Value"), fitted on customers with at least one repeat purchase.
//
// Exports:
//   fitGammaGamma(spends, opts?) → { p, q, v, logLikelihood, iterations, converged }
//   gammaGammaLogLikelihood(params, spends)
//   expectedSpend(params, x, mx)   E[M | x, m_x]: expected spend per order (conditional mean)
//   compressSpends(rows)           distinct (x, m_x) with counts
//
// x = repeat purchases, m_x = mean value of those x purchases. v is the paper's γ. Pure: no I/O.

import { minimise } from './optimiser';
import { digamma, logGamma } from './special-functions';

export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

export interface WeightedSpend {
  x: number;
  mx: number;
  weight: number;
}

export interface GammaGammaFit extends GammaGammaParams {
  logLikelihood: number;
  iterations: number;
  /** Objective + gradient evaluations (each one pass over the distinct rows). */
  evaluations: number;
  converged: boolean;
  gradientNorm: number;
}

export interface GammaGammaFitOptions {
  gradientTolerance?: number;
  maxIterations?: number;
  initial?: Partial<GammaGammaParams>;
}

/** Spends grouped by x: the x-only terms are computed once per group, leaving one log per row. */
interface Prepared {
  xs: Float64Array;
  groupWeight: Float64Array;
  /** Σ w·log m per group. */
  groupLogM: Float64Array;
  /** Row ranges per group into mx/weight. */
  start: Int32Array;
  mx: Float64Array;
  weight: Float64Array;
  totalWeight: number;
}

function prepare(spends: readonly WeightedSpend[]): Prepared {
  const groups = new Map<number, WeightedSpend[]>();
  for (const s of spends) {
    if (!(s.x > 0 && s.mx > 0 && s.weight >= 0)) {
      throw new RangeError(`invalid Gamma-Gamma row (x=${s.x}, m_x=${s.mx}, weight=${s.weight})`);
    }
    const g = groups.get(s.x);
    if (g) g.push(s);
    else groups.set(s.x, [s]);
  }
  const xs = Float64Array.from(groups.keys());
  const groupWeight = new Float64Array(xs.length);
  const groupLogM = new Float64Array(xs.length);
  const start = new Int32Array(xs.length + 1);
  const mx = new Float64Array(spends.length);
  const weight = new Float64Array(spends.length);
  let k = 0;
  let totalWeight = 0;
  let gi = 0;
  for (const rows of groups.values()) {
    start[gi] = k;
    for (const s of rows) {
      mx[k] = s.mx;
      weight[k] = s.weight;
      groupWeight[gi] = groupWeight[gi]! + s.weight;
      groupLogM[gi] = groupLogM[gi]! + s.weight * Math.log(s.mx);
      totalWeight += s.weight;
      k++;
    }
    gi++;
  }
  start[gi] = k;
  if (!(totalWeight > 0)) throw new RangeError('no repeat customers to fit the Gamma-Gamma model on');
  return { xs, groupWeight, groupLogM, start, mx, weight, totalWeight };
}

/**
 * log L = log Γ(px+q) − log Γ(px) − log Γ(q) + q log v + (px−1) log m_x + px log x − (px+q) log(x m_x + v)
 * and its gradient in (p, q, v).
 */
function evaluate(prep: Prepared, params: GammaGammaParams, gradient?: Float64Array): number {
  const { p, q, v } = params;
  const lgQ = logGamma(q);
  const psiQ = digamma(q);
  const lnV = Math.log(v);
  let ll = 0;
  let dp = 0;
  let dq = 0;
  let dv = 0;
  for (let g = 0; g < prep.xs.length; g++) {
    const x = prep.xs[g]!;
    const W = prep.groupWeight[g]!;
    let sumLog = 0;
    let sumInv = 0;
    for (let k = prep.start[g]!; k < prep.start[g + 1]!; k++) {
      const w = prep.weight[k]!;
      const denom = x * prep.mx[k]! + v;
      sumLog += w * Math.log(denom);
      sumInv += w / denom;
    }
    const px = p * x;
    const lnX = Math.log(x);
    ll +=
      W * (logGamma(px + q) - logGamma(px) - lgQ + q * lnV + px * lnX) +
      (px - 1) * prep.groupLogM[g]! -
      (px + q) * sumLog;
    if (!gradient) continue;
    const psiPXQ = digamma(px + q);
    dp += x * (W * (psiPXQ - digamma(px) + lnX) + prep.groupLogM[g]! - sumLog);
    dq += W * (psiPXQ - psiQ + lnV) - sumLog;
    dv += (W * q) / v - (px + q) * sumInv;
  }
  if (gradient) {
    gradient[0] = dp;
    gradient[1] = dq;
    gradient[2] = dv;
  }
  return ll;
}

export function gammaGammaLogLikelihood(params: GammaGammaParams, spends: readonly WeightedSpend[]): number {
  return evaluate(prepare(spends), params);
}

const LOG_BOUND = 18;

/** Maximum-likelihood Gamma-Gamma fit in log-parameters (damped Newton, gradient tolerance 1e-9). */
export function fitGammaGamma(
  spends: readonly WeightedSpend[],
  opts: GammaGammaFitOptions = {},
): GammaGammaFit {
  const prep = prepare(spends);
  let sumM = 0;
  for (let k = 0; k < prep.mx.length; k++) sumM += prep.weight[k]! * prep.mx[k]!;
  const meanM = sumM / prep.totalWeight;
  // Start from a moderately informative prior whose mean spend, p·v/(q−1), equals the sample mean.
  const p0 = opts.initial?.p ?? 2;
  const q0 = opts.initial?.q ?? 3;
  const v0 = opts.initial?.v ?? (meanM * (q0 - 1)) / p0;
  const scale = 1 / prep.totalWeight;
  const grad = new Float64Array(3);
  const result = minimise(
    (theta, g) => {
      const params = { p: Math.exp(theta[0]!), q: Math.exp(theta[1]!), v: Math.exp(theta[2]!) };
      const ll = evaluate(prep, params, grad);
      g[0] = -grad[0]! * params.p * scale;
      g[1] = -grad[1]! * params.q * scale;
      g[2] = -grad[2]! * params.v * scale;
      return -ll * scale;
    },
    [p0, q0, v0].map(Math.log),
    {
      lower: [-LOG_BOUND, -LOG_BOUND, -LOG_BOUND],
      upper: [LOG_BOUND, LOG_BOUND, LOG_BOUND],
      gradientTolerance: opts.gradientTolerance ?? 1e-9,
      maxIterations: opts.maxIterations ?? 500,
    },
  );
  const [p, q, v] = Array.from(result.theta, Math.exp) as [number, number, number];
  return {
    p,
    q,
    v,
    logLikelihood: -result.value / scale,
    iterations: result.iterations,
    evaluations: result.evaluations,
    converged: result.converged,
    gradientNorm: result.gradientNorm,
  };
}

/**
 * E[M | x, m_x] = (p (v + x m_x)) / (p x + q − 1): a credibility-weighted blend of the population
 * mean p v/(q−1) and the customer's own mean m_x. Infinite population mean when q ≤ 1 (NaN/negative
 * values then mean the fitted model has no finite expected spend).
 */
export function expectedSpend(params: GammaGammaParams, x: number, mx: number): number {
  const { p, q, v } = params;
  const individualWeight = (p * x) / (p * x + q - 1);
  const populationMean = (v * p) / (q - 1);
  return (1 - individualWeight) * populationMean + individualWeight * (x > 0 ? mx : 0);
}

/** Distinct (x, m_x) rows with counts; rows with x = 0 or a non-positive m_x are left out. */
export function compressSpends(rows: Iterable<{ x: number; mx: number }>): WeightedSpend[] {
  const byX = new Map<number, Map<number, number>>();
  for (const { x, mx } of rows) {
    if (!(x > 0 && mx > 0)) continue;
    let inner = byX.get(x);
    if (!inner) {
      inner = new Map();
      byX.set(x, inner);
    }
    inner.set(mx, (inner.get(mx) ?? 0) + 1);
  }
  const out: WeightedSpend[] = [];
  for (const [x, inner] of byX) for (const [mx, weight] of inner) out.push({ x, mx, weight });
  return out;
}
