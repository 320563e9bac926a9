import { chooseModel } from '../domain/ltv/backtest';
import { fitBgNbd } from '../domain/ltv/bgnbd';
import { predictCustomersFor, UNITS_PER_MONTH } from '../domain/ltv/clv';
import { fitGammaGamma } from '../domain/ltv/gamma-gamma';
import { fitPurchaseModel, modelLabel, type PurchaseModel } from '../domain/ltv/models';
import {
  type CustomerSummaries,
  compressSummaries,
  type OrderColumns,
  repeatSpends,
  summariseOrders,
} from '../domain/ltv/summarise';
import { DERIVED_KEY_NAMES } from '../domain/occasion-keys';
import { utcDayNumber, utcDayString } from '../domain/profile-metrics';
import { computeRfmThresholds, type RfmValues } from '../domain/rfm';
import type { RuleSegment } from '../domain/rule-segments';
import { computeVolumeThresholds } from '../domain/satisfaction-matrix';
import {
  MIN_REPEAT_BUYERS,
  type ModelChoiceRecord,
  purchaseModelOf,
  type ScoringModel,
  type ScoringSettings,
  unfittedModel,
} from '../domain/scoring-model';
import { audiencesOf } from '../domain/segment-members';
import { SegmentSummaryBuilder } from '../domain/segment-summary';
import { computeValueThresholds } from '../domain/value-tier';
import type { Clock } from '../ports/clock';
import type { CustomerRepository } from '../ports/customer-repository';
import type { ModelRepository } from '../ports/model-repository';
import type { OrderRepository } from '../ports/order-repository';
import type { ProfileScan } from '../ports/profile-scan';
import type { SegmentMembers } from '../ports/segment-members';
import { derivedUpdate, utcDay } from './derived-update';

// The nightly refit of the scoring model, as one map/reduce over the Customers table:
//
//   1. read every profile once (parallel scan segments, a projection of the few metrics the fit
//      needs) and reduce it to typed arrays of (x, t_x, T, m_x) in days, recency, frequency, spend;
//   2. compress to distinct (x, t_x, T) triples with counts and fit the BG/NBD on those, and the
//      Gamma-Gamma on distinct (x, m_x) of repeat buyers — the fit's cost depends on the number of
//      distinct triples, not on the number of customers; compute the RFM quintiles, the volume
//      terciles and the VIP cut (80th percentile of predicted CLV); store the new model version;
//   2b. model choice by time split (when order histories are available, `orderHistories`): the order
//      histories of a sample of up to CHOICE_SAMPLE buyers (the same buyers every night: the smallest
//      hashes of their ids) are split at asOfDay − CHOICE_HOLDOUT_DAYS; every purchase model is fitted
//      on the part before and scored on the last quarter (per-customer RMSE, chooseModel); the winner
//      (ties → the simpler) is refitted on every buyer's triple and stored as `purchaseModel`, with
//      every candidate's scores as `modelChoice`. Without histories, or without enough repeat
//      buyers in the sample's early part, the purchase model is the BG/NBD;
//   3. re-score every profile with the new model (a second scan), writing only the profiles whose
//      ltv, segments or index keys changed, and store the segment summary built along the way.
//
// With fewer than MIN_REPEAT_BUYERS repeat buyers (or a fit that does not converge) the LTV
// parameters of the previous version are kept, and the new version says so (notes, ltvFromVersion);
// thresholds are still refreshed.
//
// Scale: one Lambda (15 minutes, 2 GB) covers a few million profiles: the scans are I/O-bound and
// parallel, the fit takes about a second whatever the population, and the writes are bounded by
// the concurrency below. Past one Lambda's limits the same map/reduce runs on Step Functions
// Distributed Map: each child reads one scan segment and returns its triple counts, spend rows and
// cut-point samples (map); one step merges them and fits (reduce); a second Distributed Map re-scores
// the segments with the stored version. The steps below are already split that way.

