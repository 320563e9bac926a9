import { stat } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import { type Command, Option } from 'commander';
import {
  type Accuracy,
  type BacktestResult,
  backtestModel,
  baselineAccuracy,
  chooseModel,
  type ModelChoice,
  pickModel,
} from '../../domain/ltv/backtest';
import { formatDay, parseDay } from '../../domain/ltv/day-number';
import { fitGammaGamma, type GammaGammaFit } from '../../domain/ltv/gamma-gamma';
import {
  describeModel,
  fitPurchaseModel,
  MODEL_NAMES,
  type ModelFitInfo,
  type ModelName,
  modelLabel,
  type PurchaseModel,
} from '../../domain/ltv/models';
import {
  type CustomerSummaries,
  compressSummaries,
  repeatSpends,
  summariseOrders,
  type TimeUnit,
} from '../../domain/ltv/summarise';
import { type OrdersTable, readOrdersCsv } from '../orders-csv';

// `precis ltv fit|backtest`: fit a purchase model (BG/NBD by default, any of MODEL_NAMES, or the one
// a time split of the file's own history chooses) and Gamma-Gamma on an orders CSV, or check every
// model's forecast against a holdout period. Errors surface as one line via main.ts.

interface CommonOptions {
  orders: string;
  calibrationEnd?: string;
  unit: TimeUnit;
  json?: boolean;
}

interface FitOptions extends CommonOptions {
  model: string;
  holdoutDays: string;
}

interface BacktestOptions extends CommonOptions {
  holdoutEnd?: string;
  model: string;
}

/** The auto choice's default holdout: the last quarter of the history. */
export const DEFAULT_CHOICE_HOLDOUT_DAYS = 91;

// Show a progress bar only where a person is watching and the wait is noticeable.
const PROGRESS_MIN_BYTES = 32 * 1024 * 1024;

