import { describe, expect, it } from 'vitest';
import { fitBgNbd } from '../../../lib/domain/ltv/bgnbd';
import { Random, simulateCustomer } from '../../../lib/domain/ltv/simulate';

// A shop's first weeks: 25 customers from the BG/NBD process. Seed 66 is a draw whose likelihood has
// no interior maximum (it runs off along the a/b ridge), as small samples often do.
function sparseShop() {
  const rng = new Random(66);
  return Array.from({ length: 25 }, (_, c) => {
    const T = 100 + ((c * 13) % 200);
    const { times } = simulateCustomer(rng, { r: 0.6, alpha: 25, a: 0.8, b: 2.5 }, { p: 6, q: 4, v: 15 }, T);
    const x = times.length;
    return { x, tx: x ? Math.round(times[x - 1]!) : 0, T, weight: 1 };
  });
}

describe('BG/NBD on sparse data', () => {
  it('has no maximum-likelihood optimum: the unpenalised fit drifts along the a/b ridge', () => {
    const fit = fitBgNbd(sparseShop());
    expect(fit.converged).toBe(false);
    expect(fit.b).toBeGreaterThan(50);
  });

  it('converges with a weak prior on the log-parameters, near the process it came from', () => {
    const fit = fitBgNbd(sparseShop(), { penalty: 1e-3 });
    expect(fit.converged).toBe(true);
    expect(fit.a).toBeGreaterThan(0.4);
    expect(fit.a).toBeLessThan(1.6);
    expect(fit.b).toBeGreaterThan(1.2);
    expect(fit.b).toBeLessThan(5);
    expect(fit.r).toBeCloseTo(0.52, 1);
  });
});