export interface RefitDeps {
  scan: ProfileScan;
  customers: Pick<CustomerRepository, 'saveDerived'>;
  models: ModelRepository;
  clock: Clock;
  rules: readonly RuleSegment[];
  settings: ScoringSettings;
  /** The day-keyed indexes' write shards (default 1: unsharded). */
  indexShards?: number;
  /** Parallel scan segments per pass (default 4). */
  scanSegments?: number;
  /** Profile writes in flight per scan segment (default 8). */
  writeConcurrency?: number;
  /** Order histories for the model choice by time split; without them the purchase model is BG/NBD. */
  orderHistories?: Pick<OrderRepository, 'history'>;
  /**
   * The segment membership index, and whether this refit rebuilds it: `reindexMembers` writes every
   * re-scored profile's audiences (a put each, idempotent) — the one-off backfill of profiles stored
   * before the index existed (`precis segments reindex`). Off for the nightly refit: the profile
   * stream keeps the index current from then on.
   */
  members?: Pick<SegmentMembers, 'apply'>;
  reindexMembers?: boolean;
}

/** Buyers whose order histories the model choice reads. */
export const CHOICE_SAMPLE = 2000;
/** The choice's holdout: the last quarter. */
export const CHOICE_HOLDOUT_DAYS = 91;

export type LtvRefit =
  | { status: 'refitted' }
  | {
      status: 'kept_previous';
      reason: 'too_few_repeat_buyers' | 'fit_did_not_converge';
      /** The version whose parameters are kept; null when there were none to keep. */
      fromVersion: number | null;
    };

export interface RefitOutcome {
  version: number;
  asOfDay: string;
  ltv: LtvRefit;
  gammaGamma: 'refitted' | 'kept_previous';
  profiles: number;
  buyers: number;
  repeatBuyers: number;
  triples: number;
  rescored: { written: number; stale: number; unchanged: number };
  /** Memberships written by a reindexing refit (0 otherwise). */
  memberships: number;
  millis: { read: number; fit: number; rescore: number };
  model: ScoringModel;
}

/** The population as of the refit day, one row per buyer, in typed arrays. */
class Population {
  count = 0;
  x = new Int32Array(1024);
  txDays = new Int32Array(1024);
  TDays = new Int32Array(1024);
  mx = new Float64Array(1024);
  readonly rfm: RfmValues[] = [];
  readonly volumes: number[] = [];
  profiles = 0;

  push(x: number, tx: number, T: number, mx: number): void {
    if (this.count === this.x.length) {
      const grow = <A extends Int32Array | Float64Array>(a: A): A => {
        const next = new (a.constructor as new (n: number) => A)(a.length * 2);
        next.set(a);
        return next;
      };
      this.x = grow(this.x);
      this.txDays = grow(this.txDays);
      this.TDays = grow(this.TDays);
      this.mx = grow(this.mx);
    }
    this.x[this.count] = x;
    this.txDays[this.count] = tx;
    this.TDays[this.count] = T;
    this.mx[this.count] = mx;
    this.count++;
  }

  summaries(asOfDay: number): CustomerSummaries {
    const n = this.count;
    let repeats = 0;
    for (let i = 0; i < n; i++) repeats += this.x[i]!;
    return {
      count: n,
      customer: new Int32Array(n),
      firstDay: new Int32Array(n),
      x: this.x.subarray(0, n),
      txDays: this.txDays.subarray(0, n),
      TDays: this.TDays.subarray(0, n),
      mx: this.mx.subarray(0, n),
      holdoutX: new Int32Array(n),
      repeatsByDay: new Int32Array(0),
      startDay: asOfDay,
      calibrationEndDay: asOfDay,
      calibrationRepeats: repeats,
    };
  }
}

const cents = (value: number): number => Math.round(value * 100) / 100;

/**
 * A fit is used when the optimiser converged to its (tight, 1e-9) tolerance, or stalled close to the
 * optimum: on a small population the log-likelihood is flat and round-off stops it at a gradient of
 * 1e-6 or so per customer in log-parameters, which moves no prediction by a visible amount.
 */
const USABLE_GRADIENT = 1e-4;
const SPARSE_DATA_PENALTY = 1e-3;
/**
 * A "converged" fit far out on the a/b ridge (or with r in the thousands) is the same
 * sparse-data symptom: its predictions are numerically meaningless (CLV comes out NaN).
 */
const RIDGE = 1e3;
const onRidge = (fit: { r: number; alpha: number; a: number; b: number }): boolean =>
  [fit.r, fit.a, fit.b].some((value) => value > RIDGE);
const usable = (fit: { converged: boolean; gradientNorm: number }): boolean =>
  fit.converged || fit.gradientNorm < USABLE_GRADIENT;

