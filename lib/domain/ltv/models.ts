// The purchase models Precis can fit, behind one interface, and the choice between them.
//
// Exports:
//   MODEL_NAMES, ModelName, PurchaseModel (a fitted model: its name and parameters), PurchaseModelSchema
//   fitPurchaseModel(name, triples, opts?)           maximum likelihood on weighted triples
//   modelPAlive / modelExpectedPurchases / modelUnconditionalExpectedPurchases /
//   modelMedianTimeToNextPurchase                   the conditional expectations, whichever the model
//   describeModel(model)                             one line of parameters, for people
//
// Models (all on (x, t_x, T) triples; see each file for the mathematics and the references):
//   bg-nbd       BG/NBD (Fader, Hardie & Lee 2005)                         bgnbd.ts
//   mbg-nbd      MBG/NBD (Batislam et al. 2007): may also drop out at the first purchase   cnbd.ts, k = 1
//   pareto-nbd   Pareto/NBD (Schmittlein et al. 1987)                        pareto-nbd.ts
//   bg-cnbd-k    BG/CNBD-k, k = 2…4: Erlang-k (regular) inter-purchase times (Platzer & Reutterer 2016)
//   mbg-cnbd-k   MBG/CNBD-k, k = 2…4
// MODEL_NAMES is in order of simplicity: a tie in holdout error goes to the earlier one. Pure: no I/O.

import * as z from '../../zod';
import {
  type BgNbdParams,
  medianTimeToNextPurchase as bgMedian,
  pAlive as bgPAlive,
  fitBgNbd,
  type WeightedTriple,
} from './bgnbd';
import {
  type CnbdParams,
  cnbdExpectedPurchases,
  cnbdMedianTimeToNextPurchase,
  cnbdPAlive,
  cnbdUnconditionalExpectedPurchases,
  fitCnbd,
} from './cnbd';
import {
  fitParetoNbd,
  type ParetoNbdParams,
  paretoExpectedPurchases,
  paretoMedianTimeToNextPurchase,
  paretoPAlive,
  paretoUnconditionalExpectedPurchases,
} from './pareto-nbd';

export const MODEL_NAMES = [
  'bg-nbd',
  'mbg-nbd',
  'pareto-nbd',
  'bg-cnbd-2',
  'mbg-cnbd-2',
  'bg-cnbd-3',
  'mbg-cnbd-3',
  'bg-cnbd-4',
  'mbg-cnbd-4',
] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
export const ModelNameSchema = z.enum(MODEL_NAMES);

const positive = z.number().check(z.positive());
const BgFamilySchema = z.object({
  name: z.enum([
    'bg-nbd',
    'mbg-nbd',
    'bg-cnbd-2',
    'mbg-cnbd-2',
    'bg-cnbd-3',
    'mbg-cnbd-3',
    'bg-cnbd-4',
    'mbg-cnbd-4',
  ] as const satisfies readonly Exclude<ModelName, 'pareto-nbd'>[]),
  r: positive,
  alpha: positive,
  a: positive,
  b: positive,
  logLikelihood: z.number(),
});
const ParetoSchema = z.object({
  name: z.literal('pareto-nbd'),
  r: positive,
  alpha: positive,
  s: positive,
  beta: positive,
  logLikelihood: z.number(),
});
/** A fitted purchase model as stored in a model version. */
export const PurchaseModelSchema = z.union([ParetoSchema, BgFamilySchema]);
export type PurchaseModel =
  | ({ name: Exclude<ModelName, 'pareto-nbd'>; logLikelihood: number } & BgNbdParams)
  | ({ name: 'pareto-nbd'; logLikelihood: number } & ParetoNbdParams);

export interface ModelFitInfo {
  model: PurchaseModel;
  converged: boolean;
  gradientNorm: number;
  iterations: number;
  evaluations: number;
}

