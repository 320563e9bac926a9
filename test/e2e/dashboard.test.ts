import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthTemplates } from '../../infra/synth';
import { generatePopulation } from '../../lib/demo/population';
import { type SeedResult, seedDemo } from '../../lib/demo/seed';
import { birthdayPartitions, monthDayKey } from '../../lib/domain/calendar';
import { buildDashboard } from '../../lib/local/dashboard-build';
import { launchChromium, openPage } from '../support/chromium';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../support/runtime';

// The dashboard in real headless Chromium (Debian's chromium, driven by playwright-core; never a
// downloaded browser), against the local runtime wired from the real templates and serving a fresh
// Vite build of dashboard/, with a small demo population seeded through the real API and refitted.

const CUSTOMERS = 300;
const SEED = 1;
const NOW = new Date();

let runtime: TestRuntime;
let browser: Browser;
let page: Page;
let webDir: string;
let seeded: SeedResult;

beforeAll(async () => {
  webDir = await mkdtemp(join(tmpdir(), 'precis-web-'));
  await buildDashboard(webDir);
  runtime = await startTestRuntime(synthTemplates(), { staticDir: webDir, batchingWindowCapMs: 0 });
  seeded = await seedDemo({
    timeoutMs: 600_000,
    url: runtime.url,
    adminKey: TEST_ADMIN_KEY,
    customers: CUSTOMERS,
    seed: SEED,
    now: NOW,
  }).catch((error: unknown) => {
    console.error(runtime.logs.slice(-30).join('\n'), JSON.stringify(runtime.failures()).slice(0, 3000));
    throw error;
  });
  browser = await launchChromium();
  page = await openPage(browser);
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  if (webDir) await rm(webDir, { recursive: true, force: true });
});

/** Pixels of a canvas that are not transparent: a drawn chart has thousands. */
const paintedPixels = (selector: string) =>
  page.$eval(selector, (canvas) => {
    // Runs in the page: typed structurally, the test project has no DOM types.
    const c = canvas as unknown as {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    };
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
    return painted;
  });

