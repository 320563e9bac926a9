import { describe, expect, it } from 'vitest';
import { nextOrderIndexKeys } from '../../../lib/domain/occasion-keys';
import { membershipChanges, memberships, scoreProfile } from '../../../lib/domain/scoring';
import { ScoringModelSchema, ScoringSettingsSchema, unfittedModel } from '../../../lib/domain/scoring-model';
import { CAT_LOVERS, customer, daysAgo, FITTED, orders, TODAY } from './fixtures';

// Every 30 days for a year, last order 5 days ago, 60 a time, interested in cat food.
const MONTHLY = [5, 35, 65, 95, 125, 155, 185, 215, 245, 275, 305, 335];

describe('scoring a profile with the fitted model', () => {
  it('a loyal monthly buyer is a Champion, a VIP and active, with a next-order date and a restock date', () => {
    const loyal = customer(orders(MONTHLY, 60), { interests: ['cat food'] });
    const { ltv, segments } = scoreProfile(loyal, FITTED, TODAY, [CAT_LOVERS]);
    expect(segments).toEqual({
      rfm: { r: 5, f: 5, m: 5, name: 'Champions' },
      valueTier: 'vip',
      matrix: null, // never answered a survey: unknown, not low
      lifecycle: 'active',
      rules: ['cat-lovers'],
    });
    expect(ltv.modelVersion).toBe(7);
    expect(ltv.pAlive).toBeGreaterThan(0.9);
    // About eight more orders in the next 12 months, each close to their usual 60.
    expect(ltv.expectedOrders12m).toBeGreaterThan(7);
    expect(ltv.expectedOrders12m).toBeLessThan(10);
    expect(ltv.expectedOrderValue).toBeGreaterThan(55);
    expect(ltv.expectedOrderValue).toBeLessThan(60);
    expect(ltv.clv12m).toBeGreaterThan(FITTED.valueThresholds!.vipMin);
    // 12 orders of 60 in a year: 720 a year over 10 expected years.
    expect(ltv.historicalClv).toBe(7200);
    // Last order 2026-11-19; given alive, the next is more likely than not within 23 days.
    expect(ltv.nextOrderDate).toBe('2026-12-12');
    // Cat food every 30 days: the next bag is due 30 days after the last one.
    expect(ltv.replenishment).toEqual({ 'cat food': '2026-12-19' });
  });

  it('a one-time buyer of 300 days ago is Lost, standard, at risk; after 400 days lapsed', () => {
    const once = customer(orders([300], 40), { interests: ['cat food'] });
    const { ltv, segments } = scoreProfile(once, FITTED, TODAY, [CAT_LOVERS]);
    expect(segments.rfm).toEqual({ r: 1, f: 1, m: 1, name: 'Lost' });
    expect(segments.valueTier).toBe('standard');
    // The BG/NBD cannot tell a one-time buyer is gone (P(alive) is 1 by construction), so the
    // recency rules decide: no second order within 90 days is at risk, none within 365 lapsed.
    expect(ltv.pAlive).toBe(1);
    expect(segments.lifecycle).toBe('at_risk');
    expect(ltv.expectedOrders12m).toBeLessThan(0.5);
    expect(ltv.clv12m).toBeLessThan(20);
    // P(alive) is high, so the rule matches on interest and P(alive) alone.
    expect(segments.rules).toEqual(['cat-lovers']);
    expect(scoreProfile(customer(orders([400], 40)), FITTED, TODAY).segments.lifecycle).toBe('lapsed');
  });

  it('a regular buyer who stopped half a year ago is At Risk and lapsing, and leaves the cat-lovers', () => {
    const quiet = customer(orders([200, 230, 260, 290, 320], 80), { interests: ['cat food'] });
    const { ltv, segments } = scoreProfile(quiet, FITTED, TODAY, [CAT_LOVERS]);
    expect(segments.rfm?.name).toBe('At Risk');
    expect(ltv.pAlive).toBeLessThan(0.2);
    expect(segments.lifecycle).toBe('lapsed');
    expect(segments.rules).toEqual([]); // P(alive) is not above 0.6 any more
    // The next-order date stays where the model put it after the last order: in the past.
    expect(ltv.nextOrderDate! < TODAY).toBe(true);
  });

  it.each([
    [5, 2000, { volume: 'high', satisfaction: 'high', strategy: 'one-to-one' }],
    [2, 2000, { volume: 'high', satisfaction: 'low', strategy: 'correct' }],
    [4.5, 300, { volume: 'medium', satisfaction: 'high', strategy: 'retailer-partner' }],
    [3, 60, { volume: 'low', satisfaction: 'medium', strategy: 'improve' }],
    [4, 60, { volume: 'low', satisfaction: 'high', strategy: 'one-to-many' }],
  ])('places a customer scoring %s who spent %s in the matrix', (score, spend, cell) => {
    const answered = customer(orders([10], spend), { satisfaction: score });
    expect(scoreProfile(answered, FITTED, TODAY).segments.matrix).toEqual(cell);
  });

  it('a customer without a survey answer has no matrix cell, however much they spend', () => {
    expect(scoreProfile(customer(orders([10, 40], 5000)), FITTED, TODAY).segments.matrix).toBeNull();
  });

  it('the historical formula is the textbook 3000 × 4 × 10 = 120,000 with 4 purchases a year configured', () => {
    const quarterly = customer(orders([10, 100, 190, 280, 370, 460, 550, 640], 3000));
    const model = { ...FITTED, ltv: { ...FITTED.ltv, purchasesPerYear: 4 } };
    expect(scoreProfile(quarterly, model, TODAY).ltv.historicalClv).toBe(120_000);
    // Without it, the customer's own rate: 8 orders in 1.75 years.
    expect(scoreProfile(quarterly, FITTED, TODAY).ltv.historicalClv).toBeCloseTo(
      3000 * (8 / (640 / 365.25)) * 10,
      0,
    );
  });

  it('a prospect has no predictions and is a prospect, standard, in no RFM segment', () => {
    const { ltv, segments } = scoreProfile(customer([]), FITTED, TODAY, [CAT_LOVERS]);
    expect(ltv).toEqual({
      modelVersion: 7,
      pAlive: null,
      expectedOrders12m: null,
      expectedOrderValue: null,
      clv12m: null,
      historicalClv: null,
      nextOrderDate: null,
      replenishment: {},
    });
    expect(segments).toEqual({
      rfm: null,
      valueTier: 'standard',
      matrix: null,
      lifecycle: 'prospect',
      rules: [],
    });
  });
});

