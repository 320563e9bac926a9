import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { PHONE_CODES } from '../../../lib/adapters/dynamodb/dynamo-confirmation-limiter';
import type { Delivery, SendRequest } from '../../../lib/domain/campaigns/delivery';
import { daysBefore, lastOrderIndexKeys } from '../../../lib/domain/campaigns/last-order-keys';
import type { Customer } from '../../../lib/domain/customer';
import { planCampaigns } from '../../../lib/use-cases/plan-campaigns';
import { onProfileChange, onSegmentEntered } from '../../../lib/use-cases/trigger-message';
import { InMemoryConfirmationLimiter } from '../../fakes/in-memory-confirmation-limiter';
import { InMemoryDeliveryLedger } from '../../fakes/in-memory-delivery-ledger';

// Event-driven and after-order campaigns: the win-back on entering At Risk (once per day of entry),
// and the post-purchase survey N days after the last order, found through its sparse index.

const { campaigns, campaignSettings } = loadConfig(() => undefined, '/nonexistent');
const everyone = campaigns.map((c) => ({ ...c, holdoutPercent: 0 }));

const customer = (over: Partial<Customer> = {}): Customer => ({
  customerId: 'cus_ana',
  firstName: 'Ana',
  email: 'ana@example.com',
  timeZone: 'Pacific/Auckland',
  locale: 'en-NZ',
  interests: [],
  consent: {
    email: { status: 'confirmed', updatedAt: '2026-01-01T00:00:00Z', source: 'confirmation' },
    sms: { status: 'none', updatedAt: '2026-01-01T00:00:00Z', source: 'form' },
  },
  source: 'form',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  version: 2,
  ...over,
});
const metrics = (lastOrderAt: string) =>
  ({
    orderCount: 1,
    repeatOrderCount: 0,
    totalSpend: 48,
    averageOrderValue: 48,
    firstOrderAt: lastOrderAt,
    lastOrderAt,
    meanInterPurchaseDays: null,
    medianInterPurchaseDays: null,
    categories: {},
    ltvInputs: null,
  }) satisfies Customer['metrics'];

function deps(person: Customer) {
  const queued: SendRequest[] = [];
  return {
    queued,
    deps: {
      customers: { get: async (id: string) => (id === person.customerId ? person : undefined) },
      ledger: new InMemoryDeliveryLedger(),
      queue: { enqueue: async (r: readonly SendRequest[]) => void queued.push(...r) },
      history: { record: async () => {} },
      clock: { now: () => new Date('2026-06-15T00:00:00.000Z') },
      campaigns: everyone,
      settings: campaignSettings,
      confirmations: new InMemoryConfirmationLimiter(),
      phoneCodes: new InMemoryConfirmationLimiter(PHONE_CODES),
    },
  };
}

describe('the survey index keys (byLastOrder)', () => {
  it.each([
    [
      'an order late in the evening in Auckland is that local day',
      '2026-06-08T10:30:00.000Z',
      'Pacific/Auckland',
      '2026-06-08',
      720,
    ],
    [
      'the same instant is the day before in Los Angeles',
      '2026-06-08T10:30:00.000Z',
      'America/Los_Angeles',
      '2026-06-08',
      -420,
    ],
    ['Kathmandu keeps its quarter hour', '2026-06-07T20:00:00.000Z', 'Asia/Kathmandu', '2026-06-08', 345],
  ])('%s', (_, lastOrderAt, timeZone, lastOrderKey, lastOrderOffset) => {
    expect(lastOrderIndexKeys({ metrics: metrics(lastOrderAt), timeZone })).toEqual({
      lastOrderKey,
      lastOrderOffset,
    });
  });

  it('no order, or an erased record, is not indexed', () => {
    expect(lastOrderIndexKeys({ timeZone: 'UTC' })).toBeUndefined();
    expect(
      lastOrderIndexKeys({
        metrics: metrics('2026-06-08T10:00:00Z'),
        timeZone: 'UTC',
        erasedAt: '2026-06-09',
      }),
    ).toBeUndefined();
  });

  it('counts days back across month ends', () => {
    expect(daysBefore('2026-03-03', 7)).toBe('2026-02-24');
  });
});

