import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../lib/cli/main';
import { cdnowCsv } from './cdnow-data';

let dir: string;
let cdnow: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'precis-ltv-cli-'));
  cdnow = join(dir, 'cdnow.csv');
  writeFileSync(cdnow, cdnowCsv());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs the CLI, capturing stdout and stderr. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    err += `${args.join(' ')}\n`;
  });
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const rel = (a: number, b: number) => Math.abs(a / b - 1);

describe('precis ltv fit', () => {
  it('fits CDNOW to the maximum-likelihood values and prints JSON', async () => {
    const { code, out, err } = await run(
      'ltv',
      'fit',
      '--orders',
      cdnow,
      '--calibration-end',
      '1997-09-30',
      '--json',
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.customers).toBe(2357);
    expect(result.repeatCustomers).toBe(946);
    expect(result.triples).toBe(1016);
    expect(result.model.name).toBe('bg-nbd');
    expect(result.choice).toBeUndefined();
    const { r, alpha, a, b, logLikelihood } = result.model;
    expect(
      Math.max(rel(r, 0.2425945), rel(alpha, 4.413603), rel(a, 0.792922), rel(b, 2.425906)),
    ).toBeLessThan(1e-4);
    expect(logLikelihood).toBeCloseTo(-9582.4292, 3);
    const { p, q, v } = result.gammaGamma;
    expect(Math.max(rel(p, 6.249572), rel(q, 3.744225), rel(v, 15.443521))).toBeLessThan(1e-4);
  });

  it('defaults the calibration end to the last order date and prints a readable table', async () => {
    const { code, out } = await run('ltv', 'fit', '--orders', cdnow);
    expect(code).toBe(0);
    expect(out).toContain('customers     2357');
    expect(out).toContain('calibration   ends 1998-06-30, time unit weeks');
    expect(out).toMatch(
      /^BG\/NBD\s+r [\d.]+\s+alpha [\d.]+\s+a [\d.]+\s+b [\d.]+\s+log-likelihood -[\d.]+$/m,
    );
    expect(out).toMatch(/^Gamma-Gamma\s+p [\d.]+\s+q [\d.]+\s+v [\d.]+/m);
  });

  it('fits in days on request (α in days is 7× the weekly α)', async () => {
    const { out } = await run(
      'ltv',
      'fit',
      '--orders',
      cdnow,
      '--calibration-end',
      '1997-09-30',
      '--unit',
      'days',
      '--json',
    );
    expect(rel(JSON.parse(out).model.alpha, 7 * 4.413603)).toBeLessThan(1e-4);
  });

  it.each([
    ['a missing file', () => [join(dir, 'nope.csv')], /orders file not found: .*nope\.csv/],
    [
      'a bad header',
      () => [file('bad-header.csv', 'id,when,total\n1,2024-01-01,5\n')],
      /expected the header 'customer_id,date,amount'/,
    ],
    [
      'an unparseable date, naming the line',
      () => [file('bad-date.csv', 'customer_id,date,amount\n1,2024-01-01,5\n1,2024-02-30,5\n')],
      /bad-date\.csv line 3: invalid date '2024-02-30'/,
    ],
    [
      'an unparseable amount, naming the line',
      () => [file('bad-amount.csv', 'customer_id,date,amount\n1,2024-01-01,5\n2,2024-01-02,five\n')],
      /bad-amount\.csv line 3: invalid amount 'five'/,
    ],
    [
      'a short row, naming the line',
      () => [file('short.csv', 'customer_id,date,amount\n1,2024-01-01,5\n2,2024-01-02\n')],
      /short\.csv line 3: expected 3 fields/,
    ],
    ['an empty file', () => [file('empty.csv', '')], /empty file/],
    [
      'a header without orders',
      () => [file('header-only.csv', 'customer_id,date,amount\n')],
      /no orders after the header/,
    ],
    [
      'an unknown --model',
      () => [cdnow, '--model', 'bgnbd'],
      /invalid --model 'bgnbd' \(expected auto or one of bg-nbd, /,
    ],
    [
      'a bad --holdout-days',
      () => [cdnow, '--model', 'auto', '--holdout-days', '-3'],
      /invalid --holdout-days '-3'/,
    ],
    [
      'a bad --calibration-end',
      () => [cdnow, '--calibration-end', '1997-13-01'],
      /invalid --calibration-end '1997-13-01'/,
    ],
  ])('rejects %s with one line on stderr and a non-zero exit', async (_, args, message) => {
    const [orders, ...rest] = args();
    const { code, out, err } = await run('ltv', 'fit', '--orders', orders!, ...rest);
    expect(code).not.toBe(0);
    expect(out).toBe('');
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^precis: /);
    expect(err).toMatch(message);
  });

  it('fits the named model: Pareto/NBD on CDNOW gives the published parameters', async () => {
    const { code, out } = await run(
      'ltv',
      'fit',
      '--orders',
      cdnow,
      '--calibration-end',
      '1997-09-30',
      '--model',
      'pareto-nbd',
      '--json',
    );
    expect(code).toBe(0);
    const { name, r, alpha, s, beta } = JSON.parse(out).model;
    expect(name).toBe('pareto-nbd');
    expect(Math.max(rel(r, 0.553), rel(alpha, 10.578), rel(s, 0.606), rel(beta, 11.669))).toBeLessThan(2e-3);
  });

  it('--model auto scores every model on the last quarter of the history and refits the best on all of it', async () => {
    const { code, out } = await run(
      'ltv',
      'fit',
      '--orders',
      cdnow,
      '--calibration-end',
      '1997-09-30',
      '--model',
      'auto',
      '--json',
    );
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.choice.calibrationEnd).toBe('1997-07-01');
    expect(result.choice.holdoutDays).toBe(91);
    expect(result.choice.scores).toHaveLength(9);
    const scores = result.choice.scores as {
      model: string;
      accuracy: { rmse: number };
      converged: boolean;
    }[];
    const best = scores.filter((x) => x.converged).sort((p, q) => p.accuracy.rmse - q.accuracy.rmse)[0]!;
    expect(result.choice.chosen).toBe(best.model);
    expect(result.model.name).toBe(best.model);
    // Refitted on the whole calibration period (to 1997-09-30).
    expect(result.customers).toBe(2357);
    expect(result.triples).toBe(1016);

    const table = await run(
      'ltv',
      'fit',
      '--orders',
      cdnow,
      '--calibration-end',
      '1997-09-30',
      '--model',
      'auto',
    );
    expect(table.out).toMatch(/model choice\s+fitted to 1997-07-01, scored on the last 91 days/);
    expect(table.out).toMatch(/← chosen/);
  });

  it('requires --orders (commander reports it)', async () => {
    const { code, err } = await run('ltv', 'fit');
    expect(code).not.toBe(0);
    expect(err).toContain("required option '--orders <file>' not specified");
  });
});

