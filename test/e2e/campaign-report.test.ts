import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthTemplates } from '../../infra/synth';
import { dynamoDocumentClient } from '../../lib/adapters/aws/clients';
import { DynamoModelRepository } from '../../lib/adapters/dynamodb/dynamo-model-repository';
import { statsKeys } from '../../lib/domain/measurement/campaign-stats';
import { buildDashboard } from '../../lib/local/dashboard-build';
import { launchChromium, openPage } from '../support/chromium';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../support/runtime';

// The dashboard's campaign panel in real headless Chromium (Debian's chromium via playwright-core,
// never a downloaded browser) against the local runtime and a fresh Vite build: counters rows are
// written straight into the CampaignStats table (the write path has its own tests), then the panel
// must show the birthday campaign's funnel and its uplift interval, and say "insufficient data"
// (no interval) for a campaign that has sent nothing yet.

let runtime: TestRuntime;
let browser: Browser;
let page: Page;
let webDir: string;

beforeAll(async () => {
  webDir = await mkdtemp(join(tmpdir(), 'precis-web-'));
  await buildDashboard(webDir);
  runtime = await startTestRuntime(synthTemplates(), { staticDir: webDir });
  const db = dynamoDocumentClient({
    AWS_ENDPOINT_URL_DYNAMODB: runtime.dynamoEndpoint,
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
  });
  const table = runtime.tableNames.CampaignStats as string;
  const put = (group: 'treated' | 'holdout', counters: Record<string, unknown>) =>
    db.send(
      new PutCommand({
        TableName: table,
        Item: { ...statsKeys.counters('birthday', 'all', group), ...counters },
      }),
    );
  await put('treated', {
    audience: 9_000,
    sent: 8_800,
    delivered: 8_600,
    opened: 3_900,
    clicked: 800,
    sentEmail: 8_800,
    conversions: 1_080,
    orders: 1_150,
    revenue: 64_800,
    revenueSquares: 1_080 * 4_500,
  });
  await put('holdout', {
    audience: 1_000,
    conversions: 80,
    orders: 82,
    revenue: 4_000,
    revenueSquares: 80 * 3_125,
  });
  // The dashboard opens on the segment summary of the last refit.
  await new DynamoModelRepository(db, runtime.tableNames.Models as string).saveSummary({
    modelVersion: 1,
    asOfDay: '2026-05-17',
    computedAt: '2026-05-17T03:00:00.000Z',
    customers: 10_000,
    buyers: 4_000,
    revenue: 400_000,
    top20RevenueShare: 0.71,
    vipValueShare: 0.75,
    segments: [],
  });
  browser = await launchChromium();
  page = await openPage(browser);
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  if (webDir) await rm(webDir, { recursive: true, force: true });
});

describe('the campaigns panel', () => {
  it("shows each campaign's funnel and its conversion uplift with the 95% interval", async () => {
    await page.goto(`${runtime.url}/`);
    await page.fill('#admin-key', TEST_ADMIN_KEY);
    await page.click('#key-form button');
    await page.waitForSelector('#campaigns article.campaign[data-campaign-id="birthday"]');

    const card = '#campaigns article[data-campaign-id="birthday"]';
    expect(await page.getAttribute(card, 'data-verdict')).toBe('positive');
    const funnel = await page.$$eval(`${card} table.funnel tr[data-stage]`, (rows) =>
      rows.map((r) => [
        r.getAttribute('data-stage'),
        r.getAttribute('data-treated'),
        r.getAttribute('data-holdout'),
      ]),
    );
    expect(funnel).toEqual([
      ['audience', '9000', '1000'],
      ['sent', '8800', '0'],
      ['delivered', '8600', '0'],
      ['opened', '3900', '0'],
      ['clicked', '800', '0'],
      ['conversions', '1080', '80'],
      ['conversion rate', null, null],
    ]);
    expect(await page.textContent(`${card} tr[data-stage="conversion rate"]`)).toContain('12.0%');
    // 12% vs 8%: +4 points, and an interval around it that stays above zero.
    expect(await page.textContent(`${card} .uplift`)).toMatch(
      /^Conversion uplift \+4\.0 pts \(95% CI \+2\.\d pts to \+5\.\d pts\)$/,
    );
    const ci = await page.$eval(`${card} svg.interval line.ci`, (line) => ({
      low: Number(line.getAttribute('data-low')),
      high: Number(line.getAttribute('data-high')),
      x1: Number(line.getAttribute('x1')),
      x2: Number(line.getAttribute('x2')),
    }));
    expect(ci.low).toBeGreaterThan(0);
    expect(ci.high).toBeGreaterThan(ci.low);
    expect(ci.x1).toBeGreaterThan(150); // right of the zero line
    expect(ci.x2).toBeGreaterThan(ci.x1);
    expect(await page.textContent(`${card} .note`)).toMatch(
      /^Incremental revenue £[\d,]+ \(£[\d,]+ to £[\d,]+\) · cost £1 · ROI/,
    );

    // A campaign with no deliveries yet: zeros and no interval.
    const empty = '#campaigns article[data-campaign-id="welcome"]';
    expect(await page.getAttribute(empty, 'data-verdict')).toBe('insufficient-data');
    expect(await page.getAttribute(`${empty} svg.interval`, 'data-empty')).toBe('true');
    await page.locator('#campaigns').screenshot({ path: 'test-results/campaign-report.png' });
  });
});
