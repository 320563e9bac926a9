import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { campaignReportsHandler } from '../../../functions/campaign-reports-api/reports';
import { loadConfig } from '../../../infra/config';
import { DEFAULT_REPORT_SETTINGS } from '../../../lib/domain/measurement/report';
import type { CampaignReportDeps } from '../../../lib/use-cases/campaign-report';
import { InMemoryCampaignStatsReader } from '../../fakes/in-memory-campaign-stats-reader';
import { InMemoryModelRepository } from '../../fakes/in-memory-model-repository';
import { httpEvent, lambdaContext } from './fixtures';

const config = loadConfig(() => undefined, '/nonexistent');
// 22:30 UTC on Sunday 17 May 2026 is already Monday 18 May in Auckland.
const NOW = new Date('2026-05-17T22:30:00Z');

function setup(timeZone = 'Europe/London') {
  const stats = new InMemoryCampaignStatsReader()
    .put('birthday', 'all', 'treated', {
      audience: 10_000,
      sent: 9_800,
      sentEmail: 9_800,
      conversions: 1_200,
      revenue: 72_000,
      revenueSquares: 1_200 * 4_500,
    })
    .put('birthday', 'all', 'holdout', {
      audience: 1_000,
      conversions: 80,
      revenue: 4_000,
      revenueSquares: 80 * 3_125,
    })
    .put('birthday', 'day#2026-05-17', 'treated', { audience: 40, conversions: 5 })
    .put('birthday', 'day#2026-05-18', 'treated', { audience: 30, conversions: 2 })
    .put('birthday', 'day#2026-05-11', 'holdout', { audience: 4 });
  const deps: CampaignReportDeps = {
    stats,
    models: new InMemoryModelRepository(),
    clock: { now: () => NOW },
    campaigns: config.campaigns,
    settings: DEFAULT_REPORT_SETTINGS,
    currency: 'GBP',
    timeZone,
  };
  const handler = campaignReportsHandler(deps, new Logger({ logLevel: 'SILENT' }));
  return { stats, handler };
}

async function get(
  handler: ReturnType<typeof setup>['handler'],
  routeKey: string,
  path: Record<string, string> = {},
  query: Record<string, string> = {},
) {
  const event = { ...httpEvent(routeKey, undefined, {}), pathParameters: path, queryStringParameters: query };
  const result = await handler(event, lambdaContext);
  return { status: result.statusCode, body: JSON.parse(result.body as string) };
}

describe('GET /campaigns/{id}/report', () => {
  it('all time by default: both groups, the uplift with its interval and verdict, cost and ROI', async () => {
    const { handler } = setup();
    const { status, body } = await get(handler, 'GET /campaigns/{id}/report', { id: 'birthday' });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      campaignId: 'birthday',
      currency: 'GBP',
      period: { kind: 'all', label: 'all' },
      groups: {
        treated: { audience: 10_000, conversionRate: 0.12 },
        holdout: { audience: 1_000, conversionRate: 0.08 },
      },
      verdict: 'positive',
      cost: { email: 0.98, total: 0.98 },
      roi: { basis: 'revenue' },
    });
    expect(body.uplift.conversionRate.low).toBeGreaterThan(0);
    expect(body.series).toHaveLength(28);
    expect(body.series.at(-1)).toMatchObject({ day: '2026-05-17', treated: { audience: 40 } });
  });

  it('a week is the ISO week of the date, a day that day; today is in the operator zone', async () => {
    const { handler } = setup();
    const week = await get(
      handler,
      'GET /campaigns/{id}/report',
      { id: 'birthday' },
      { period: 'week', date: '2026-05-13' },
    );
    expect(week.body.period).toMatchObject({ label: '2026-W20', from: '2026-05-11', to: '2026-05-17' });
    expect(week.body.groups.treated.audience).toBe(40);
    expect(week.body.groups.holdout.audience).toBe(4);
    expect(week.body.verdict).toBe('insufficient-data');

    const london = await get(handler, 'GET /campaigns/{id}/report', { id: 'birthday' }, { period: 'day' });
    expect(london.body.period.label).toBe('2026-05-17');
    const auckland = await get(
      setup('Pacific/Auckland').handler,
      'GET /campaigns/{id}/report',
      { id: 'birthday' },
      { period: 'day' },
    );
    expect(auckland.body.period.label).toBe('2026-05-18');
    expect(auckland.body.groups.treated.audience).toBe(30);
  });

  it('an unknown campaign is 404', async () => {
    const { handler } = setup();
    const { status, body } = await get(handler, 'GET /campaigns/{id}/report', { id: 'black-friday' });
    expect(status).toBe(404);
    expect(body).toEqual({ error: 'unknown_campaign', message: 'no campaign "black-friday"' });
  });

  it.each([
    [{ period: 'month' }, 'period'],
    [{ period: 'week', date: '2026-02-30' }, 'date'],
    [{ date: '17/05/2026' }, 'date'],
    [{ perod: 'week' }, 'perod'],
  ])('%o is 400 naming the field', async (query, field) => {
    const { handler, stats } = setup();
    const { status, body } = await get(handler, 'GET /campaigns/{id}/report', { id: 'birthday' }, query);
    expect(status).toBe(400);
    expect(body.error).toBe('validation_failed');
    expect(body.fields.map((f: { path: string }) => f.path)).toContain(field);
    expect(stats.reads).toBe(0);
  });
});

describe('GET /campaigns', () => {
  it('lists every configured campaign with its all-time headline, in one read', async () => {
    const { handler, stats } = setup();
    const { status, body } = await get(handler, 'GET /campaigns');
    expect(status).toBe(200);
    expect(body.campaigns.map((c: { campaignId: string }) => c.campaignId)).toEqual(
      config.campaigns.map((c) => c.id),
    );
    const birthday = body.campaigns.find((c: { campaignId: string }) => c.campaignId === 'birthday');
    expect(birthday).toMatchObject({
      audience: { treated: 10_000, holdout: 1_000 },
      conversionRate: { treated: 0.12, holdout: 0.08 },
      verdict: 'positive',
    });
    const quiet = body.campaigns.find((c: { campaignId: string }) => c.campaignId !== 'birthday');
    expect(quiet).toMatchObject({ audience: { treated: 0, holdout: 0 }, verdict: 'insufficient-data' });
    expect(stats.reads).toBe(1);
  });
});
