import * as z from '../zod';
import { LifecycleConfigSchema } from './lifecycle';
import { ModelNameSchema, type PurchaseModel, PurchaseModelSchema } from './ltv/models';
import { RfmThresholdsSchema } from './rfm';
import { VolumeThresholdsSchema } from './satisfaction-matrix';
import { ValueThresholdsSchema } from './value-tier';

// The scoring model: what the nightly refit fits and stores (versioned, in the Models table), and
// what every profile is scored with between refits (lib/domain/scoring.ts).
//
// - bgnbd / gammaGamma: the lifetime-value parameters, fitted in days (α is per day) on every
//   buyer's (x, t_x, T) as of `asOfDay`. Null before the first fit with enough repeat buyers: the
//   profile then carries no predictions (ltv fields null) and the lifecycle stage falls back to the
//   recency rules.
// - purchaseModel / modelChoice: the purchase model profiles are scored with (P(alive), expected
//   orders, CLV, next-order date) — the one the refit chose by time split (see refit-model.ts), or
//   BG/NBD — and the scores of every candidate on that split. Versions written before model choice
//   have neither: they are scored with `bgnbd` (purchaseModelOf).
// - rfmThresholds / valueThresholds / volumeThresholds: population cut points refreshed by the same
//   job. Null until there are enough buyers to rank (then the segment is null / 'standard').
// - ltv / lifecycle: the operator's settings the model was fitted and thresholded with (the VIP cut
//   is a CLV over `horizonMonths`, so the settings travel with the version that used them; a config
//   change takes effect at the next refit). Before the first fit the deployed settings apply.
//
// Version 0 is the "unfitted" model; stored versions count up from 1.

/** The Models table item ids. */
export const SCORING_MODEL_ID = 'ltv';
export const SEGMENT_SUMMARY_ID = 'segment-summary';

/** Below this many customers with a repeat purchase the LTV parameters are not refitted. */
export const MIN_REPEAT_BUYERS = 10;

const positive = z.number().check(z.positive());

export const LtvSettingsSchema = z.strictObject({
  /** The predictive CLV and expected orders are over this many months. */
  horizonMonths: z._default(z.int().check(z.gte(1), z.lte(120)), 12),
  /** Applied monthly as (1 + annual)^(1/12) − 1. */
  annualDiscountRate: z._default(z.number().check(z.gte(0), z.lte(1)), 0.1),
  /**
   * The historical formula's purchases per year for everyone (the textbook's "4"); when unset each
   * customer's own rate is used: orders per year since their first order (at least one year).
   */
  purchasesPerYear: z.optional(positive),
  /** The historical formula's expected customer lifetime in years (the textbook's "10"). */
  expectedLifetimeYears: z._default(positive, 10),
});
export type LtvSettings = z.infer<typeof LtvSettingsSchema>;

/** The operator's scoring settings, from config (SCORING_CONFIG). */
export const ScoringSettingsSchema = z.strictObject({
  ltv: z.prefault(LtvSettingsSchema, {}),
  lifecycle: z.prefault(LifecycleConfigSchema, {}),
});
export type ScoringSettings = z.infer<typeof ScoringSettingsSchema>;

export const DEFAULT_SCORING_SETTINGS: ScoringSettings = ScoringSettingsSchema.parse({});

export const BgNbdParamsSchema = z.object({
  r: positive,
  alpha: positive,
  a: positive,
  b: positive,
  logLikelihood: z.number(),
});

export const GammaGammaParamsSchema = z.object({
  p: positive,
  // q ≤ 1 would mean an infinite mean spend: such a fit is never stored.
  q: z.number().check(z.gt(1)),
  v: positive,
});

const score = z.nullable(z.number());

/** How the refit chose the purchase model: every candidate's holdout accuracy on the time split. */
export const ModelChoiceSchema = z.object({
  chosen: ModelNameSchema,
  /** The split: fitted on history up to this day, scored on the following `holdoutDays`. */
  splitDay: z.iso.date(),
  holdoutDays: z.int().check(z.positive()),
  /** Buyers whose order histories the choice was made on (a sample of the population). */
  customers: z.int().check(z.nonnegative()),
  scores: z.array(
    z.object({
      model: ModelNameSchema,
      converged: z.boolean(),
      /** Per-customer holdout RMSE, MAE, correlation; aggregate bias. Null when not a number. */
      rmse: score,
      mae: score,
      correlation: score,
      bias: score,
    }),
  ),
});
export type ModelChoiceRecord = z.infer<typeof ModelChoiceSchema>;

export const ScoringModelSchema = z.object({
  version: z.int().check(z.nonnegative()),
  fittedAt: z.nullable(z.iso.datetime()),
  /** The UTC day the population was summarised as of (T = asOfDay − first purchase day). */
  asOfDay: z.nullable(z.iso.date()),
  unit: z.literal('days'),
  bgnbd: z.nullable(BgNbdParamsSchema),
  purchaseModel: z._default(z.nullable(PurchaseModelSchema), null),
  modelChoice: z._default(z.nullable(ModelChoiceSchema), null),
  gammaGamma: z.nullable(GammaGammaParamsSchema),
  rfmThresholds: z.nullable(RfmThresholdsSchema),
  valueThresholds: z.nullable(ValueThresholdsSchema),
  volumeThresholds: z.nullable(VolumeThresholdsSchema),
  /** Buyers the model was summarised from. */
  customers: z.int().check(z.nonnegative()),
  /** Buyers with at least one repeat purchase (the Gamma-Gamma population). */
  repeatCustomers: z.int().check(z.nonnegative()),
  /** Distinct (x, t_x, T) triples the BG/NBD was fitted on. */
  triples: z.int().check(z.nonnegative()),
  /** The version whose LTV parameters this one kept, when it could not refit them (see notes). */
  ltvFromVersion: z.nullable(z.int().check(z.nonnegative())),
  notes: z.array(z.string()),
  ltv: LtvSettingsSchema,
  lifecycle: LifecycleConfigSchema,
});
export type ScoringModel = z.infer<typeof ScoringModelSchema>;

/** The model before the first fit: no predictions, no thresholds, the deployed settings. */
export function unfittedModel(settings: ScoringSettings = DEFAULT_SCORING_SETTINGS): ScoringModel {
  return {
    version: 0,
    fittedAt: null,
    asOfDay: null,
    unit: 'days',
    bgnbd: null,
    purchaseModel: null,
    modelChoice: null,
    gammaGamma: null,
    rfmThresholds: null,
    valueThresholds: null,
    volumeThresholds: null,
    customers: 0,
    repeatCustomers: 0,
    triples: 0,
    ltvFromVersion: null,
    notes: [],
    ltv: structuredClone(settings.ltv),
    lifecycle: structuredClone(settings.lifecycle),
  };
}

/** The purchase model a version scores with: the chosen one, else its BG/NBD fit, else none. */
export function purchaseModelOf(model: Pick<ScoringModel, 'purchaseModel' | 'bgnbd'>): PurchaseModel | null {
  if (model.purchaseModel) return model.purchaseModel;
  return model.bgnbd ? { name: 'bg-nbd', ...model.bgnbd } : null;
}
