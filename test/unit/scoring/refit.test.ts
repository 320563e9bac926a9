import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCORING_SETTINGS, ScoringModelSchema } from '../../../lib/domain/scoring-model';
import { SegmentSummarySchema } from '../../../lib/domain/segment-summary';
import type { Clock } from '../../../lib/ports/clock';
import { type RefitDeps, refitModel } from '../../../lib/use-cases/refit-model';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryModelRepository } from '../../fakes/in-memory-model-repository';
import { InMemoryProfileScan } from '../../fakes/in-memory-profile-scan';
import { simulatedCustomers, TRUE_BG_DAYS, TRUE_GG } from '../../fakes/simulated-population';
import { CAT_LOVERS, customer, orders } from './fixtures';

const TODAY = '2026-11-24';
const clockAt = (iso: string): Clock => ({ now: () => new Date(iso) });
const rel = (a: number, b: number) => Math.abs(a / b - 1);

function setup(population: ReturnType<typeof simulatedCustomers>, now = `${TODAY}T03:00:00.000Z`) {
  const customers = new InMemoryCustomerRepository();
  for (const c of population) customers.customers.set(c.customerId, structuredClone(c));
  const models = new InMemoryModelRepository();
  const scan = new InMemoryProfileScan(customers);
  const deps: RefitDeps = {
    scan,
    customers,
    models,
    clock: clockAt(now),
    rules: [CAT_LOVERS],
    settings: DEFAULT_SCORING_SETTINGS,
  };
  return { customers, models, scan, deps };
}

describe('the nightly refit on a simulated population of 20,000', () => {
  const population = simulatedCustomers({ customers: 20_000, seed: 7, today: TODAY });
  let world: ReturnType<typeof setup>;
  let outcome: Awaited<ReturnType<typeof refitModel>>;

  beforeAll(async () => {
    world = setup(population);
    outcome = await refitModel(world.deps);
  });

  it('reads every profile once per pass and fits on far fewer distinct triples than customers', () => {
    expect(world.scan.reads).toEqual({ fitRows: 20_000, profiles: 20_000 });
    expect(outcome.profiles).toBe(20_000);
    expect(outcome.buyers).toBe(20_000);
    expect(outcome.triples).toBeLessThan(outcome.buyers * 0.6);
    expect(outcome.ltv).toEqual({ status: 'refitted' });
  });

  it('recovers the parameters it was simulated from (α per day)', () => {
    const { bgnbd, gammaGamma } = outcome.model;
    // Same tolerances as the weekly recovery test at this sample size, a little wider for b
    // (purchases are placed on whole days).
    expect(rel(bgnbd!.r, TRUE_BG_DAYS.r)).toBeLessThan(0.1);
    expect(rel(bgnbd!.alpha, TRUE_BG_DAYS.alpha)).toBeLessThan(0.1);
    expect(rel(bgnbd!.a, TRUE_BG_DAYS.a)).toBeLessThan(0.25);
    expect(rel(bgnbd!.b, TRUE_BG_DAYS.b)).toBeLessThan(0.25);
    expect(rel(gammaGamma!.p, TRUE_GG.p)).toBeLessThan(0.2);
    expect(rel(gammaGamma!.q, TRUE_GG.q)).toBeLessThan(0.2);
    expect(rel(gammaGamma!.v, TRUE_GG.v)).toBeLessThan(0.2);
  });

  it('stores version 1 with RFM quintiles, value and volume thresholds, and makes it current', async () => {
    const model = await world.models.current();
    expect(ScoringModelSchema.parse(model)).toEqual(outcome.model);
    expect(model).toMatchObject({
      version: 1,
      asOfDay: TODAY,
      unit: 'days',
      customers: 20_000,
      ltvFromVersion: null,
      notes: [],
      ltv: DEFAULT_SCORING_SETTINGS.ltv,
    });
    expect(model!.rfmThresholds?.population).toBe(20_000);
    // The VIP cut is the 80th percentile of predicted CLV; the top 20% hold most of the value.
    expect(model!.valueThresholds?.vipMin).toBeGreaterThan(0);
    expect(model!.valueThresholds?.vipValueShare).toBeGreaterThan(0.5);
    expect(model!.volumeThresholds!.highAbove).toBeGreaterThan(model!.volumeThresholds!.mediumAbove);
  });

  it('scores every profile with the new version, about 20% of buyers VIP', () => {
    const stored = [...world.customers.customers.values()];
    expect(stored.every((c) => c.ltv?.modelVersion === 1 && c.segments !== undefined)).toBe(true);
    const vips = stored.filter((c) => c.segments?.valueTier === 'vip').length;
    expect(vips / stored.length).toBeGreaterThan(0.18);
    expect(vips / stored.length).toBeLessThan(0.23);
    expect(outcome.rescored).toEqual({ written: 20_000, stale: 0, unchanged: 0 });
    // Everyone with a predicted date is in the next-order index.
    expect(stored.every((c) => c.nextOrderKey === c.ltv?.nextOrderDate)).toBe(true);
  });

  it('stores the segment summary: sizes add up, revenue shares, the 80/20 point', async () => {
    const summary = SegmentSummarySchema.parse(await world.models.latestSummary());
    expect(summary).toMatchObject({ modelVersion: 1, asOfDay: TODAY, customers: 20_000 });
    const size = (kind: string) =>
      summary.segments.filter((s) => s.kind === kind).reduce((sum, s) => sum + s.customers, 0);
    expect(size('rfm')).toBe(20_000);
    expect(size('lifecycle')).toBe(20_000);
    expect(size('valueTier')).toBe(20_000);
    const vip = summary.segments.find((s) => s.kind === 'valueTier' && s.segment === 'vip')!;
    expect(vip.revenueShare).toBeGreaterThan(0.4);
    expect(summary.top20RevenueShare).toBeGreaterThan(0.5);
    expect(summary.segments.map((s) => `${s.kind}:${s.segment}`)).toContain('rule:cat-lovers');
  });

  it('a second refit the same day stores version 2 and rewrites nothing', async () => {
    const writes = world.customers.writes;
    const again = await refitModel(world.deps);
    expect(again.version).toBe(2);
    expect(again.rescored).toEqual({ written: 0, stale: 0, unchanged: 20_000 });
    expect(world.customers.writes).toBe(writes);
  });

  it('re-scoring writes only the profiles whose scores changed', async () => {
    // One customer becomes a cat lover; one is erased meanwhile (leaves the next-order index).
    const [first, second] = [...world.customers.customers.values()].filter(
      (c) => !c.interests.includes('cat food') && (c.ltv?.pAlive ?? 0) > 0.6,
    );
    world.customers.customers.set(first!.customerId, { ...first!, interests: ['cat food'] });
    world.customers.customers.set(second!.customerId, { ...second!, erasedAt: `${TODAY}T01:00:00.000Z` });
    const third = await refitModel(world.deps);
    expect(third.rescored).toEqual({ written: 2, stale: 0, unchanged: 19_998 });
    expect(world.customers.customers.get(first!.customerId)?.segments?.rules).toEqual(['cat-lovers']);
    expect(world.customers.customers.get(second!.customerId)?.nextOrderKey).toBeUndefined();
  });
});

