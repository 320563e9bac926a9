import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOrdersCsv } from '../lib/cli/orders-csv';
import { fitBgNbd } from '../lib/domain/ltv/bgnbd';
import { predictCustomers, UNITS_PER_MONTH } from '../lib/domain/ltv/clv';
import { dayNumber, formatDay } from '../lib/domain/ltv/day-number';
import { fitGammaGamma } from '../lib/domain/ltv/gamma-gamma';
import { fitPurchaseModel, MODEL_NAMES, modelLabel } from '../lib/domain/ltv/models';
import { Random, simulateCustomer } from '../lib/domain/ltv/simulate';
import { compressSummaries, repeatSpends, summariseOrders } from '../lib/domain/ltv/summarise';

// `npm run bench -- ltv [--sizes 10000,100000,1000000] [--order customer|date] [--seed N]
//                      [--vs-lifetimes [--runs R]]`
//
// For each size: simulate a population from the BG/NBD + Gamma-Gamma generative processes, write it
// as an orders CSV to a temp dir, then — in a fresh child process, so peak memory and JIT warm-up
// are per size — time what `precis ltv fit` does (read, summarise, compress, fit both models) plus
// predictions for every customer (P(alive), next-order date, 12-month CLV). Temp files are removed.
//
// --vs-lifetimes: then time the whole command, process start to JSON, side by side with the
// `lifetimes` library doing the same work on the same file (bench/reference/lifetimes_fit.py: the
// summary, BG/NBD and Gamma-Gamma fits), R runs each (default 3), alternating so a drift in the
// machine's speed hits both; prints medians, the ratio of each pair's times and both sets of
// parameters. Needs a Python 3 that imports lifetimes (PRECIS_PYTHON, default python3; PYTHONPATH
// may point at an unpacked copy); skipped with a note when it cannot.
//
// Population: r 0.24, α 0.5 per week, a 0.79, b 2.4 (CDNOW's shape and dropout, with α lowered so
// that a two-year window gives ~7.4 orders per customer, the size of the lifetimes reference run);
// p 6.25, q 3.74, γ 15.44. First orders spread over the first quarter of 2023, observed to the end
// of 2024; about 3% of transactions are written as two same-day rows, as in CDNOW.

const BG = { r: 0.24, alpha: 0.5, a: 0.79, b: 2.4 };
const GG = { p: 6.25, q: 3.74, v: 15.44 };
const START_DAY = dayNumber(2023, 1, 1);
const COHORT_DAYS = 90;
const END_DAY = dayNumber(2024, 12, 31);
const SPLIT_SHARE = 0.03;

interface Timings {
  customers: number;
  orders: number;
  fileMB: number;
  read: number;
  summarise: number;
  compress: number;
  triples: number;
  bgnbd: number;
  gammaGamma: number;
  predictions: number;
  fitTotal: number;
  total: number;
  peakRssMB: number;
  peakHeapMB: number;
  params: Record<string, number>;
  bgIterations: number;
  ggIterations: number;
  /** Fit time (ms) of every other purchase model on the same triples (`precis ltv fit --model <name>`). */
  modelFits: Record<string, { ms: number; converged: boolean }>;
}

