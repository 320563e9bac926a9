// Seeded simulation of the BG/NBD + Gamma-Gamma generative processes, for parameter-recovery tests
// and benchmarks. Deterministic for a given seed on every platform.
//
// Exports: Random (mulberry32 with uniform/normal/gamma/beta/exponential samplers),
//          simulateCustomer(rng, bg, gg, T) → { times, spends }
//
// Generative story (Fader, Hardie & Lee 2005; Fader & Hardie 2013): λ ~ Gamma(r, rate α),
// p ~ Beta(a, b); while alive, purchases follow a Poisson process with rate λ; after each repeat
// purchase the customer drops out with probability p. ν ~ Gamma(q, rate γ); each transaction's
// value ~ Gamma(p_gg, rate ν). Pure: no I/O.

import type { BgNbdParams } from './bgnbd';
import type { GammaGammaParams } from './gamma-gamma';

/** mulberry32: a tiny, fast 32-bit generator; ample for simulations of a few million draws. */
export class Random {
  private state: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform on the open interval (0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  }

  /** Standard normal (Marsaglia's polar method). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const s = this.spareNormal;
      this.spareNormal = undefined;
      return s;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * f;
        return u * f;
      }
    }
  }

  exponential(rate: number): number {
    return -Math.log(this.uniform()) / rate;
  }

  /** Gamma(shape, rate) by Marsaglia & Tsang (2000), boosted for shape < 1. */
  gamma(shape: number, rate: number): number {
    if (shape < 1) return this.gamma(shape + 1, rate) * this.uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
        return (d * v) / rate;
      }
    }
  }

  beta(a: number, b: number): number {
    const x = this.gamma(a, 1);
    return x / (x + this.gamma(b, 1));
  }
}

export interface SimulatedCustomer {
  /** Repeat purchase times in (0, T], ascending (the first purchase is at time 0). */
  times: number[];
  /** Value of each transaction, the first purchase's included (length times.length + 1). */
  spends: number[];
}

/** One customer observed for T time units after their first purchase. */
export function simulateCustomer(
  rng: Random,
  bg: BgNbdParams,
  gg: GammaGammaParams,
  T: number,
): SimulatedCustomer {
  const lambda = rng.gamma(bg.r, bg.alpha);
  const dropout = rng.beta(bg.a, bg.b);
  const times: number[] = [];
  let t = 0;
  for (;;) {
    t += rng.exponential(lambda);
    if (!(t <= T)) break;
    times.push(t);
    if (rng.uniform() < dropout) break;
  }
  const nu = rng.gamma(gg.q, gg.v);
  const spends = Array.from({ length: times.length + 1 }, () => rng.gamma(gg.p, nu));
  return { times, spends };
}

/**
 * One customer of the (M)BG/CNBD-k process (cnbd.ts), observed for `T` units after the first purchase:
 * λ ~ Gamma(r, α), p ~ Beta(a, b); inter-purchase times are Erlang-k with rate λ (Gamma(k, λ));
 * after each repeat purchase — and, with dropoutAtZero, after the first — the customer drops out
 * with probability p. Returns the repeat purchase times in (0, T].
 */
export function simulateCnbdCustomer(
  rng: Random,
  params: { k: number; dropoutAtZero: boolean; r: number; alpha: number; a: number; b: number },
  T: number,
): number[] {
  const lambda = rng.gamma(params.r, params.alpha);
  const dropout = rng.beta(params.a, params.b);
  const times: number[] = [];
  if (params.dropoutAtZero && rng.uniform() < dropout) return times;
  let t = 0;
  for (;;) {
    t += rng.gamma(params.k, lambda);
    if (!(t <= T)) break;
    times.push(t);
    if (rng.uniform() < dropout) break;
  }
  return times;
}