export async function refitModel(deps: RefitDeps): Promise<RefitOutcome> {
  const segments = deps.scanSegments ?? 4;
  const now = deps.clock.now();
  const asOfDay = utcDay(now);
  const today = utcDayNumber(asOfDay);

  // 1. Map: every profile once, projected.
  let started = performance.now();
  const population = new Population();
  const sample = new BottomKSample(CHOICE_SAMPLE);
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      for await (const page of deps.scan.fitRows(segment, segments)) {
        for (const row of page) {
          population.profiles++;
          const metrics = row.metrics;
          population.volumes.push(metrics?.totalSpend ?? 0);
          const inputs = metrics?.ltvInputs;
          if (!metrics || !inputs || metrics.lastOrderAt === null) continue;
          const firstDay = utcDayNumber(inputs.firstPurchaseDay);
          sample.offer(row.customerId);
          population.push(
            inputs.x,
            inputs.txDays,
            Math.max(inputs.txDays, today - firstDay),
            inputs.repeatMeanValue ?? 0,
          );
          population.rfm.push({
            recencyDays: Math.max(0, today - utcDayNumber(metrics.lastOrderAt)),
            frequency: metrics.orderCount,
            monetary: metrics.totalSpend,
          });
        }
      }
    }),
  );
  const read = performance.now() - started;

  // 2. Reduce: compress, fit, thresholds; store the version.
  started = performance.now();
  const previous = await deps.models.current();
  const summaries = population.summaries(today);
  const compressed = compressSummaries(summaries, 'days');
  let repeatBuyers = 0;
  for (let i = 0; i < summaries.count; i++) if (summaries.x[i]! > 0) repeatBuyers++;

  const notes: string[] = [];
  let bgnbd: ScoringModel['bgnbd'] = null;
  let ltv: LtvRefit = { status: 'refitted' };
  if (repeatBuyers < MIN_REPEAT_BUYERS) {
    ltv = { status: 'kept_previous', reason: 'too_few_repeat_buyers', fromVersion: null };
    notes.push(
      `${repeatBuyers} repeat buyers (fewer than ${MIN_REPEAT_BUYERS}): LTV parameters not refitted`,
    );
  } else {
    // Sorted, so the fit does not depend on the order the parallel scan delivered the profiles.
    const triples = [...compressed.triples].sort((u, v) => u.x - v.x || u.tx - v.tx || u.T - v.T);
    let fit = fitBgNbd(triples);
    if (!usable(fit) || onRidge(fit)) {
      // Too few customers for an interior maximum (the likelihood runs along a ridge): a weak prior
      // on the log-parameters, as `lifetimes`' penalizer does, gives stable, slightly shrunk values.
      fit = fitBgNbd(triples, { penalty: SPARSE_DATA_PENALTY });
      if (usable(fit))
        notes.push(`BG/NBD fitted with a weak prior (penalty ${SPARSE_DATA_PENALTY}): sparse data`);
    }
    const params = [fit.r, fit.alpha, fit.a, fit.b, fit.logLikelihood];
    if (usable(fit) && params.every(Number.isFinite)) {
      bgnbd = { r: fit.r, alpha: fit.alpha, a: fit.a, b: fit.b, logLikelihood: fit.logLikelihood };
    } else {
      ltv = { status: 'kept_previous', reason: 'fit_did_not_converge', fromVersion: null };
      notes.push(`BG/NBD fit did not converge (gradient ${fit.gradientNorm}): parameters not refitted`);
    }
  }
  let purchaseModel: PurchaseModel | null = null;
  let modelChoice: ModelChoiceRecord | null = null;
  if (bgnbd && ltv.status === 'refitted') {
    purchaseModel = { name: 'bg-nbd', ...bgnbd };
    if (deps.orderHistories) {
      const chosen = await choosePurchaseModel(deps.orderHistories, sample.ids(), today, compressed.triples);
      modelChoice = chosen.choice;
      notes.push(...chosen.notes);
      if (chosen.model) purchaseModel = chosen.model;
    }
  }
  let gammaGamma: ScoringModel['gammaGamma'] = null;
  const spends = repeatSpends(summaries);
  if (bgnbd && spends.length > 0) {
    const fit = fitGammaGamma(spends);
    if (usable(fit) && fit.q > 1 && [fit.p, fit.q, fit.v].every(Number.isFinite)) {
      gammaGamma = { p: fit.p, q: fit.q, v: fit.v };
    } else {
      notes.push(`Gamma-Gamma fit unusable (q ${fit.q}, converged ${fit.converged}): spend parameters kept`);
    }
  }
  const keptFrom = previous?.bgnbd ? (previous.ltvFromVersion ?? previous.version) : null;
  if (ltv.status === 'kept_previous') {
    ltv.fromVersion = keptFrom;
    bgnbd = previous?.bgnbd ?? null;
    purchaseModel = previous ? purchaseModelOf(previous) : null;
    modelChoice = previous?.modelChoice ?? null;
  }
  const ggStatus = gammaGamma ? 'refitted' : 'kept_previous';
  gammaGamma ??= previous?.gammaGamma ?? null;

  const settings = deps.settings;
  let valueThresholds: ScoringModel['valueThresholds'] = null;
  if (purchaseModel && gammaGamma && summaries.count > 0) {
    const predictions = predictCustomersFor(purchaseModel, gammaGamma, summaries, compressed, {
      months: settings.ltv.horizonMonths,
      unitsPerMonth: UNITS_PER_MONTH.days,
      annualDiscountRate: settings.ltv.annualDiscountRate,
    });
    // Rounded as scoring stores them, so a customer exactly at the cut lands on the same side.
    // A prediction that is not a finite number (degenerate parameters for an extreme history) is
    // stored as null by scoring, so it takes no part in the cut either.
    const clvs = Array.from(predictions.clv, cents);
    const finite = clvs.filter(Number.isFinite);
    if (finite.length < clvs.length) {
      notes.push(
        `${clvs.length - finite.length} predicted CLVs were not finite numbers: left out of the VIP cut`,
      );
    }
    valueThresholds = computeValueThresholds(finite);
  }

  const model: ScoringModel = {
    ...unfittedModel(settings),
    version: (previous?.version ?? 0) + 1,
    fittedAt: now.toISOString(),
    asOfDay,
    bgnbd,
    purchaseModel,
    modelChoice,
    gammaGamma,
    rfmThresholds: computeRfmThresholds(population.rfm),
    valueThresholds,
    volumeThresholds: computeVolumeThresholds(population.volumes),
    customers: summaries.count,
    repeatCustomers: repeatBuyers,
    triples: compressed.triples.length,
    ltvFromVersion: ltv.status === 'kept_previous' ? keptFrom : null,
    notes,
  };
  await deps.models.save(model);
  const fit = performance.now() - started;

  // 3. Re-score every profile with the new version; build the segment summary on the way.
  started = performance.now();
  const summary = new SegmentSummaryBuilder(deps.rules.map((rule) => rule.id));
  const rescored = { written: 0, stale: 0, unchanged: 0 };
  const reindex = deps.reindexMembers ? deps.members : undefined;
  if (deps.reindexMembers && !reindex) throw new Error('reindexMembers needs the segment members index');
  let memberships = 0;
  const run = { model, rules: deps.rules, now, keyNames: DERIVED_KEY_NAMES, indexShards: deps.indexShards };
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      const writes = new WritePool(deps.writeConcurrency ?? 8);
      for await (const page of deps.scan.profiles(segment, segments)) {
        for (const customer of page) {
          const { scores, update, changed } = derivedUpdate(customer, run);
          summary.add(scores.segments, customer.metrics?.totalSpend ?? 0, {
            clv12m: scores.ltv.clv12m,
            createdAt: customer.createdAt,
            firstOrderAt: customer.metrics?.firstOrderAt ?? null,
          });
          if (reindex) {
            const entered = audiencesOf({ ...customer, segments: scores.segments });
            memberships += entered.length;
            await writes.add(() => reindex.apply(customer.customerId, { entered, exited: [] }));
          }
          if (!changed) {
            rescored.unchanged++;
            continue;
          }
          await writes.add(async () => {
            // As scanned: an order stored since (the orders stream's metrics) makes these scores stale.
            const outcome = await deps.customers.saveDerived(customer.customerId, update, {
              version: customer.version,
              metrics: customer.metrics ?? null,
            });
            rescored[outcome === 'updated' ? 'written' : 'stale']++;
          });
        }
      }
      await writes.drain();
    }),
  );
  await deps.models.saveSummary(
    summary.build({
      modelVersion: model.version,
      asOfDay,
      computedAt: deps.clock.now().toISOString(),
      vipValueShare: model.valueThresholds?.vipValueShare ?? null,
    }),
  );
  const rescore = performance.now() - started;

  return {
    version: model.version,
    asOfDay,
    ltv,
    gammaGamma: ggStatus,
    profiles: population.profiles,
    buyers: summaries.count,
    repeatBuyers,
    triples: compressed.triples.length,
    rescored,
    memberships,
    millis: { read: Math.round(read), fit: Math.round(fit), rescore: Math.round(rescore) },
    model,
  };
}