export async function run(args: string[]): Promise<void> {
  const measure = flag(args, '--measure');
  if (measure) {
    process.stdout.write(`${JSON.stringify(await measureFile(measure))}\n`);
    return;
  }
  const sizes = (flag(args, '--sizes') ?? '10000,100000,1000000').split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('--sizes takes positive integers');
  const order = flag(args, '--order') ?? 'customer';
  if (order !== 'customer' && order !== 'date') throw new Error('--order takes customer or date');
  const seed = Number(flag(args, '--seed') ?? 20240601);
  const vsLifetimes = args.includes('--vs-lifetimes');
  const runs = Number(flag(args, '--runs') ?? 3);
  if (!(Number.isInteger(runs) && runs > 0)) throw new Error('--runs takes a positive integer');
  const python = process.env.PRECIS_PYTHON ?? 'python3';
  const lifetimes = vsLifetimes && lifetimesAvailable(python);
  const versus: SideBySide[] = [];

  const dir = mkdtempSync(join(tmpdir(), 'precis-bench-ltv-'));
  const rows: Timings[] = [];
  try {
    for (const n of sizes) {
      const file = join(dir, `orders-${n}.csv`);
      const started = performance.now();
      const orders = writePopulation(file, n, seed, order);
      console.error(
        `generated ${n} customers, ${orders} order rows (${(statSync(file).size / 1e6).toFixed(0)} MB, ${order} order) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      const child = spawnSync(
        process.execPath,
        [...process.execArgv, process.argv[1]!, 'ltv', '--measure', file],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        },
      );
      if (child.status !== 0) throw new Error(`measurement failed for ${n}: ${child.stderr}`);
      rows.push(JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Timings);
      if (lifetimes) versus.push(sideBySide(file, n, runs, python));
      rmSync(file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  print(rows);
  if (vsLifetimes && !lifetimes) {
    console.log(
      `--vs-lifetimes: skipped (${python} cannot import lifetimes; set PRECIS_PYTHON or PYTHONPATH)`,
    );
  }
  if (versus.length > 0) printSideBySide(versus, runs);
}

interface SideBySide {
  customers: number;
  precis: number[];
  lifetimes: number[];
  precisParams: Record<string, number>;
  lifetimesParams: Record<string, number>;
}

function lifetimesAvailable(python: string): boolean {
  return spawnSync(python, ['-c', 'import lifetimes'], { encoding: 'utf8' }).status === 0;
}

/** Wall seconds and the parsed JSON of one whole process. */
function timed(command: string, argv: string[]): { seconds: number; json: unknown } {
  const started = performance.now();
  const child = spawnSync(command, argv, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const seconds = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`${command} ${argv.join(' ')} failed: ${child.stderr}`);
  return { seconds, json: JSON.parse(child.stdout) };
}

/** `precis ltv fit` (as `npx precis` runs it) and lifetimes in turn, `runs` times, after a warm-up of each. */
function sideBySide(file: string, customers: number, runs: number, python: string): SideBySide {
  const script = join(import.meta.dirname, 'reference', 'lifetimes_fit.py');
  const precisArgs = [
    join(import.meta.dirname, '..', 'bin', 'precis.js'),
    'ltv',
    'fit',
    '--orders',
    file,
    '--json',
  ];
  const result: SideBySide = { customers, precis: [], lifetimes: [], precisParams: {}, lifetimesParams: {} };
  for (let i = 0; i <= runs; i++) {
    const ours = timed(process.execPath, precisArgs);
    const theirs = timed(python, [script, file]);
    if (i === 0) {
      const o = ours.json as { model: Record<string, number>; gammaGamma: Record<string, number> };
      const t = theirs.json as { bgnbd: Record<string, number>; gammaGamma: Record<string, number> };
      result.precisParams = {
        ...pick(o.model, ['r', 'alpha', 'a', 'b']),
        ...pick(o.gammaGamma, ['p', 'q', 'v']),
      };
      result.lifetimesParams = {
        ...pick(t.bgnbd, ['r', 'alpha', 'a', 'b']),
        ...pick(t.gammaGamma, ['p', 'q', 'v']),
      };
      continue; // the warm-up (file cache, JIT of the interpreters' own start) is not counted
    }
    result.precis.push(ours.seconds);
    result.lifetimes.push(theirs.seconds);
  }
  return result;
}

const pick = (o: Record<string, number>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]!]));
const median = (xs: number[]) => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function printSideBySide(rows: SideBySide[], runs: number): void {
  console.log(
    `\nwhole \`precis ltv fit\` vs lifetimes, process start to JSON (wall s, median of ${runs}; ratio per pair)`,
  );
  console.log(
    `${'customers'.padEnd(12)}${'precis'.padStart(9)}${'lifetimes'.padStart(11)}${'ratio min/median/max'.padStart(24)}  max parameter difference`,
  );
  for (const row of rows) {
    const ratios = row.lifetimes.map((t, i) => t / row.precis[i]!);
    const diff = Math.max(
      ...Object.keys(row.precisParams).map(
        (k) => Math.abs(row.precisParams[k]! - row.lifetimesParams[k]!) / Math.abs(row.lifetimesParams[k]!),
      ),
    );
    console.log(
      `${row.customers.toLocaleString('en-US').padEnd(12)}${median(row.precis).toFixed(2).padStart(9)}${median(row.lifetimes).toFixed(2).padStart(11)}${`${Math.min(...ratios).toFixed(1)} / ${median(ratios).toFixed(1)} / ${Math.max(...ratios).toFixed(1)}×`.padStart(24)}  ${diff.toExponential(1)} (relative)`,
    );
  }
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function measureFile(file: string): Promise<Timings> {
  let peakHeap = 0;
  const sample = () => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };
  const clock = () => performance.now();
  const t0 = clock();
  const table = await readOrdersCsv(file);
  const t1 = clock();
  sample();
  const summaries = summariseOrders(table, { calibrationEndDay: table.maxDay });
  const t2 = clock();
  sample();
  const compressed = compressSummaries(summaries, 'weeks');
  const t3 = clock();
  const bg = fitBgNbd(compressed.triples);
  const t4 = clock();
  const gg = fitGammaGamma(repeatSpends(summaries));
  const t5 = clock();
  sample();
  const predictions = predictCustomers(bg, gg, summaries, compressed, {
    months: 12,
    annualDiscountRate: 0.1,
    unitsPerMonth: UNITS_PER_MONTH.weeks,
  });
  // Next-order dates as day numbers, as the profile stream would store them.
  const nextOrderDay = new Int32Array(summaries.count);
  for (let i = 0; i < summaries.count; i++) {
    nextOrderDay[i] =
      summaries.calibrationEndDay + Math.round(Math.min(predictions.nextOrderIn[i]! * 7, 1e6));
  }
  const t6 = clock();
  sample();
  let clvSum = 0;
  for (const v of predictions.clv) clvSum += v;
  if (!Number.isFinite(clvSum) || nextOrderDay.length !== summaries.count) throw new Error('bad predictions');
  const modelFits: Timings['modelFits'] = {};
  for (const name of MODEL_NAMES) {
    if (name === 'bg-nbd') continue;
    const started = clock();
    const fit = fitPurchaseModel(name, compressed.triples);
    modelFits[name] = { ms: clock() - started, converged: fit.converged };
  }
  return {
    modelFits,
    customers: summaries.count,
    orders: table.length,
    fileMB: statSync(file).size / 1e6,
    read: t1 - t0,
    summarise: t2 - t1,
    compress: t3 - t2,
    triples: compressed.triples.length,
    bgnbd: t4 - t3,
    gammaGamma: t5 - t4,
    predictions: t6 - t5,
    fitTotal: t5 - t0,
    total: t6 - t0,
    peakRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6,
    peakHeapMB: peakHeap / 1e6,
    params: { r: bg.r, alpha: bg.alpha, a: bg.a, b: bg.b, p: gg.p, q: gg.q, v: gg.v },
    bgIterations: bg.iterations,
    ggIterations: gg.iterations,
  };
}

/** Simulates n customers and writes their orders; returns the number of rows written. */
export function writePopulation(file: string, n: number, seed: number, order: 'customer' | 'date'): number {
  const rng = new Random(seed);
  const dates = Array.from({ length: END_DAY - START_DAY + 1 }, (_, i) => formatDay(START_DAY + i));
  const fd = openSync(file, 'w');
  let chunk = 'customer_id,date,amount\n';
  let rows = 0;
  // For date order, rows are collected and written after a counting sort by day.
  const byDay: string[][] | undefined = order === 'date' ? dates.map(() => []) : undefined;
  const emit = (customer: number, day: number, amount: number) => {
    const line = `${customer},${dates[day - START_DAY]},${amount.toFixed(2)}\n`;
    rows++;
    if (byDay) {
      byDay[day - START_DAY]!.push(line);
      return;
    }
    chunk += line;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  };
  for (let c = 1; c <= n; c++) {
    const first = START_DAY + Math.floor(rng.uniform() * COHORT_DAYS);
    // Time 0 is the start of the first order's day; the window ends with the last day.
    const { times, spends } = simulateCustomer(rng, BG, GG, (END_DAY + 1 - first) / 7);
    for (let k = 0; k < spends.length; k++) {
      const day = k === 0 ? first : first + Math.floor(times[k - 1]! * 7);
      const amount = Math.max(0.01, Math.round(spends[k]! * 100) / 100);
      if (rng.uniform() < SPLIT_SHARE) {
        const part = Math.max(0.01, Math.round(amount * 40) / 100);
        emit(c, day, part);
        emit(c, day, Math.max(0.01, amount - part));
      } else {
        emit(c, day, amount);
      }
    }
  }
  if (byDay) for (const lines of byDay) chunk += lines.join('');
  writeSync(fd, chunk);
  closeSync(fd);
  return rows;
}

function print(rows: Timings[]): void {
  const s = (ms: number) => (ms / 1000).toFixed(3);
  const table = [
    ['customers', ...rows.map((r) => r.customers.toLocaleString('en-US'))],
    ['order rows', ...rows.map((r) => r.orders.toLocaleString('en-US'))],
    ['orders/customer', ...rows.map((r) => (r.orders / r.customers).toFixed(2))],
    ['CSV size (MB)', ...rows.map((r) => r.fileMB.toFixed(0))],
    ['read CSV (s)', ...rows.map((r) => s(r.read))],
    ['summarise (s)', ...rows.map((r) => s(r.summarise))],
    ['compress (s)', ...rows.map((r) => s(r.compress))],
    ['distinct triples', ...rows.map((r) => r.triples.toLocaleString('en-US'))],
    ['BG/NBD fit (s)', ...rows.map((r) => `${s(r.bgnbd)} (${r.bgIterations} it)`)],
    ...MODEL_NAMES.filter((name) => name !== 'bg-nbd').map((name) => [
      `${modelLabel(name)} fit (s)`,
      ...rows.map((r) => `${s(r.modelFits[name]!.ms)}${r.modelFits[name]!.converged ? '' : ' (!)'}`),
    ]),
    ['Gamma-Gamma fit (s)', ...rows.map((r) => `${s(r.gammaGamma)} (${r.ggIterations} it)`)],
    ['`ltv fit` total (s)', ...rows.map((r) => s(r.fitTotal))],
    ['predict all (s)', ...rows.map((r) => s(r.predictions))],
    ['end to end (s)', ...rows.map((r) => s(r.total))],
    ['peak RSS (MB)', ...rows.map((r) => r.peakRssMB.toFixed(0))],
    ['peak heapUsed (MB)', ...rows.map((r) => r.peakHeapMB.toFixed(0))],
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) {
    console.log(
      row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '),
    );
  }
  const last = rows.at(-1);
  if (last) {
    const p = last.params;
    console.log(
      `fitted at ${last.customers.toLocaleString('en-US')}: r ${p.r!.toFixed(4)} α ${p.alpha!.toFixed(4)} a ${p.a!.toFixed(4)} b ${p.b!.toFixed(4)} | p ${p.p!.toFixed(3)} q ${p.q!.toFixed(3)} γ ${p.v!.toFixed(3)} (generated with r ${BG.r} α ${BG.alpha} a ${BG.a} b ${BG.b} | p ${GG.p} q ${GG.q} γ ${GG.v}; day-rounded times)`,
    );
  }
}