export function registerLtv(program: Command): void {
  const ltv = program.command('ltv').description('lifetime-value model: fit and backtest');
  const unitOption = () =>
    new Option('--unit <unit>', 'model time unit').choices(['weeks', 'days']).default('weeks');

  ltv
    .command('fit')
    .description('fit a purchase model (purchases, churn) and Gamma-Gamma (spend) on an orders CSV')
    .requiredOption('--orders <file>', 'orders CSV with header customer_id,date,amount')
    .option('--calibration-end <date>', 'YYYY-MM-DD; later orders are ignored (default: last order date)')
    .addOption(unitOption())
    .option(
      '--model <name>',
      `purchase model: ${MODEL_NAMES.join(', ')}, or auto (the lowest holdout RMSE on a time split)`,
      'bg-nbd',
    )
    .option(
      '--holdout-days <days>',
      'with --model auto: the last days of the history held out',
      String(DEFAULT_CHOICE_HOLDOUT_DAYS),
    )
    .option('--json', 'print JSON')
    .action(async (opts: FitOptions) => {
      const calibrationEnd = dateOption('--calibration-end', opts.calibrationEnd);
      const requested = modelOption(opts.model, true);
      const holdoutDays = Number(opts.holdoutDays);
      if (!(Number.isInteger(holdoutDays) && holdoutDays > 0)) {
        throw new Error(
          `invalid --holdout-days '${opts.holdoutDays}' (expected a positive whole number of days)`,
        );
      }
      const table = await readOrders(opts.orders);
      const calibrationEndDay = calibrationEnd ?? table.maxDay;
      let choice: (ModelChoice & { calibrationEnd: string; holdoutDays: number }) | undefined;
      if (requested === 'auto') {
        const splitDay = calibrationEndDay - holdoutDays;
        const inner = summariseOrders(table, {
          calibrationEndDay: splitDay,
          holdoutEndDay: calibrationEndDay,
        });
        if (inner.count === 0)
          throw new Error(`no customers with an order before ${formatDay(splitDay)}: shorten --holdout-days`);
        choice = {
          ...chooseModel(inner, { holdoutEndDay: calibrationEndDay, unit: opts.unit }),
          calibrationEnd: formatDay(splitDay),
          holdoutDays,
        };
      }
      const name = choice?.chosen ?? (requested as ModelName);
      const summaries = summariseOrders(table, { calibrationEndDay });
      const { fit, triples } = fitPurchases(summaries, opts.unit, name);
      const gammaGamma = fitSpend(summaries);
      let repeatCustomers = 0;
      for (let i = 0; i < summaries.count; i++) if (summaries.x[i]! > 0) repeatCustomers++;
      const result = {
        model: fit.model,
        ...(choice ? { choice } : {}),
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
      const lines = [
        `customers     ${summaries.count} (${repeatCustomers} with repeat purchases, ${triples} distinct (x, t_x, T))`,
        `calibration   ends ${result.calibrationEnd}, time unit ${opts.unit}`,
      ];
      if (choice) {
        lines.push(
          `model choice  fitted to ${choice.calibrationEnd}, scored on the last ${holdoutDays} days (per-customer holdout RMSE):`,
          ...choice.scores.map(
            (s) =>
              `  ${modelLabel(s.model).padEnd(11)} ${s.converged ? s.accuracy.rmse.toFixed(4) : 'did not converge'}${s.model === choice.chosen ? '  ← chosen' : ''}`,
          ),
        );
      }
      lines.push(
        `${modelLabel(fit.model.name).padEnd(13)} ${describeModel(fit.model)}  log-likelihood ${fit.model.logLikelihood.toFixed(4)}`,
        `Gamma-Gamma   p ${fmt(gammaGamma.p)}  q ${fmt(gammaGamma.q)}  v ${fmt(gammaGamma.v)}  log-likelihood ${gammaGamma.logLikelihood.toFixed(4)}`,
        '',
      );
      write(lines.join('\n'));
    });

  ltv
    .command('backtest')
    .description(
      'fit every model on the calibration period and compare its forecast with the actual repeat purchases in the holdout',
    )
    .requiredOption('--orders <file>', 'orders CSV with header customer_id,date,amount')
    .requiredOption('--calibration-end <date>', 'YYYY-MM-DD: end of the calibration period')
    .option('--holdout-end <date>', 'YYYY-MM-DD: end of the holdout period (default: last order date)')
    .addOption(unitOption())
    .option('--model <names>', `comma-separated models to compare, or all (${MODEL_NAMES.join(', ')})`, 'all')
    .option('--json', 'print JSON')
    .action(async (opts: BacktestOptions) => {
      const calibrationEndDay = dateOption('--calibration-end', opts.calibrationEnd)!;
      const holdoutEnd = dateOption('--holdout-end', opts.holdoutEnd);
      const names =
        opts.model === 'all'
          ? [...MODEL_NAMES]
          : opts.model.split(',').map((n) => modelOption(n.trim(), false) as ModelName);
      const table = await readOrders(opts.orders);
      const holdoutEndDay = holdoutEnd ?? table.maxDay;
      if (!(holdoutEndDay > calibrationEndDay)) {
        throw new Error(`the holdout end (${formatDay(holdoutEndDay)}) must be after the calibration end`);
      }
      const summaries = summariseOrders(table, { calibrationEndDay, holdoutEndDay });
      if (summaries.count === 0)
        throw new Error('no customers with an order on or before the calibration end');
      const { triples } = compressSummaries(summaries, opts.unit);
      const options = { holdoutEndDay, unit: opts.unit };
      const runs: { fit: ModelFitInfo; bt: BacktestResult }[] = [];
      for (const name of MODEL_NAMES.filter((n) => names.includes(n))) {
        const fit = fitPurchaseModel(name, triples);
        runs.push({ fit, bt: backtestModel(fit.model, summaries, options) });
      }
      const baselines = baselineAccuracy(summaries, options);
      const best = pickModel(
        runs.map((r) => ({ model: r.fit.model.name, accuracy: r.bt.accuracy, converged: r.fit.converged })),
      );
      const first = runs[0]!.bt;
      const result = {
        calibrationEnd: formatDay(calibrationEndDay),
        holdoutEnd: formatDay(holdoutEndDay),
        unit: opts.unit,
        holdoutLength: first.holdoutLength,
        customers: first.customers,
        holdoutActual: first.total.actual,
        lowestRmse: best,
        baselines,
        models: runs.map(({ fit, bt }) => {
          const last = bt.tracking.at(-1);
          return {
            model: fit.model,
            converged: fit.converged,
            accuracy: bt.accuracy,
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
        }),
      };
      if (opts.json) {
        write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const pct = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}%` : '-');
      const num = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '-');
      const row = (label: string, a: Accuracy, forecast: string) =>
        `${label.padEnd(17)} ${num(a.rmse, 4).padStart(7)} ${num(a.mae, 4).padStart(7)} ${num(a.correlation, 3).padStart(6)} ${pct(a.bias).padStart(7)} ${forecast.padStart(9)}`;
      const lines = [
        `calibration ${result.calibrationEnd}, holdout to ${result.holdoutEnd} (${fmt(first.holdoutLength)} ${opts.unit}), ${first.customers} customers, ${first.total.actual} holdout repeat purchases`,
        '',
        'per-customer holdout repeat purchases, forecast vs actual',
        `${'model'.padEnd(17)} ${'RMSE'.padStart(7)} ${'MAE'.padStart(7)} ${'corr'.padStart(6)} ${'bias'.padStart(7)} ${'forecast'.padStart(9)}`,
        ...runs.map(({ fit, bt }) =>
          row(
            `${modelLabel(fit.model.name)}${fit.converged ? '' : ' (!)'}`,
            bt.accuracy,
            bt.total.predicted.toFixed(1),
          ),
        ),
        row('zero (naive)', baselines.zero, '0.0'),
        row('own rate (naive)', baselines.calibrationRate, ''),
        `lowest RMSE: ${modelLabel(best)}${runs.some((r) => !r.fit.converged) ? '  ((!) = the fit did not converge)' : ''}`,
        '',
        'cumulative repeat purchases (tracking)',
        `week  end date    ${'actual'.padStart(7)}${runs.map((r) => modelLabel(r.fit.model.name).padStart(11)).join('')}`,
      ];
      const weeks = first.tracking.length;
      for (let w = 0; w < weeks; w++) {
        const p = first.tracking[w]!;
        if (p.week % 4 !== 0 && p.week !== weeks) continue;
        lines.push(
          `${String(p.week).padStart(4)}  ${formatDay(p.endDay)}  ${String(p.actual).padStart(7)}${runs.map((r) => r.bt.tracking[w]!.predicted.toFixed(1).padStart(11)).join('')}`,
        );
      }
      lines.push(
        '',
        'by calibration purchases x: holdout repeat purchases per customer, actual and forecast',
        `${'x'.padStart(3)}  ${'customers'.padStart(9)}  ${'actual'.padStart(7)}${runs.map((r) => modelLabel(r.fit.model.name).padStart(11)).join('')}`,
      );
      first.byFrequency.forEach((g, i) => {
        lines.push(
          `${g.x.padStart(3)}  ${String(g.customers).padStart(9)}  ${g.actual.toFixed(3).padStart(7)}${runs.map((r) => r.bt.byFrequency[i]!.predicted.toFixed(3).padStart(11)).join('')}`,
        );
      });
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

function modelOption(value: string, allowAuto: boolean): ModelName | 'auto' {
  if (allowAuto && value === 'auto') return 'auto';
  if ((MODEL_NAMES as readonly string[]).includes(value)) return value as ModelName;
  throw new Error(
    `invalid --model '${value}' (expected ${allowAuto ? 'auto or ' : ''}one of ${MODEL_NAMES.join(', ')})`,
  );
}

function fitPurchases(
  summaries: CustomerSummaries,
  unit: TimeUnit,
  name: ModelName,
): { fit: ModelFitInfo & { model: PurchaseModel }; triples: number } {
  if (summaries.count === 0) throw new Error('no customers with an order on or before the calibration end');
  const { triples } = compressSummaries(summaries, unit);
  const fit = fitPurchaseModel(name, triples);
  if (!fit.converged)
    throw new Error(
      `the ${modelLabel(name)} fit did not converge (gradient ${fit.gradientNorm.toExponential(2)})`,
    );
  return { fit, triples: triples.length };
}

function fitSpend(summaries: CustomerSummaries): GammaGammaFit {
  const spends = repeatSpends(summaries);
  if (spends.length === 0) throw new Error('no repeat customers: the Gamma-Gamma model cannot be fitted');
  const fit = fitGammaGamma(spends);
  if (!fit.converged)
    throw new Error(`the Gamma-Gamma fit did not converge (gradient ${fit.gradientNorm.toExponential(2)})`);
  return fit;
}