describe('a refit of a tiny population', () => {
  it('keeps the previous LTV parameters with fewer than 10 repeat buyers, and says so', async () => {
    const shop = [
      customer(orders([3, 40], 50)),
      customer(orders([20, 90, 150], 30)),
      customer(orders([5], 20)),
      customer(orders([60], 80)),
      customer(orders([100, 130], 45)),
      customer([]),
    ];
    const world = setup(shop);
    const outcome = await refitModel(world.deps);
    expect(outcome.ltv).toEqual({
      status: 'kept_previous',
      reason: 'too_few_repeat_buyers',
      fromVersion: null,
    });
    expect(outcome.model).toMatchObject({ version: 1, bgnbd: null, gammaGamma: null, valueThresholds: null });
    expect(outcome.model.notes).toEqual(['3 repeat buyers (fewer than 10): LTV parameters not refitted']);
    // Thresholds that need only a handful of buyers are refreshed.
    expect(outcome.model.rfmThresholds?.population).toBe(5);
    expect(outcome.model.volumeThresholds).not.toBeNull();
    const scored = [...world.customers.customers.values()];
    expect(scored.every((c) => c.ltv?.pAlive === null && c.segments?.valueTier === 'standard')).toBe(true);
    expect(scored.filter((c) => c.segments?.rfm !== null)).toHaveLength(5);
  });

  it('keeps a fitted version’s parameters when the population shrinks below the minimum', async () => {
    const world = setup(simulatedCustomers({ customers: 2_000, seed: 3, today: TODAY }));
    const fitted = await refitModel(world.deps);
    expect(fitted.ltv.status).toBe('refitted');
    for (const id of [...world.customers.customers.keys()].slice(5)) world.customers.customers.delete(id);
    const kept = await refitModel(world.deps);
    expect(kept.ltv).toEqual({ status: 'kept_previous', reason: 'too_few_repeat_buyers', fromVersion: 1 });
    expect(kept.model.bgnbd).toEqual(fitted.model.bgnbd);
    expect(kept.model.ltvFromVersion).toBe(1);
    expect(kept.model.version).toBe(2);
  });
});