describe('dashboard', () => {
  it('asks for the admin key and says so when the key is wrong', async () => {
    await page.goto(`${runtime.url}/`);
    expect(await page.isHidden('#app')).toBe(true);
    await page.fill('#admin-key', 'not-the-key');
    await page.click('#key-form button');
    await page.waitForSelector('#status.error');
    expect(await page.textContent('#status')).toContain('refused the admin key');
  });

  it('shows the segments, the heat maps and the charts with data from the pipeline', async () => {
    expect(seeded).toMatchObject({ customers: CUSTOMERS, modelVersion: expect.any(Number) });
    await page.fill('#admin-key', TEST_ADMIN_KEY);
    await page.click('#key-form button');
    await page.waitForSelector('#rfm-grid td');
    expect(await page.textContent('#status')).toMatch(/Segments as of \d{4}-\d{2}-\d{2} · model version \d+/);
    expect(await page.textContent('#overview')).toContain(`${CUSTOMERS}customers`);

    // The RFM heat map: 25 cells whose counts add up to the buyers the refit ranked.
    const rfm = await page.$$eval('#rfm-grid td', (cells) =>
      cells.map((c) => Number(c.getAttribute('data-count'))),
    );
    expect(rfm).toHaveLength(25);
    const buyers =
      seeded.customers -
      generatePopulation({ customers: CUSTOMERS, seed: SEED, now: NOW }).customers.filter(
        (c) => c.orders.length === 0,
      ).length;
    expect(rfm.reduce((a, b) => a + b, 0)).toBe(buyers);
    // The 3×3 matrix carries its strategies and the surveyed buyers.
    const matrix = await page.$$eval('#matrix td', (cells) =>
      cells.map((c) => [c.getAttribute('data-strategy'), Number(c.getAttribute('data-count'))] as const),
    );
    expect(matrix.map(([strategy]) => strategy)).toEqual([
      'one-to-one',
      'one-to-one',
      'correct',
      'retailer-partner',
      'retailer-partner',
      'correct',
      'one-to-many',
      'improve',
      'improve',
    ]);
    expect(matrix.reduce((sum, [, n]) => sum + n, 0)).toBeGreaterThan(0);
    expect(await page.textContent('#matrix')).toContain('retailer × partner');
    // Value tiers and lifecycle list every customer.
    const tiers = await page.$$eval('#value-tiers li', (items) =>
      items.map((i) => Number(i.getAttribute('data-count'))),
    );
    expect(tiers.reduce((a, b) => a + b, 0)).toBe(CUSTOMERS);

    // uPlot charts: canvases with paint on them, the Pareto note naming the 80/20 point.
    for (const chart of ['#growth-chart canvas', '#ltv-chart canvas', '#pareto-chart canvas']) {
      expect(await paintedPixels(chart), chart).toBeGreaterThan(1000);
    }
    expect(await page.textContent('#pareto-note')).toMatch(/top 20% of buyers bring \d+\.\d% of revenue/);
  });

  it("shows the next 7 days' birthdays and repurchase windows of the seeded customers", async () => {
    await page.waitForSelector('#upcoming li.day');
    const days = await page.$$eval('#upcoming li.day', (items) =>
      items.map((i) => ({
        date: i.getAttribute('data-date') ?? '',
        birthdays: Number(i.getAttribute('data-birthdays')),
        repurchases: Number(i.getAttribute('data-repurchases')),
        shown: i.querySelectorAll('li[data-customer-id]').length,
      })),
    );
    expect(days).toHaveLength(7);
    // Every seeded birthday on those dates is counted (the index is by MM-DD; Feb 29 on Feb 28 in
    // a non-leap year), and the first of them are named.
    const population = generatePopulation({ customers: CUSTOMERS, seed: SEED, now: NOW });
    for (const day of days) {
      const keys = birthdayPartitions(day.date);
      const expected = population.customers.filter((c) =>
        keys.includes(monthDayKey(c.signup.birthday)!),
      ).length;
      expect(day.birthdays, day.date).toBe(expected);
      expect(day.shown).toBe(Math.min(6, day.birthdays + day.repurchases));
    }
    expect(days.reduce((n, d) => n + d.birthdays, 0)).toBeGreaterThan(0);
    expect(days[0]!.birthdays).toBeGreaterThan(0);
    const named = await page.textContent('#upcoming li.day li[data-due="birthday"]');
    expect(named).toMatch(/^birthday \S+/);
  });

  it("shows the recent outbox with each email rendered in a sandboxed iframe, today's birthday emails among them", async () => {
    // The seed confirmed today's birthday people's addresses and ran the planner: real emails.
    // Their welcome emails may go out before or after the birthday ones (the welcome window is the
    // real hour's), so the birthday entry is found by its campaign, not by its place in the list.
    expect(seeded.birthdayEmails).toBeGreaterThan(0);
    const birthday = page.locator('#outbox li.email', { hasText: ' · birthday ' }).first();
    await birthday.locator('iframe').waitFor();
    // sandbox="" : no scripts, no forms, no same-origin access to the dashboard.
    expect(await birthday.locator('iframe').getAttribute('sandbox')).toBe('');
    expect(await birthday.locator('.subject').textContent()).toMatch(/^Happy birthday, \S+!$/);
    expect(await birthday.locator('.meta').textContent()).toMatch(/@example\.com · birthday \d{4} · /);
    await birthday.scrollIntoViewIfNeeded();
    const content = await (await birthday.locator('iframe').elementHandle())!.contentFrame();
    await content!.waitForSelector('h1');
    expect(await content!.textContent('h1')).toMatch(/^Happy birthday, \S+!$/);
    // Other entries: the double opt-in emails every signup with email consent received.
    const subjects = await page.$$eval('#outbox li.email .subject', (nodes) =>
      nodes.map((n) => n.textContent),
    );
    expect(subjects.length).toBeGreaterThan(1);
  });

  it('finds a seeded customer by email and shows their lifetime value, segments and messages', async () => {
    const population = generatePopulation({ customers: CUSTOMERS, seed: SEED, now: NOW });
    const buyer = population.customers.find((c) => c.orders.length >= 3 && c.signup.consent.email)!;
    await page.fill('#search', buyer.signup.email);
    await page.click('#search-form button');
    await page.waitForSelector('dl.profile');
    const field = (name: string) => page.textContent(`dl.profile dd[data-field="${name}"]`);
    expect(await field('email')).toBe(buyer.signup.email);
    expect(await field('name')).toBe(`${buyer.signup.firstName} ${buyer.signup.lastName}`);
    expect(await field('orders')).toMatch(new RegExp(`^${buyer.orders.length} · spend £`));
    expect(await field('predicted CLV (12 m)')).toMatch(/^£[\d,]+$/);
    expect(await field('lifecycle')).toMatch(/^(new|active|at_risk|lapsed)$/);
    // The message history from the ledger: at least the double opt-in email, sent.
    await page.waitForSelector('#messages tr[data-campaign]');
    const messages = await page.$$eval('#messages tr[data-campaign]', (rows) =>
      rows.map((r) => [r.getAttribute('data-campaign'), r.getAttribute('data-status')]),
    );
    expect(messages).toContainEqual(['confirmation', 'sent']);

    await page.fill('#search', 'nobody@example.com');
    await page.click('#search-form button');
    await page.waitForSelector('#profile p.note');
    expect(await page.textContent('#profile')).toBe('No customer nobody@example.com.');

    // Back to the seeded customer for the screenshot.
    await page.fill('#search', buyer.signup.email);
    await page.click('#search-form button');
    await page.waitForSelector('dl.profile');
    await mkdir('test-results', { recursive: true });
    // Chromium paints a sandboxed (cross-origin) iframe only once it has been on screen: show the
    // email preview once, so the full-page screenshot has it.
    await page.locator('#outbox li.email iframe').first().scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await page.screenshot({ path: 'test-results/dashboard.png', fullPage: true });
  });
});