/** Sample members: the `size` ids with the smallest hashes, whatever order the scan delivers them in. */
class BottomKSample {
  private entries: { hash: number; id: string }[] = [];

  constructor(private readonly size: number) {}

  offer(id: string): void {
    this.entries.push({ hash: fnv1a(id), id });
    if (this.entries.length >= 2 * this.size) this.trim();
  }

  ids(): string[] {
    this.trim();
    return this.entries.map((e) => e.id);
  }

  private trim(): void {
    this.entries.sort((p, q) => p.hash - q.hash || (p.id < q.id ? -1 : p.id > q.id ? 1 : 0));
    this.entries.length = Math.min(this.entries.length, this.size);
  }
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The model choice of step 2b. Returns the chosen model refitted on every buyer (undefined: keep
 * BG/NBD), the record of the choice, and notes for the version.
 */
async function choosePurchaseModel(
  histories: Pick<OrderRepository, 'history'>,
  ids: readonly string[],
  today: number,
  triples: ReturnType<typeof compressSummaries>['triples'],
): Promise<{ model?: PurchaseModel; choice: ModelChoiceRecord | null; notes: string[] }> {
  const customer: number[] = [];
  const day: number[] = [];
  const amount: number[] = [];
  const CONCURRENCY = 16;
  for (let i = 0; i < ids.length; i += CONCURRENCY) {
    const batch = await Promise.all(ids.slice(i, i + CONCURRENCY).map((id) => histories.history(id)));
    batch.forEach((orders, j) => {
      for (const order of orders) {
        if (order.status === 'cancelled') continue;
        const d = utcDayNumber(order.orderedAt);
        if (d > today) continue;
        customer.push(i + j);
        day.push(d);
        amount.push(order.reportingAmount);
      }
    });
  }
  const columns: OrderColumns = {
    length: customer.length,
    customerCount: ids.length,
    customer: Int32Array.from(customer),
    day: Int32Array.from(day),
    amount: Float64Array.from(amount),
  };
  const splitDay = today - CHOICE_HOLDOUT_DAYS;
  const inner = summariseOrders(columns, { calibrationEndDay: splitDay, holdoutEndDay: today });
  let repeaters = 0;
  for (let i = 0; i < inner.count; i++) if (inner.x[i]! > 0) repeaters++;
  if (repeaters < MIN_REPEAT_BUYERS) {
    return {
      choice: null,
      notes: [
        `model choice skipped: ${repeaters} sampled buyers with a repeat purchase before ${utcDayString(splitDay)} (fewer than ${MIN_REPEAT_BUYERS}): BG/NBD used`,
      ],
    };
  }
  const result = chooseModel(inner, { holdoutEndDay: today, unit: 'days' });
  const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
  const choice: ModelChoiceRecord = {
    chosen: result.chosen,
    splitDay: utcDayString(splitDay),
    holdoutDays: CHOICE_HOLDOUT_DAYS,
    customers: inner.count,
    scores: result.scores.map((s) => ({
      model: s.model,
      converged: s.converged,
      rmse: finite(s.accuracy.rmse),
      mae: finite(s.accuracy.mae),
      correlation: finite(s.accuracy.correlation),
      bias: finite(s.accuracy.bias),
    })),
  };
  if (result.chosen === 'bg-nbd') return { choice, notes: [] };
  const sorted = [...triples].sort((u, v) => u.x - v.x || u.tx - v.tx || u.T - v.T);
  const fit = fitPurchaseModel(result.chosen, sorted);
  const params = Object.values(fit.model).filter((v): v is number => typeof v === 'number');
  if (!usable(fit) || !params.every(Number.isFinite)) {
    return {
      choice,
      notes: [`${modelLabel(result.chosen)} chosen but its fit on every buyer did not converge: BG/NBD used`],
    };
  }
  return { model: fit.model, choice, notes: [] };
}

/** At most `limit` writes in flight; the first failure fails the refit (after the rest settle). */
class WritePool {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  async add(write: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const promise: Promise<void> = write()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.inFlight.delete(promise));
    this.inFlight.add(promise);
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
