import { stat } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import { type Command, Option } from 'commander';
import { backtestBgNbd } from '../../domain/ltv/backtest';
import { type BgNbdFit, fitBgNbd } from '../../domain/ltv/bgnbd';
import { formatDay, parseDay } from '../../domain/ltv/day-number';
import { fitGammaGamma, type GammaGammaFit } from '../../domain/ltv/gamma-gamma';
import {
  type CustomerSummaries,
  compressSummaries,
  repeatSpends,
  summariseOrders,
  type TimeUnit,
} from '../../domain/ltv/summarise';
import { type OrdersTable, readOrdersCsv } from '../orders-csv';

// `precis ltv fit|backtest`: fit the BG/NBD and Gamma-Gamma models on an orders CSV, or check the
// BG/NBD forecast against a holdout period. Errors surface as one line via main.ts.

interface CommonOptions {
  orders: string;
  calibrationEnd?: string;
  unit: TimeUnit;
  json?: boolean;
}

interface BacktestOptions extends CommonOptions {
  holdoutEnd?: string;
}

// Show a progress bar only where a person is watching and the wait is noticeable.
const PROGRESS_MIN_BYTES = 32 * 1024 * 1024;

export function registerLtv(program: Command): void {
  const ltv = program.command('ltv').description('lifetime-value model: fit and backtest');
  const unitOption = () =>
    new Option('--unit <unit>', 'model time unit').choices(['weeks', 'days']).default('weeks');

  ltv
    .command('fit')
    .description('fit BG/NBD (purchases, churn) and Gamma-Gamma (spend) on an orders CSV')
    .requiredOption('--orders <file>', 'orders CSV with header customer_id,date,amount')
    .option('--calibration-end <date>', 'YYYY-MM-DD; later orders are ignored (default: last order date)')
    .addOption(unitOption())
    .option('--json', 'print JSON')
    .action(async (opts: CommonOptions) => {
      const calibrationEnd = dateOption('--calibration-end', opts.calibrationEnd);
      const table = await readOrders(opts.orders);
      const calibrationEndDay = calibrationEnd ?? table.maxDay;
      const summaries = summariseOrders(table, { calibrationEndDay });
      const { bgnbd, triples } = fitPurchases(summaries, opts.unit);
      const gammaGamma = fitSpend(summaries);
      let repeatCustomers = 0;
      for (let i = 0; i < summaries.count; i++) if (summaries.x[i]! > 0) repeatCustomers++;
      const result = {
        bgnbd: pick(bgnbd, ['r', 'alpha', 'a', 'b', 'logLikelihood']),
        gammaGamma: pick(gammaGamma, ['p', 'q', 'v', 'logLikelihood']),
        customers: summaries.count,
        repeatCustomers,
        triples,
        calibrationEnd: formatDay(calibrationEndDay),
        unit: opts.unit,
      };
      if (opts.json) {
        write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      write(
        [
          `customers     ${summaries.count} (${repeatCustomers} with repeat purchases, ${triples} distinct (x, t_x, T))`,
          `calibration   ends ${result.calibrationEnd}, time unit ${opts.unit}`,
          `BG/NBD        r ${fmt(bgnbd.r)}  alpha ${fmt(bgnbd.alpha)}  a ${fmt(bgnbd.a)}  b ${fmt(bgnbd.b)}  log-likelihood ${bgnbd.logLikelihood.toFixed(4)}`,
          `Gamma-Gamma   p ${fmt(gammaGamma.p)}  q ${fmt(gammaGamma.q)}  v ${fmt(gammaGamma.v)}  log-likelihood ${gammaGamma.logLikelihood.toFixed(4)}`,
          '',
        ].join('\n'),
      );
    });

  ltv
    .command('backtest')
    .description(
      'fit on the calibration period and compare forecast vs actual repeat purchases in the holdout',
    )
    .requiredOption('--orders <file>', 'orders CSV with header customer_id,date,amount')
    .requiredOption('--calibration-end <date>', 'YYYY-MM-DD: end of the calibration period')
    .option('--holdout-end <date>', 'YYYY-MM-DD: end of the holdout period (default: last order date)')
    .addOption(unitOption())
    .option('--json', 'print JSON')
    .action(async (opts: BacktestOptions) => {
      const calibrationEndDay = dateOption('--calibration-end', opts.calibrationEnd)!;
      const holdoutEnd = dateOption('--holdout-end', opts.holdoutEnd);
      const table = await readOrders(opts.orders);
      const holdoutEndDay = holdoutEnd ?? table.maxDay;
      if (!(holdoutEndDay > calibrationEndDay)) {
        throw new Error(`the holdout end (${formatDay(holdoutEndDay)}) must be after the calibration end`);
      }
      const summaries = summariseOrders(table, { calibrationEndDay, holdoutEndDay });
      const { bgnbd } = fitPurchases(summaries, opts.unit);
      const bt = backtestBgNbd(bgnbd, summaries, { holdoutEndDay, unit: opts.unit });
      const last = bt.tracking.at(-1);
      const result = {
        calibrationEnd: formatDay(calibrationEndDay),
        holdoutEnd: formatDay(holdoutEndDay),
        unit: opts.unit,
        holdoutLength: bt.holdoutLength,
        customers: bt.customers,
        bgnbd: pick(bgnbd, ['r', 'alpha', 'a', 'b', 'logLikelihood']),
        holdout: bt.total,
        cumulative: last && {
          week: last.week,
          predicted: last.predicted,
          actual: last.actual,
          relativeError: last.predicted / last.actual - 1,
        },
        tracking: bt.tracking.map((p) => ({ ...p, endDay: formatDay(p.endDay) })),
        byFrequency: bt.byFrequency,
      };
      if (opts.json) {
        write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const pct = (v: number) => `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}%`;
      const lines = [
        `calibration ${result.calibrationEnd}, holdout to ${result.holdoutEnd} (${fmt(bt.holdoutLength)} ${opts.unit}), ${bt.customers} customers`,
        `BG/NBD r ${fmt(bgnbd.r)}  alpha ${fmt(bgnbd.alpha)}  a ${fmt(bgnbd.a)}  b ${fmt(bgnbd.b)}`,
        `holdout repeat purchases: forecast ${bt.total.predicted.toFixed(1)}, actual ${bt.total.actual} (${pct(bt.total.relativeError)})`,
      ];
      if (result.cumulative) {
        const c = result.cumulative;
        lines.push(
          `cumulative repeat purchases at week ${c.week}: forecast ${c.predicted.toFixed(1)}, actual ${c.actual} (${pct(c.relativeError)})`,
        );
      }
      lines.push('', 'week  end date    forecast  actual');
      for (const p of result.tracking) {
        if (p.week % 4 === 0 || p.week === result.tracking.length) {
          lines.push(
            `${String(p.week).padStart(4)}  ${p.endDay}  ${p.predicted.toFixed(1).padStart(8)}  ${String(p.actual).padStart(6)}`,
          );
        }
      }
      lines.push('', 'x (calibration)  customers  forecast/customer  actual/customer');
      for (const g of bt.byFrequency) {
        lines.push(
          `${g.x.padStart(15)}  ${String(g.customers).padStart(9)}  ${g.predicted.toFixed(3).padStart(17)}  ${g.actual.toFixed(3).padStart(15)}`,
        );
      }
      write(`${lines.join('\n')}\n`);
    });
}

function write(text: string): void {
  process.stdout.write(text);
}

function fmt(v: number): string {
  return Number(v.toPrecision(7)).toString();
}

function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, obj[k]])) as Pick<T, K>;
}

function dateOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const day = parseDay(value);
  if (day === undefined) throw new Error(`invalid ${flag} '${value}' (expected YYYY-MM-DD)`);
  return day;
}

async function readOrders(file: string): Promise<OrdersTable> {
  const MB = 1024 * 1024;
  const size = (await stat(file).catch(() => undefined))?.size ?? 0;
  const bar =
    process.stderr.isTTY && size >= PROGRESS_MIN_BYTES
      ? new SingleBar({
          stream: process.stderr,
          format: 'reading orders [{bar}] {percentage}% | {value}/{total} MB',
          hideCursor: true,
          clearOnComplete: true,
        })
      : undefined;
  bar?.start(Math.ceil(size / MB), 0);
  try {
    const table = await readOrdersCsv(
      file,
      bar ? { onProgress: (read) => bar.update(Math.floor(read / MB)) } : {},
    );
    if (table.length === 0) throw new Error(`${file}: no orders after the header`);
    return table;
  } finally {
    bar?.stop();
  }
}

function fitPurchases(summaries: CustomerSummaries, unit: TimeUnit): { bgnbd: BgNbdFit; triples: number } {
  if (summaries.count === 0) throw new Error('no customers with an order on or before the calibration end');
  const { triples } = compressSummaries(summaries, unit);
  const bgnbd = fitBgNbd(triples);
  if (!bgnbd.converged)
    throw new Error(`the BG/NBD fit did not converge (gradient ${bgnbd.gradientNorm.toExponential(2)})`);
  return { bgnbd, triples: triples.length };
}

function fitSpend(summaries: CustomerSummaries): GammaGammaFit {
  const spends = repeatSpends(summaries);
  if (spends.length === 0) throw new Error('no repeat customers: the Gamma-Gamma model cannot be fitted');
  const fit = fitGammaGamma(spends);
  if (!fit.converged)
    throw new Error(`the Gamma-Gamma fit did not converge (gradient ${fit.gradientNorm.toExponential(2)})`);
  return fit;
}
