import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignReportsHandler } from '../../../functions/campaign-reports-api/reports';
import { loadConfig } from '../../../infra/config';
import { main } from '../../../lib/cli/main';
import { DEFAULT_REPORT_SETTINGS } from '../../../lib/domain/measurement/report';
import { InMemoryCampaignStatsReader } from '../../fakes/in-memory-campaign-stats-reader';
import { InMemoryModelRepository } from '../../fakes/in-memory-model-repository';
import { captureCliOutput } from '../../support/cli';
import { httpEvent, lambdaContext } from '../functions/fixtures';

const KEY = 'cli-test-key';
const stats = new InMemoryCampaignStatsReader()
  .put('birthday', 'all', 'treated', {
    audience: 10_000,
    sent: 9_700,
    delivered: 9_500,
    opened: 4_000,
    clicked: 900,
    sentEmail: 9_000,
    sentSmsByCountry: { GB: 700 },
    conversions: 1_200,
    orders: 1_300,
    revenue: 72_000,
    revenueSquares: 1_200 * 4_500,
    audienceVip: 2_000,
    revenueVip: 36_000,
  })
  .put('birthday', 'all', 'holdout', {
    audience: 1_000,
    conversions: 80,
    revenue: 4_000,
    revenueSquares: 80 * 3_125,
  })
  .put('birthday', 'day#2026-05-12', 'treated', { audience: 50, conversions: 6 })
  .put('birthday', 'day#2026-05-12', 'holdout', { audience: 5 });
const handler = campaignReportsHandler(
  {
    stats,
    models: new InMemoryModelRepository(),
    clock: { now: () => new Date('2026-05-17T10:00:00Z') },
    campaigns: loadConfig(() => undefined, '/nonexistent').campaigns,
    settings: DEFAULT_REPORT_SETTINGS,
    currency: 'GBP',
    timeZone: 'Europe/London',
  },
  new Logger({ logLevel: 'SILENT' }),
);

/** A stand-in for the local runtime's HTTP server: x-api-key, routing, the real handler. */
let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer(async (req, res) => {
    if (req.headers['x-api-key'] !== KEY) return res.writeHead(401).end('{"error":"unauthorized"}');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^\/campaigns\/([^/]+)\/report$/.exec(url.pathname);
    const routeKey = match ? 'GET /campaigns/{id}/report' : `GET ${url.pathname}`;
    const event = {
      ...httpEvent(routeKey, undefined, {}),
      ...(match ? { pathParameters: { id: decodeURIComponent(match[1] as string) } } : {}),
      queryStringParameters: Object.fromEntries(url.searchParams),
    };
    const result = await handler(event, lambdaContext);
    res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>).end(result.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const io = captureCliOutput(() => ({ port, adminKey: KEY }));

describe('precis report', () => {
  it('prints treated vs holdout, the uplift with its interval and verdict, incremental revenue, cost, ROI and 80/20', async () => {
    expect(await main(['report', 'birthday'])).toBe(0);
    expect(io.stdout).toMatch(/^Birthday .*\(birthday\) · all time · GBP$/m);
    expect(io.stdout).toMatch(/^\s+treated\s+holdout$/m);
    expect(io.stdout).toMatch(/^audience\s+10,000\s+1,000$/m);
    expect(io.stdout).toMatch(/^clicked\s+900\s+0$/m);
    expect(io.stdout).toMatch(/^conversion rate\s+12\.00%\s+8\.00%$/m);
    expect(io.stdout).toMatch(/^revenue \/ recipient\s+7\.20\s+4\.00$/m);
    expect(io.stdout).toMatch(
      /^uplift, conversion\s+\+4\.00 pts \(95% CI \+2\.\d\d pts to \+5\.\d\d pts\) · positive$/m,
    );
    expect(io.stdout).toMatch(/^incremental revenue\s+\+32,000\.00 \(95% CI \+[\d,.]+ to \+[\d,.]+\)$/m);
    // 9,000 emails at 0.10 per 1,000 + 700 texts to GB at 0.035.
    expect(io.stdout).toMatch(/^cost\s+25\.40 \(email 0\.90, SMS 24\.50\)$/m);
    expect(io.stdout).toMatch(/^ROI on revenue\s+\d+%/m);
    expect(io.stdout).toMatch(
      /^80\/20: VIPs are 18\.2% of this audience and bring 47\.4% of its attributed revenue/m,
    );
    expect(io.stdout).toMatch(/^verdict: positive — /m);
    expect(io.stderr).toBe('');
  });

  it('--period week --date gives that ISO week; a small sample says so instead of a number', async () => {
    expect(await main(['report', 'birthday', '--period', 'week', '--date', '2026-05-14'])).toBe(0);
    expect(io.stdout).toMatch(/· 2026-W20 \(2026-05-11 to 2026-05-17\) ·/);
    expect(io.stdout).toMatch(/^audience\s+50\s+5$/m);
    expect(io.stdout).toMatch(/^uplift, conversion\s+\+12\.00 pts · insufficient data$/m);
    expect(io.stdout).toMatch(/^incremental revenue\s+—$/m);
    expect(io.stdout).toMatch(/^verdict: insufficient data — not enough data yet: too few members/m);
  });

  it('--json prints the report', async () => {
    expect(await main(['report', 'birthday', '--json'])).toBe(0);
    const report = JSON.parse(io.stdout);
    expect(report).toMatchObject({ campaignId: 'birthday', verdict: 'positive', cost: { total: 25.4 } });
  });

  it.each([
    [['report', 'black-friday'], 'precis: no campaign "black-friday"'],
    [['report', 'birthday', '--period', 'month'], 'precis: --period must be all, week or day, got "month"'],
    [
      ['report', 'birthday', '--date', '2026-02-30'],
      'precis: --date must be a date YYYY-MM-DD, got "2026-02-30"',
    ],
  ])('%j fails with one line', async (argv, message) => {
    expect(await main(argv)).not.toBe(0);
    expect(io.stderr).toBe(`${message}\n`);
    expect(io.stdout).toBe('');
  });

  it('without a campaign, or with --help, commander explains the usage', async () => {
    expect(await main(['report'])).not.toBe(0);
    expect(await main(['report', '--help'])).toBe(0);
    expect(io.stdout).toMatch(/Usage: precis report \[options\] <campaign>/);
    expect(io.stdout).toMatch(/--period <period>/);
  });
});
