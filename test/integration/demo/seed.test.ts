import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthTemplates } from '../../../infra/synth';
import { generatePopulation } from '../../../lib/demo/population';
import { type SeedResult, seedDemo } from '../../../lib/demo/seed';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime, uniquePrefix } from '../../support/runtime';

// The demo seed on the local runtime (real templates): the bulk load keeps the API's invariants —
// seeding again stores nothing twice, by bulk or through the API — and today's birthdays get one
// real email each, once.

const CUSTOMERS = 60;
const SEED = 7;
const NOW = new Date();
const population = generatePopulation({ customers: CUSTOMERS, seed: SEED, now: NOW });

let runtime: TestRuntime;
let first: SeedResult;
// Kept so a second runtime can be started on the same tables (a restarted `npm start`).
const tablePrefix = uniquePrefix();

const seed = (bulk: boolean, now = NOW) =>
  seedDemo({
    url: runtime.url,
    adminKey: TEST_ADMIN_KEY,
    customers: CUSTOMERS,
    seed: SEED,
    now,
    bulk,
    timeoutMs: 600_000,
  });

beforeAll(async () => {
  runtime = await startTestRuntime(synthTemplates(), { batchingWindowCapMs: 0, tablePrefix });
  first = await seed(true);
});

afterAll(async () => {
  await runtime?.stop();
});

describe('precis seed --demo on the local runtime', () => {
  it('loads in bulk, and every buyer ends up with metrics, scores and segments from the pipeline', async () => {
    expect(first).toMatchObject({
      loadedBy: 'bulk',
      customers: CUSTOMERS,
      orders: population.orders,
      surveys: population.surveys,
      duplicates: 0,
      modelVersion: expect.any(Number),
    });
    const buyer = population.customers.find((c) => c.orders.length >= 2)!;
    const response = await fetch(
      `${runtime.url}/customers?${new URLSearchParams({ email: buyer.signup.email })}`,
      {
        headers: { 'x-api-key': TEST_ADMIN_KEY },
      },
    );
    const view = (await response.json()) as {
      metrics: { orderCount: number };
      ltv: { modelVersion: number };
      segments: { lifecycle: string };
      messages: { campaignId: string }[];
    };
    expect(view.metrics.orderCount).toBe(buyer.orders.length);
    expect(view.ltv.modelVersion).toBe(first.modelVersion);
    expect(view.segments.lifecycle).toMatch(/^(new|active|at_risk|lapsed)$/);
    if (buyer.signup.consent.email) expect(view.messages.map((m) => m.campaignId)).toContain('confirmation');
  });

  it("sends today's birthday people their email through the campaign path", async () => {
    expect(population.birthdaysToday).toBeGreaterThan(0);
    expect(first.birthdayEmails).toBeGreaterThan(0);
    expect(first.birthdayEmails).toBeLessThanOrEqual(population.birthdaysToday);
    const store = (await (await fetch(`${runtime.sesEndpoint}/store`)).json()) as {
      emails: { subject: string; destination: { to: string[] } }[];
    };
    const birthdays = store.emails.filter(
      (e) =>
        e.subject.startsWith('Happy birthday') &&
        population.customers.some((c) => c.signup.email === e.destination.to[0]),
    );
    expect(birthdays.length).toBeGreaterThanOrEqual(first.birthdayEmails);
  });

  it('stores nothing twice when seeded again, in bulk or through the API', async () => {
    const everything = CUSTOMERS + population.orders + population.surveys;
    const again = await seed(true);
    expect(again).toMatchObject({ loadedBy: 'bulk', duplicates: everything, birthdayEmails: 0 });
    const viaApi = await seed(false);
    expect(viaApi).toMatchObject({
      loadedBy: 'api',
      duplicates: population.orders + population.surveys,
      birthdayEmails: 0,
    });
  });

  it('run again the next day, through the API, fails on nothing it stored and stores nothing twice', async () => {
    const nextDay = new Date(NOW.getTime() + 26 * 3_600_000);
    const later = await seed(false, nextDay);
    expect(later).toMatchObject({
      loadedBy: 'api',
      customers: CUSTOMERS,
      orders: population.orders,
      surveys: population.surveys,
      duplicates: population.orders + population.surveys,
    });
  });

  it('run again after a restart (the same tables, an empty outbox) fails on nothing and stores nothing twice', async () => {
    await runtime.stop();
    // A new runtime on the same tables with its own SES emulator (an empty outbox), as after
    // stopping and starting `npm start` with a data folder.
    runtime = await startTestRuntime(synthTemplates(), {
      batchingWindowCapMs: 0,
      tablePrefix,
      sesPort: 0,
      sesEndpoint: '', // none given: the runtime starts its own
    });
    const everything = CUSTOMERS + population.orders + population.surveys;
    const again = await seed(true);
    expect(again).toMatchObject({ loadedBy: 'bulk', duplicates: everything, birthdayEmails: 0 });
    expect(again.birthdaysToday).toBe(population.birthdaysToday);
  });
});