describe('the post-purchase survey in the hourly planner', () => {
  it('asks the index for orders 7 days before the local date in the window, occasion = the order date', async () => {
    const ana = customer({ metrics: metrics('2026-06-08T01:00:00.000Z') });
    const { deps: d, queued } = deps(ana);
    const asked: string[] = [];
    const due = {
      byBirthday: async () => [],
      byNextOrder: async () => [],
      byLastOrder: async (date: string, low: number, high: number) => {
        asked.push(date);
        return date === '2026-06-08' && low <= 720 && 720 <= high ? ['cus_ana'] : [];
      },
    };
    // 09:00 on 15 June in Auckland.
    const run = await planCampaigns({ ...d, due }, new Date('2026-06-14T21:00:00.000Z'));
    expect(asked).toContain('2026-06-08');
    expect(run.queued).toBe(1);
    expect(queued.map((r) => `${r.campaignId}#${r.occasion}`)).toEqual(['survey#2026-06-08']);
    const again = await planCampaigns({ ...d, due }, new Date('2026-06-14T22:00:00.000Z'));
    expect(again).toMatchObject({ queued: 0, skipped: { already_claimed: 1 } });
  });

  it('reports a row an interrupted send left `unknown` and queues nothing for it', async () => {
    const ana = customer({ metrics: metrics('2026-06-08T01:00:00.000Z') });
    const { deps: d, queued } = deps(ana);
    const due = {
      byBirthday: async () => [],
      byNextOrder: async () => [],
      byLastOrder: async (date: string) => (date === '2026-06-08' ? ['cus_ana'] : []),
    };
    await planCampaigns({ ...d, due }, new Date('2026-06-14T21:00:00.000Z'));
    // The sender called the provider and stopped before the ledger update, 10 minutes ago.
    const row = d.ledger.row('survey#2026-06-08', 'cus_ana') as Delivery;
    Object.assign(row, { status: 'unknown', updatedAt: '2026-06-14T23:50:00.000Z' });
    queued.length = 0;
    const again = await planCampaigns({ ...d, due }, new Date('2026-06-14T22:00:00.000Z'));
    expect(again).toMatchObject({ queued: 0, requeued: 0, unknown: 1, retried: 0 });
    expect(queued).toEqual([]);
  });

  it('queues again, once, a row left `unknown` past the 15-minute quiet period with no provider event', async () => {
    const ana = customer({ metrics: metrics('2026-06-08T01:00:00.000Z') });
    const { deps: d, queued } = deps(ana);
    const due = {
      byBirthday: async () => [],
      byNextOrder: async () => [],
      byLastOrder: async (date: string) => (date === '2026-06-08' ? ['cus_ana'] : []),
    };
    await planCampaigns({ ...d, due }, new Date('2026-06-14T21:00:00.000Z'));
    // The sender called the provider and stopped before the ledger update, 20 minutes ago; no Send
    // event arrived since.
    const row = d.ledger.row('survey#2026-06-08', 'cus_ana') as Delivery;
    Object.assign(row, { status: 'unknown', updatedAt: '2026-06-14T23:40:00.000Z' });
    queued.length = 0;
    const again = await planCampaigns({ ...d, due }, new Date('2026-06-14T22:00:00.000Z'));
    expect(again).toMatchObject({ queued: 0, unknown: 0, retried: 1 });
    expect(queued.map((r) => `${r.campaignId}#${r.occasion}`)).toEqual(['survey#2026-06-08']);
    expect(d.ledger.row('survey#2026-06-08', 'cus_ana')?.status).toBe('queued');
    // The next pass finds it `queued` (the usual harmless re-queue), not `unknown`.
    const third = await planCampaigns({ ...d, due }, new Date('2026-06-14T22:00:00.000Z'));
    expect(third).toMatchObject({ retried: 0, requeued: 1 });
  });
});

describe('the welcome after confirmation', () => {
  const confirmedAt = (at: string) => {
    const after = customer();
    const before = {
      ...after,
      consent: { ...after.consent, email: { ...after.consent.email, status: 'pending' } },
    };
    return { before, after, at: new Date(at) };
  };

  it('goes at once by day (14:00 in Auckland), and a confirmation at night (23:30) is welcomed at 08:00', async () => {
    const day = deps(customer());
    await onProfileChange(day.deps, confirmedAt('2026-06-15T02:00:00.000Z'));
    expect(day.queued).toEqual([
      expect.objectContaining({
        campaignId: 'welcome',
        occasion: 'once',
        plannedAt: '2026-06-15T02:00:00.000Z',
      }),
    ]);
    expect(day.queued[0]!.notBefore).toBeUndefined();
    const night = deps(customer());
    await onProfileChange(night.deps, confirmedAt('2026-06-15T11:30:00.000Z'));
    expect(night.queued).toEqual([
      expect.objectContaining({ campaignId: 'welcome', notBefore: '2026-06-15T20:00:00.000Z' }),
    ]);
  });
});