describe('precis ltv backtest', () => {
  it('reports every model and the naive baselines on the CDNOW holdout', async () => {
    const { code, out } = await run(
      'ltv',
      'backtest',
      '--orders',
      cdnow,
      '--calibration-end',
      '1997-09-30',
      '--json',
    );
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.holdoutEnd).toBe('1998-06-30');
    expect(result.holdoutActual).toBe(1882);
    expect(result.models).toHaveLength(9);
    expect(result.lowestRmse).toBe('pareto-nbd');
    const bg = result.models[0];
    expect(bg.model.name).toBe('bg-nbd');
    expect(bg.accuracy.rmse).toBeCloseTo(1.608, 3);
    expect(bg.accuracy.bias).toBeCloseTo(-0.121, 3);
    expect(bg.holdout.actual).toBe(1882);
    expect(bg.cumulative.week).toBe(78);
    expect(bg.cumulative.actual).toBe(4339);
    expect(bg.cumulative.relativeError).toBeGreaterThan(-0.07);
    expect(bg.cumulative.relativeError).toBeLessThan(-0.01);
    expect(bg.tracking).toHaveLength(78);
    expect(bg.tracking[0]).toMatchObject({ week: 1, endDay: '1997-01-07' });
    expect(bg.byFrequency.map((g: { x: string }) => g.x)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+']);
    const pareto = result.models.find((m: { model: { name: string } }) => m.model.name === 'pareto-nbd');
    expect(pareto.accuracy.rmse).toBeLessThanOrEqual(1.603);
    expect(result.baselines.zero.rmse).toBeCloseTo(2.206, 3);
    expect(result.baselines.calibrationRate.rmse).toBeCloseTo(2.212, 3);
  });

  it('prints a readable table, limited to the models asked for', async () => {
    const { code, out } = await run(
      'ltv',
      'backtest',
      '--orders',
      cdnow,
      '--calibration-end',
      '1997-09-30',
      '--model',
      'bg-nbd,pareto-nbd',
    );
    expect(code).toBe(0);
    expect(out).toContain('1882 holdout repeat purchases');
    expect(out).toMatch(/^BG\/NBD\s+1\.6080\s+0\.7855\s+0\.626\s+-12\.1%\s+1653\.4$/m);
    expect(out).toMatch(/^Pareto\/NBD\s+1\.6028\s/m);
    expect(out).toMatch(/^zero \(naive\)\s+2\.2064\s/m);
    expect(out).toMatch(/^own rate \(naive\)\s+2\.2119\s/m);
    expect(out).toContain('lowest RMSE: Pareto/NBD');
    expect(out).not.toContain('MBG/NBD');
    expect(out).toMatch(/^\s+78\s+1998-06-30\s+4339\s+[\d.]+\s+[\d.]+$/m);
    expect(out).toMatch(/^\s+7\+\s+64\s/m);
  });

  it('requires the holdout to end after the calibration end', async () => {
    const { code, err } = await run('ltv', 'backtest', '--orders', cdnow, '--calibration-end', '1998-06-30');
    expect(code).not.toBe(0);
    expect(err).toMatch(/^precis: the holdout end \(1998-06-30\) must be after the calibration end/);
  });

  it('rejects an unknown model by name', async () => {
    const { code, err } = await run(
      'ltv',
      'backtest',
      '--orders',
      cdnow,
      '--calibration-end',
      '1997-09-30',
      '--model',
      'bg-nbd,magic',
    );
    expect(code).not.toBe(0);
    expect(err).toMatch(/^precis: invalid --model 'magic' \(expected one of bg-nbd, /);
  });
});
