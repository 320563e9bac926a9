import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { isQueueEvent, plannerPagesHandler } from '../../../functions/campaign-planner/pages';
import { loadConfig } from '../../../infra/config';
import type { SendRequest } from '../../../lib/domain/campaigns/delivery';
import type { Customer } from '../../../lib/domain/customer';
import { type PlannerPage, planCampaigns, planPage } from '../../../lib/use-cases/plan-campaigns';
import { InMemoryDeliveryLedger } from '../../fakes/in-memory-delivery-ledger';
import { InMemoryDueCustomers } from '../../fakes/in-memory-due-customers';

// The planner's fan-out: 35 Aucklanders with a birthday today, planned by one pass, or by a pass
// that pages them (10 a page) and four page claims — the same people claimed and queued, once.

const { campaigns, campaignSettings } = loadConfig(() => undefined, '/nonexistent');
const birthday = campaigns.filter((c) => c.id === 'birthday').map((c) => ({ ...c, holdoutPercent: 0 }));
const AT = new Date('2026-06-14T21:00:00.000Z'); // 09:00 on 15 June in Auckland

const person = (i: number): Customer => ({
  customerId: `cus_${i}`,
  firstName: 'Ana',
  email: `ana${i}@example.com`,
  birthday: '1990-06-15',
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
  version: 1,
});
const people = Array.from({ length: 35 }, (_, i) => person(i));

function setup(pageSize?: number) {
  const queued: SendRequest[] = [];
  const pages: PlannerPage[] = [];
  const due = new InMemoryDueCustomers();
  for (const p of people) due.add('byBirthday', '06-15', 720, p.customerId);
  const ledger = new InMemoryDeliveryLedger();
  const deps = {
    due,
    customers: { get: async (id: string) => people.find((p) => p.customerId === id) },
    ledger,
    queue: { enqueue: async (r: readonly SendRequest[]) => void queued.push(...r) },
    clock: { now: () => AT },
    campaigns: birthday,
    settings: campaignSettings,
    ...(pageSize && {
      pages: {
        size: pageSize,
        queue: { enqueue: async (p: readonly PlannerPage[]) => void pages.push(...p) },
      },
    }),
  };
  return { deps, queued, pages, ledger };
}

const sent = (queued: SendRequest[]) => queued.map((r) => `${r.customerId}:${r.occasion}`).sort();

describe('a pass with more people due than a page', () => {
  it('claims nobody itself, pages them (10 a page), and the pages claim exactly whom one pass would', async () => {
    const whole = setup();
    const one = await planCampaigns(whole.deps, AT);
    expect(one).toMatchObject({ due: 35, queued: 35, paged: 0 });

    const fanned = setup(10);
    const pass = await planCampaigns(fanned.deps, AT);
    expect(pass).toMatchObject({ due: 35, queued: 0, paged: 4 });
    expect(fanned.queued).toEqual([]);
    expect(fanned.pages.map((p) => p.candidates.length)).toEqual([10, 10, 10, 5]);
    let queued = 0;
    for (const page of fanned.pages) queued += (await planPage(fanned.deps, page)).queued;
    expect(queued).toBe(35);
    expect(sent(fanned.queued)).toEqual(sent(whole.queued));
  });

  it('a redelivered page claims nobody twice', async () => {
    const fanned = setup(10);
    await planCampaigns(fanned.deps, AT);
    const [first] = fanned.pages as [PlannerPage];
    expect(await planPage(fanned.deps, first)).toMatchObject({ queued: 10 });
    expect(await planPage(fanned.deps, first)).toMatchObject({ queued: 0, skipped: { already_claimed: 10 } });
    expect(fanned.queued).toHaveLength(10 + 10); // the replay re-queues the rows still `queued`: harmless
  });

  it('a page for a campaign no longer configured claims nothing', async () => {
    const fanned = setup(10);
    const page: PlannerPage = {
      campaignId: 'gone',
      at: AT.toISOString(),
      candidates: [{ customerId: 'cus_1', occasion: '2026' }],
    };
    expect(await planPage(fanned.deps, page)).toMatchObject({ queued: 0, skipped: { unknown_campaign: 1 } });
  });

  it('a campaign with no more due than a page is claimed by the pass itself', async () => {
    const fanned = setup(50);
    expect(await planCampaigns(fanned.deps, AT)).toMatchObject({ due: 35, queued: 35, paged: 0 });
    expect(fanned.pages).toEqual([]);
  });
});

describe('the page queue consumer', () => {
  it('claims each page and reports the one it could not read, for the queue to retry', async () => {
    const fanned = setup(10);
    await planCampaigns(fanned.deps, AT);
    const record = (messageId: string, body: string) => ({ messageId, body, eventSource: 'aws:sqs' });
    const event = {
      Records: [record('m1', JSON.stringify(fanned.pages[0])), record('m2', '{"campaignId":')],
    } as unknown as SQSEvent;
    expect(isQueueEvent(event)).toBe(true);
    expect(isQueueEvent({ time: AT.toISOString() })).toBe(false);
    const handler = plannerPagesHandler(fanned.deps, new Logger({ logLevel: 'SILENT' }));
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    expect(fanned.queued).toHaveLength(10);
  });
});