describe('win-back on entering At Risk', () => {
  const entered = (at: string, segment = 'at_risk') => ({
    customerId: 'cus_ana',
    kind: 'lifecycle',
    segment,
    at,
  });

  it('queues the win-back once per day of entry', async () => {
    const { deps: d, queued } = deps(customer());
    expect(await onSegmentEntered(d, entered('2026-06-15T03:00:00.000Z'))).toEqual([
      { status: 'queued', campaignId: 'win-back', occasion: '2026-06-15' },
    ]);
    d.ledger.row('win-back#2026-06-15', 'cus_ana')!.status = 'sent';
    expect(await onSegmentEntered(d, entered('2026-06-15T05:00:00.000Z'))).toEqual([
      { status: 'skipped', campaignId: 'win-back', occasion: '2026-06-15', reason: 'already_claimed' },
    ]);
    expect(queued).toHaveLength(1);
  });

  it('a replayed entry finds the row a crash left `unknown`: reported inside the quiet period, queued once past it', async () => {
    const { deps: d, queued } = deps(customer());
    await onSegmentEntered(d, entered('2026-06-15T03:00:00.000Z'));
    const row = d.ledger.row('win-back#2026-06-15', 'cus_ana') as Delivery;
    // The clock reads 2026-06-15T00:00Z: 10 minutes after the crash, then 20.
    Object.assign(row, { status: 'unknown', updatedAt: '2026-06-14T23:50:00.000Z' });
    queued.length = 0;
    expect(await onSegmentEntered(d, entered('2026-06-15T03:00:00.000Z'))).toEqual([
      { status: 'skipped', campaignId: 'win-back', occasion: '2026-06-15', reason: 'already_claimed' },
    ]);
    Object.assign(row, { updatedAt: '2026-06-14T23:40:00.000Z' });
    expect(await onSegmentEntered(d, entered('2026-06-15T03:00:00.000Z'))).toEqual([
      { status: 'requeued', campaignId: 'win-back', occasion: '2026-06-15' },
    ]);
    expect(queued.map((r) => `${r.campaignId}#${r.occasion}`)).toEqual(['win-back#2026-06-15']);
    expect(d.ledger.row('win-back#2026-06-15', 'cus_ana')?.status).toBe('queued');
  });

  it('waits for the send window in the person’s zone: 15:00 in Auckland is claimed now, sent at 09:00 tomorrow', async () => {
    const { deps: d, queued } = deps(customer());
    await onSegmentEntered(d, entered('2026-06-15T03:00:00.000Z'));
    expect(queued).toEqual([
      expect.objectContaining({ campaignId: 'win-back', notBefore: '2026-06-15T21:00:00.000Z' }),
    ]);
    expect(d.ledger.row('win-back#2026-06-15', 'cus_ana')).toMatchObject({
      status: 'queued',
      notBefore: '2026-06-15T21:00:00.000Z',
    });
    // Inside the window (09:30 NZST) it goes at once.
    const { deps: inWindow, queued: now } = deps(customer());
    await onSegmentEntered(inWindow, entered('2026-06-15T21:30:00.000Z'));
    expect(now).toEqual([expect.not.objectContaining({ notBefore: expect.anything() })]);
  });

  it('an import of two-year-old orders that moves the person into At Risk sends nothing (historical); the clock moving them does', async () => {
    const old = customer({ metrics: metrics('2024-06-01T10:00:00.000Z') });
    const imported = { ...entered('2026-06-15T21:30:00.000Z'), historyChanged: true };
    const backfill = deps(old);
    expect(await onSegmentEntered(backfill.deps, imported)).toEqual([
      { status: 'skipped', campaignId: 'win-back', occasion: '2026-06-15', reason: 'historical' },
    ]);
    expect(backfill.queued).toEqual([]);
    expect(backfill.deps.ledger.rows.size).toBe(0);
    // The nightly re-score (same history) moving a customer whose last order was 60 days ago.
    const lapsing = deps(customer({ metrics: metrics('2026-04-16T10:00:00.000Z') }));
    expect(await onSegmentEntered(lapsing.deps, entered('2026-06-15T21:30:00.000Z'))).toEqual([
      { status: 'queued', campaignId: 'win-back', occasion: '2026-06-15' },
    ]);
    // An order change whose newest order is recent (within 7 days) is happening now.
    const recent = deps(customer({ metrics: metrics('2026-06-12T10:00:00.000Z') }));
    expect(await onSegmentEntered(recent.deps, imported)).toEqual([
      { status: 'queued', campaignId: 'win-back', occasion: '2026-06-15' },
    ]);
  });

  it('entering another segment triggers nothing; an unconfirmed address is skipped with the reason', async () => {
    const { deps: d } = deps(customer());
    expect(await onSegmentEntered(d, entered('2026-06-15T03:00:00.000Z', 'active'))).toEqual([]);
    const pending = customer({
      consent: {
        email: { status: 'pending', updatedAt: '2026-01-01T00:00:00Z', source: 'form' },
        sms: { status: 'none', updatedAt: '2026-01-01T00:00:00Z', source: 'form' },
      },
    });
    expect(await onSegmentEntered(deps(pending).deps, entered('2026-06-15T03:00:00.000Z'))).toEqual([
      { status: 'skipped', campaignId: 'win-back', occasion: '2026-06-15', reason: 'no_consent' },
    ]);
  });
});