describe('before the first fit', () => {
  it('has no predictions: ltv nulls, lifecycle from recency, nobody VIP, no RFM', () => {
    const loyal = customer(orders(MONTHLY, 60), { interests: ['cat food'] });
    const { ltv, segments } = scoreProfile(loyal, unfittedModel(), TODAY, [CAT_LOVERS]);
    expect(ltv).toMatchObject({
      modelVersion: 0,
      pAlive: null,
      expectedOrders12m: null,
      clv12m: null,
      nextOrderDate: null,
      historicalClv: 7200, // needs no model
    });
    expect(segments).toEqual({
      rfm: null,
      valueTier: 'standard',
      matrix: null,
      lifecycle: 'active',
      rules: [], // P(alive) unknown: "P(alive) > 0.6" does not match
    });
    const once = customer(orders([120], 40));
    expect(scoreProfile(once, unfittedModel(), TODAY).segments.lifecycle).toBe('at_risk');
  });

  it('the unfitted model is a valid model with the default settings', () => {
    expect(ScoringModelSchema.parse(unfittedModel())).toEqual(unfittedModel());
    expect(unfittedModel().ltv).toEqual({
      horizonMonths: 12,
      annualDiscountRate: 0.1,
      expectedLifetimeYears: 10,
    });
    expect(ScoringModelSchema.parse(FITTED)).toEqual(FITTED);
  });
});

describe('day granularity', () => {
  it('two computations on the same day agree; the next day P(alive) moves but the next-order date does not', () => {
    const loyal = customer(orders(MONTHLY, 60));
    const first = scoreProfile(loyal, FITTED, TODAY);
    expect(scoreProfile(structuredClone(loyal), FITTED, TODAY)).toEqual(first);
    const later = scoreProfile(loyal, FITTED, '2027-01-20');
    expect(later.ltv.pAlive!).toBeLessThan(first.ltv.pAlive!);
    expect(later.ltv.nextOrderDate).toBe(first.ltv.nextOrderDate);
  });

  it('the horizon and discount come from the model: 24 months is worth more than 12', () => {
    const loyal = customer(orders(MONTHLY, 60));
    const longer = { ...FITTED, ltv: { ...FITTED.ltv, horizonMonths: 24 } };
    expect(scoreProfile(loyal, longer, TODAY).ltv.clv12m!).toBeGreaterThan(
      scoreProfile(loyal, FITTED, TODAY).ltv.clv12m! * 1.5,
    );
  });
});

