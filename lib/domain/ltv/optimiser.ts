// A small bounded minimiser for smooth objectives of a handful of parameters (the LTV models fit
// 3–4 log-parameters). Damped Newton (Levenberg–Marquardt) on the analytic gradient, with the
// Hessian from forward differences of that gradient: quadratic convergence lets it reach a
// gradient tolerance of 1e-7 and beyond, where line searches on the function value stall on
// round-off. Box bounds are enforced by clipping; bound-active coordinates are frozen.

/** Fills `gradient` and returns the value at `theta`. */
export type Objective = (theta: Float64Array, gradient: Float64Array) => number;

export interface MinimiseOptions {
  lower?: readonly number[];
  upper?: readonly number[];
  /** Iterate until every free coordinate of the gradient is within this (default 1e-9). */
  gradientTolerance?: number;
  /**
   * If progress stalls (round-off in the gradient of a sum over many rows), still report success
   * when the gradient is within this (default max(gradientTolerance, 1e-7)).
   */
  acceptableGradient?: number;
  maxIterations?: number;
  /** Largest step per iteration in any coordinate (default 2, i.e. a factor e² in a log-parameter). */
  maxStep?: number;
}

export interface MinimiseResult {
  theta: Float64Array;
  value: number;
  gradient: Float64Array;
  /** Largest free gradient component at the solution. */
  gradientNorm: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

// Relative noise floor assumed for objective values that are sums over many rows.
const VALUE_NOISE = 1e-12;

export function minimise(
  objective: Objective,
  initial: readonly number[],
  options: MinimiseOptions = {},
): MinimiseResult {
  const n = initial.length;
  const lower = options.lower ?? new Array<number>(n).fill(Number.NEGATIVE_INFINITY);
  const upper = options.upper ?? new Array<number>(n).fill(Number.POSITIVE_INFINITY);
  const tolerance = options.gradientTolerance ?? 1e-9;
  const acceptable = Math.max(tolerance, options.acceptableGradient ?? 1e-7);
  const maxIterations = options.maxIterations ?? 500;
  const maxStep = options.maxStep ?? 2;

  const clip = (v: number, i: number): number => Math.min(upper[i]!, Math.max(lower[i]!, v));
  let theta = Float64Array.from(initial, clip);
  let gradient = new Float64Array(n);
  let evaluations = 1;
  let value = objective(theta, gradient);
  if (!Number.isFinite(value)) throw new RangeError('objective is not finite at the initial point');

  const hessian = new Float64Array(n * n);
  const probe = new Float64Array(n);
  const probeGradient = new Float64Array(n);
  const trial = new Float64Array(n);
  const trialGradient = new Float64Array(n);
  let damping = 1e-3;
  let iterations = 0;

  const freeMask = (): boolean[] =>
    Array.from(
      { length: n },
      (_, i) =>
        !((theta[i]! <= lower[i]! && gradient[i]! > 0) || (theta[i]! >= upper[i]! && gradient[i]! < 0)),
    );
  const freeNorm = (free: boolean[]): number => {
    let m = 0;
    for (let i = 0; i < n; i++) if (free[i]) m = Math.max(m, Math.abs(gradient[i]!));
    return m;
  };

  let free = freeMask();
  let norm = freeNorm(free);
  let refreshHessian = true;
  let bestNorm = norm;
  let stalled = 0;
  while (norm > tolerance && iterations < maxIterations) {
    iterations++;
    // Forward-difference Hessian of the analytic gradient, symmetrised. It is kept while Newton
    // steps on it still shrink the gradient tenfold (the chord method): near the optimum the
    // Hessian barely changes, and each refresh costs n gradient evaluations.
    if (refreshHessian) {
      for (let j = 0; j < n; j++) {
        const h = 1e-6 * Math.max(1, Math.abs(theta[j]!));
        probe.set(theta);
        probe[j] = theta[j]! + h;
        objective(probe, probeGradient);
        evaluations++;
        for (let i = 0; i < n; i++) hessian[i * n + j] = (probeGradient[i]! - gradient[i]!) / h;
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) {
          const s = 0.5 * (hessian[i * n + j]! + hessian[j * n + i]!);
          hessian[i * n + j] = s;
          hessian[j * n + i] = s;
        }
      }
    }

    let accepted = false;
    // A stale Hessian gets two tries before it is refreshed; a fresh one gets increasing damping.
    const attempts = refreshHessian ? 60 : 2;
    for (let attempt = 0; attempt < attempts && !accepted; attempt++) {
      const step = dampedNewtonStep(hessian, gradient, free, damping);
      if (!step) {
        damping = Math.max(damping * 10, 1e-6);
        continue;
      }
      let largest = 0;
      for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(step[i]!));
      const scale = largest > maxStep ? maxStep / largest : 1;
      for (let i = 0; i < n; i++) trial[i] = clip(theta[i]! + scale * step[i]!, i);
      const trialValue = objective(trial, trialGradient);
      evaluations++;
      let trialNorm = 0;
      for (let i = 0; i < n; i++) if (free[i]) trialNorm = Math.max(trialNorm, Math.abs(trialGradient[i]!));
      // Near the optimum the value changes by less than the round-off of a sum over many rows
      // (~1e-14 relative); there progress is judged by the gradient, which Newton steps still
      // shrink quadratically.
      const roundOff = VALUE_NOISE * Math.max(1, Math.abs(value));
      if (
        Number.isFinite(trialValue) &&
        (trialValue < value - roundOff || (trialValue <= value + roundOff && trialNorm < norm))
      ) {
        accepted = true;
        theta = Float64Array.from(trial);
        gradient = Float64Array.from(trialGradient);
        value = trialValue;
        damping = damping > 1e-9 ? damping / 10 : 0;
      } else {
        damping = Math.max(damping * 10, 1e-6);
      }
    }
    if (!accepted) {
      if (refreshHessian) break;
      refreshHessian = true;
      continue;
    }
    free = freeMask();
    const previousNorm = norm;
    norm = freeNorm(free);
    refreshHessian = !(norm < 0.1 * previousNorm);
    // Stop when the gradient has hit its round-off floor: five iterations without a 1% gain.
    if (norm < 0.99 * bestNorm) {
      bestNorm = norm;
      stalled = 0;
    } else if (++stalled >= 5) {
      break;
    }
  }

  return {
    theta,
    value,
    gradient,
    gradientNorm: norm,
    iterations,
    evaluations,
    converged: norm <= acceptable,
  };
}

/** Solves (H + λ·D) d = −g on the free coordinates by Cholesky; undefined if not positive definite. */
function dampedNewtonStep(
  hessian: Float64Array,
  gradient: Float64Array,
  free: boolean[],
  damping: number,
): Float64Array | undefined {
  const n = gradient.length;
  const index: number[] = [];
  for (let i = 0; i < n; i++) if (free[i]) index.push(i);
  const m = index.length;
  const step = new Float64Array(n);
  if (m === 0) return step;
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = hessian[index[i]! * n + index[j]!]!;
      if (i === j) s += damping * Math.max(Math.abs(s), 1e-8);
      for (let k = 0; k < j; k++) s -= l[i * m + k]! * l[j * m + k]!;
      if (i === j) {
        if (!(s > 0)) return undefined;
        l[i * m + i] = Math.sqrt(s);
      } else {
        l[i * m + j] = s / l[j * m + j]!;
      }
    }
  }
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = -gradient[index[i]!]!;
    for (let k = 0; k < i; k++) s -= l[i * m + k]! * y[k]!;
    y[i] = s / l[i * m + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < m; k++) s -= l[k * m + i]! * step[index[k]!]!;
    step[index[i]!] = s / l[i * m + i]!;
  }
  return step;
}