/** The Erlang order and variant of a BG-family name ('mbg-cnbd-3' → k 3, drop-out at zero). */
function variantOf(name: Exclude<ModelName, 'pareto-nbd'>): { k: number; dropoutAtZero: boolean } {
  const k = name.endsWith('nbd') ? 1 : Number(name.slice(-1));
  return { k, dropoutAtZero: name.startsWith('mbg') };
}

function cnbd(model: Extract<PurchaseModel, { name: Exclude<ModelName, 'pareto-nbd'> }>): CnbdParams {
  return { ...variantOf(model.name), r: model.r, alpha: model.alpha, a: model.a, b: model.b };
}

export function fitPurchaseModel(
  name: ModelName,
  triples: readonly WeightedTriple[],
  opts: { penalty?: number } = {},
): ModelFitInfo {
  if (name === 'pareto-nbd') {
    const f = fitParetoNbd(triples, opts);
    const { r, alpha, s, beta, logLikelihood } = f;
    return { model: { name, r, alpha, s, beta, logLikelihood }, ...stats(f) };
  }
  const f = name === 'bg-nbd' ? fitBgNbd(triples, opts) : fitCnbd(triples, variantOf(name), opts);
  const { r, alpha, a, b, logLikelihood } = f;
  return { model: { name, r, alpha, a, b, logLikelihood }, ...stats(f) };
}

function stats(f: { converged: boolean; gradientNorm: number; iterations: number; evaluations: number }) {
  return {
    converged: f.converged,
    gradientNorm: f.gradientNorm,
    iterations: f.iterations,
    evaluations: f.evaluations,
  };
}

export function modelPAlive(model: PurchaseModel, x: number, tx: number, T: number): number {
  if (model.name === 'pareto-nbd') return paretoPAlive(model, x, tx, T);
  if (model.name === 'bg-nbd') return bgPAlive(model, x, tx, T);
  return cnbdPAlive(cnbd(model), x, tx, T);
}

/** E[Y(t) | x, t_x, T]: expected repeat purchases in the next t units. */
export function modelExpectedPurchases(
  model: PurchaseModel,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  if (model.name === 'pareto-nbd') return paretoExpectedPurchases(model, t, x, tx, T);
  return cnbdExpectedPurchases(cnbd(model), t, x, tx, T);
}

/** E[X(t)] for a customer whose first purchase was t units ago. */
export function modelUnconditionalExpectedPurchases(model: PurchaseModel, t: number): number {
  if (model.name === 'pareto-nbd') return paretoUnconditionalExpectedPurchases(model, t);
  return cnbdUnconditionalExpectedPurchases(cnbd(model), t);
}

/**
 * Median wait from T to the next purchase, given alive (finite for every model: the mean is not).
 * With T = t_x it is the wait from the last purchase, the anchor scoring uses.
 */
export function modelMedianTimeToNextPurchase(
  model: PurchaseModel,
  x: number,
  tx: number,
  T: number,
): number {
  if (model.name === 'pareto-nbd') return paretoMedianTimeToNextPurchase(model, x, T);
  if (model.name === 'bg-nbd') return bgMedian(model, x, T);
  return cnbdMedianTimeToNextPurchase(cnbd(model), x, tx, T);
}

const fmt = (v: number): string => Number(v.toPrecision(7)).toString();

/** "BG/CNBD-3  r 0.52  alpha 3.1  a 0.8  b 2.4", for tables. */
export function describeModel(model: PurchaseModel): string {
  return model.name === 'pareto-nbd'
    ? `r ${fmt(model.r)}  alpha ${fmt(model.alpha)}  s ${fmt(model.s)}  beta ${fmt(model.beta)}`
    : `r ${fmt(model.r)}  alpha ${fmt(model.alpha)}  a ${fmt(model.a)}  b ${fmt(model.b)}`;
}

/** Display names: 'bg-cnbd-3' → 'BG/CNBD-3'. */
export function modelLabel(name: ModelName): string {
  if (name === 'pareto-nbd') return 'Pareto/NBD';
  return name.toUpperCase().replace(/^(M?BG)-/, '$1/');
}