describe('segment memberships and changes', () => {
  it('lists every segment a profile is in', () => {
    const loyal = customer(orders(MONTHLY, 60), { interests: ['cat food'], satisfaction: 5 });
    const { segments } = scoreProfile(loyal, FITTED, TODAY, [CAT_LOVERS]);
    // 12 × 60 = 720 spent is high volume; a 5 is high satisfaction: one-to-one.
    expect(memberships(segments)).toEqual([
      'rfm:Champions',
      'valueTier:vip',
      'lifecycle:active',
      'matrix:one-to-one',
      'rule:cat-lovers',
    ]);
  });

  it('entering At Risk from Champions is one exit and one entry per changed lens, nothing for the rest', () => {
    const loyal = customer(orders(MONTHLY, 60), { interests: ['cat food'] });
    const before = scoreProfile(loyal, FITTED, TODAY, [CAT_LOVERS]).segments;
    const after = {
      ...before,
      rfm: { r: 2 as const, f: 5 as const, m: 5 as const, name: 'At Risk' as const },
    };
    expect(membershipChanges(before, after)).toEqual({
      entered: [{ kind: 'rfm', segment: 'At Risk' }],
      exited: [{ kind: 'rfm', segment: 'Champions' }],
    });
    expect(membershipChanges(before, structuredClone(before))).toEqual({ entered: [], exited: [] });
    expect(membershipChanges(undefined, before).entered).toHaveLength(4);
  });
});

describe('the next-order index keys', () => {
  it('partition by the expected date and sort by the zone offset at local noon that day', () => {
    const loyal = customer(orders(MONTHLY, 60), { timeZone: 'America/New_York' });
    const { ltv } = scoreProfile(loyal, FITTED, TODAY);
    expect(nextOrderIndexKeys({ ...loyal, ltv })).toEqual({
      nextOrderKey: '2026-12-12',
      nextOrderOffset: -300,
    });
    expect(
      nextOrderIndexKeys({ ...loyal, ltv: { ...ltv, nextOrderDate: '2027-07-01' } })?.nextOrderOffset,
    ).toBe(-240);
  });

  it('leave out customers without a predicted date and erased records', () => {
    const loyal = customer(orders(MONTHLY, 60));
    const { ltv } = scoreProfile(loyal, FITTED, TODAY);
    expect(nextOrderIndexKeys({ ...loyal, ltv: { ...ltv, nextOrderDate: null } })).toBeUndefined();
    expect(nextOrderIndexKeys({ ...loyal, ltv, erasedAt: daysAgo(1) })).toBeUndefined();
    expect(nextOrderIndexKeys(loyal)).toBeUndefined();
  });
});

describe('scoring settings', () => {
  it('default to a 12-month horizon at 10% a year, 10 lifetime years, the lifecycle defaults', () => {
    const settings = ScoringSettingsSchema.parse({});
    expect(settings.ltv).toEqual({ horizonMonths: 12, annualDiscountRate: 0.1, expectedLifetimeYears: 10 });
    expect(settings.lifecycle.lapsedAfterDays).toBe(365);
  });

  it('refuse unknown keys and bad values, naming the path', () => {
    const result = ScoringSettingsSchema.safeParse({ ltv: { horizonMonths: 0, horizon: 12 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(
      expect.arrayContaining(['ltv.horizonMonths', 'ltv']),
    );
  });
});

describe('degenerate models', () => {
  it('store no date when the model expects no next order within a century, and never a non-number', () => {
    const once = customer(orders([300], 40));
    const hopeless = { ...FITTED, bgnbd: { ...FITTED.bgnbd!, r: 0.005 } };
    const { ltv } = scoreProfile(once, hopeless, TODAY);
    expect(ltv.nextOrderDate).toBeNull();
    for (const value of [ltv.pAlive, ltv.expectedOrders12m, ltv.clv12m, ltv.expectedOrderValue]) {
      expect(value === null || Number.isFinite(value)).toBe(true);
    }
  });
});
