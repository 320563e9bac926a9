import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BatchWriteCommand, DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { synthTemplates } from '../../../infra/synth';
import { inHoldout } from '../../../lib/domain/campaigns/eligibility';
import type { Customer } from '../../../lib/domain/customer';
import { type CampaignReport, Z95 } from '../../../lib/domain/measurement/report';
import { roundMoney } from '../../../lib/domain/money';
import { type SesLocal, startSesLocal } from '../../../lib/local/ses-local';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';
import { deliverBatch, streamRecords } from '../../support/streams';

// Campaign measurement end to end, on the local runtime wired from the synthesized templates, with
// a simulated population whose true effect is known:
//
//   1,200 customers whose birthday is 17 May 2026 (written 25 per BatchWriteItem; the Customers
//   stream derives their birthday index keys) → the real planner (the hourly schedule's pass)
//   claims every ledger row, the deterministic holdout hash putting ~10% in the control group →
//   the sender emails the rest → the Deliveries stream counts the funnel → orders drawn from a
//   seeded generator (treated members buy at 18%, the holdout at 6%, inside the 7-day attribution
//   window; some others buy on day 8 or before the birthday) come in through POST /orders, some
//   are then cancelled (OrderCancelled on the app's bus) → the Orders stream attributes and takes
//   back → GET /campaigns/birthday/report.
//
// Every order is known, so the report's counts must match exactly; the 95% interval must hold the
// true uplift (with this seed: the design, ~1,080 treated against ~120 held out, has ~99.6% power
// and 95% coverage). Then every record of the Deliveries and Orders streams is replayed
// into the two measurement consumers: the report does not move.
//
// Size: DynamoDB Local runs transactions one at a time (tens of ms each on a busy machine), and every
// member costs two (audience, sent), so the population is the smallest whose holdout clears the
// report's minimum group size (100) with an effect the test can detect.
//
// Customer ids are fixed (the tables are this suite's own), so the holdout draw is the same on every
// run and so is the whole test. The suite has its own SES emulator: a thousand emails in the run's
// shared one would push other suites' messages out of their outbox reads.

const config = loadConfig(() => undefined, '/nonexistent');
const birthday = config.campaigns.find((c) => c.id === 'birthday');
if (!birthday) throw new Error('no birthday campaign in the default config');
const campaigns = [{ ...birthday, holdoutPercent: 10, attributionDays: 7 }];

const SUITE = `me${Date.now().toString(36)}`;
const POPULATION = 1200;
const SEED = 20260517;
/** 09:00 in London on the birthday (BST): the opening of the campaign's send window. */
const PLANNED = '2026-05-17T08:00:00.000Z';
const PLANNED_MS = Date.parse(PLANNED);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WINDOW_MS = 7 * DAY;

/** The simulated truth: the chance a member buys inside the window, per group. */
const BUY_RATE = { treated: 0.18, holdout: 0.06 } as const;
const SECOND_ORDER_RATE = 0.25;
/** A buyer's first order is cancelled with this chance (a one-order buyer then did not convert). */
const CANCEL_RATE = 0.1;
/** A non-buyer orders outside the window (day 8–9, or in the 3 days before the birthday). */
const OUTSIDE_RATE = 0.06;
/**
 * The true uplift in the measured conversion rate: a member converts when they buy and their
 * purchase is not wholly cancelled (a one-order buyer whose order is cancelled: 0.75 × 0.1).
 */
const KEPT = 1 - (1 - SECOND_ORDER_RATE) * CANCEL_RATE;
const TRUE_UPLIFT = (BUY_RATE.treated - BUY_RATE.holdout) * KEPT;

type Group = 'treated' | 'holdout';

interface SimOrder {
  orderId: string;
  customerId: string;
  orderedAt: string;
  cents: number;
  inWindow: boolean;
  cancelled: boolean;
}

/** What the simulation put in, per group: the numbers the report must show. */
interface Expected {
  audience: number;
  conversions: number;
  orders: number;
  cents: number;
  /** Attributed revenue per member (all members, zeros included), in cents. */
  perMember: number[];
}

let runtime: TestRuntime;
let ses: SesLocal;
let db: DynamoDBDocumentClient;
const groupOf = new Map<string, Group>();
const ledgerStatus = new Map<string, string>();
const orders: SimOrder[] = [];
const expected: Record<Group, Expected> = {
  treated: { audience: 0, conversions: 0, orders: 0, cents: 0, perMember: [] },
  holdout: { audience: 0, conversions: 0, orders: 0, cents: 0, perMember: [] },
};

const local = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const customerId = (i: number) => `cus_me_${String(i).padStart(5, '0')}`;

/** mulberry32: a small seeded generator, uniform on [0, 1). */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function person(i: number): Customer {
  const at = '2026-01-02T10:00:00.000Z';
  return {
    customerId: customerId(i),
    firstName: `Sim${i}`,
    email: `sim${i}.${SUITE}@example.com`,
    birthday: `19${60 + (i % 40)}-05-17`,
    timeZone: 'Europe/London',
    locale: 'en-GB',
    interests: [],
    consent: {
      email: { status: 'confirmed', updatedAt: at, source: 'test' },
      sms: { status: 'none', updatedAt: at, source: 'test' },
    },
    source: 'test',
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

/** Runs `work` over `items`, `limit` at a time. */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Puts OrderCancelled events on the app's bus (the shop's way to cancel), ten per call. */
async function cancel(details: { orderId: string; cancelledAt: string }[]): Promise<void> {
  const events = new EventBridgeClient({ endpoint: runtime.localAwsEndpoint, ...local });
  try {
    await inPool(chunks(details, 10), 1, async (batch) => {
      const out = await events.send(
        new PutEventsCommand({
          Entries: batch.map((detail) => ({
            EventBusName: 'precis',
            Source: 'shop.example',
            DetailType: 'OrderCancelled',
            Detail: JSON.stringify(detail),
          })),
        }),
      );
      expect(out.FailedEntryCount).toBe(0);
    });
  } finally {
    events.destroy();
  }
}

async function report(query = ''): Promise<CampaignReport> {
  const response = await fetch(`${runtime.url}/campaigns/birthday/report${query}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as CampaignReport;
}

/**
 * Draws every member's purchases from the seeded generator, in customer order, given the group the
 * planner put them in; records what the report must show.
 */
function simulate(): void {
  const random = generator(SEED);
  const cents = () => 1500 + Math.floor(random() * 10_500);
  let outside = 0;
  for (let i = 0; i < POPULATION; i++) {
    const id = customerId(i);
    const group = groupOf.get(id);
    if (!group) continue;
    const mine: SimOrder[] = [];
    const order = (offsetMs: number, inWindow: boolean) =>
      mine.push({
        orderId: `${SUITE}-${i}-${mine.length}`,
        customerId: id,
        orderedAt: new Date(PLANNED_MS + offsetMs).toISOString(),
        cents: cents(),
        inWindow,
        cancelled: false,
      });
    if (random() < BUY_RATE[group]) {
      const count = random() < SECOND_ORDER_RATE ? 2 : 1;
      // Whole seconds inside [plannedAt, plannedAt + 7 days).
      for (let k = 0; k < count; k++) order(Math.floor((random() * WINDOW_MS) / 1000) * 1000, true);
      if (random() < CANCEL_RATE) (mine[0] as SimOrder).cancelled = true;
    } else if (random() < OUTSIDE_RATE) {
      // The edges first: exactly 7 days after (the window is half-open) and a second before.
      const offset =
        outside === 0
          ? WINDOW_MS
          : outside === 1
            ? -1000
            : random() < 0.5
              ? WINDOW_MS + Math.floor(random() * 2 * DAY)
              : -Math.ceil(random() * 3 * DAY);
      order(offset, false);
      // Some are cancelled too: a cancellation of an order never attributed takes nothing out.
      if (random() < CANCEL_RATE) (mine[0] as SimOrder).cancelled = true;
      outside++;
    }
    const kept = mine.filter((o) => o.inWindow && !o.cancelled);
    const e = expected[group];
    e.audience++;
    e.conversions += kept.length > 0 ? 1 : 0;
    e.orders += kept.length;
    const spent = kept.reduce((sum, o) => sum + o.cents, 0);
    e.cents += spent;
    e.perMember.push(spent);
    orders.push(...mine);
  }
}

const money = (cents: number) => Math.round(cents) / 100;
const variance = (xs: readonly number[]) => {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
};

beforeAll(async () => {
  ses = await startSesLocal({ port: 0 });
  runtime = await startTestRuntime(synthTemplates({ campaigns }), {
    batchingWindowCapMs: 0,
    sesEndpoint: ses.endpoint,
    // Thousands of records: the handlers' info lines would cost more than the work.
    env: { POWERTOOLS_LOG_LEVEL: 'WARN' },
  });
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.dynamoEndpoint, ...local }));

  // The population, 25 profiles per BatchWriteItem; the Customers stream indexes their birthdays.
  const people = Array.from({ length: POPULATION }, (_, i) => person(i));
  await inPool(chunks(people, 25), 4, async (batch) => {
    let pending = batch.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await db.send(
        new BatchWriteCommand({ RequestItems: { [runtime.tableNames.Customers!]: pending } }),
      );
      pending = (out.UnprocessedItems?.[runtime.tableNames.Customers!] ?? []) as typeof pending;
    }
  });
  await runtime.settled();

  // The real planner claims the occasion for everyone: the hourly schedule's pass at 09:00 London
  // time (not POST /planner/runs: that answers within API Gateway's 29 s, and a thousand claims with
  // their stream work can take longer on a busy machine).
  // The runtime's shared clock at that hour while the pass runs and the sender sends, so the
  // send-time guard finds everyone inside their 09:00–11:00 window.
  runtime.clock.set(new Date(PLANNED));
  try {
    await runtime.scheduler.runScheduleNow('CampaignsPlannerSchedule', new Date(PLANNED));
    await runtime.settled();
  } finally {
    runtime.clock.reset();
  }

  // The ledger says who is in which group.
  for await (const page of paginateScan(
    { client: db },
    { TableName: runtime.tableNames.Deliveries!, ConsistentRead: true },
  )) {
    for (const row of page.Items ?? []) {
      if (row.campaignId !== 'birthday') continue;
      ledgerStatus.set(row.customerId as string, row.status as string);
      groupOf.set(row.customerId as string, row.status === 'held_out' ? 'holdout' : 'treated');
    }
  }

  simulate();
  // Through the shop's HTTP route, eight at a time.
  await inPool(orders, 8, async (o) => {
    const response = await fetch(`${runtime.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY },
      body: JSON.stringify({
        orderId: o.orderId,
        customer: { customerId: o.customerId },
        orderedAt: o.orderedAt,
        totalAmount: money(o.cents),
        currency: 'GBP',
        lineItems: [{ sku: 'CAKE-1', category: 'cake', quantity: 1, unitPrice: money(o.cents) }],
      }),
    });
    expect(response.status).toBe(202);
  });
  await runtime.settled();
  await cancel(
    orders
      .filter((o) => o.cancelled)
      .map((o) => ({ orderId: o.orderId, cancelledAt: '2026-05-26T10:00:00Z' })),
  );
  await runtime.settled();
});

afterAll(async () => {
  db?.destroy();
  await runtime?.stop();
  await ses?.stop();
});

describe('a birthday campaign measured on a simulated population with a known effect', () => {
  it('claims every member through the real planner, about 10% held out by the hash, and emails the rest', () => {
    expect(ledgerStatus.size).toBe(POPULATION);
    for (const [id, group] of groupOf) expect(group === 'holdout').toBe(inHoldout(id, 'birthday', 10));
    expect(expected.holdout.audience / POPULATION).toBeGreaterThan(0.08);
    expect(expected.holdout.audience / POPULATION).toBeLessThan(0.12);
    const statuses = new Set(
      [...ledgerStatus].filter(([id]) => groupOf.get(id) === 'treated').map(([, status]) => status),
    );
    expect(statuses).toEqual(new Set(['sent']));
    expect(runtime.failures()).toEqual([]);
  });

  it('reports each group’s audience as the ledger counts it, and the funnel and cost of the emails', async () => {
    const { groups, holdoutShare, cost } = await report();
    const ledger = { treated: 0, holdout: 0 };
    for (const group of groupOf.values()) ledger[group]++;
    expect(groups.treated.audience).toBe(ledger.treated);
    expect(groups.holdout.audience).toBe(ledger.holdout);
    expect(groups.treated).toMatchObject({ sent: ledger.treated, skipped: 0, failed: 0 });
    expect(groups.holdout).toMatchObject({ sent: 0, skipped: 0, failed: 0 });
    expect(holdoutShare).toBeCloseTo(ledger.holdout / POPULATION, 4);
    // SES at the default 0.10 per 1,000 emails; the holdout costs nothing.
    const email = roundMoney((ledger.treated / 1000) * 0.1);
    expect(email).toBeGreaterThan(0);
    expect(cost).toEqual({ email, sms: 0, total: email });
  });

  it('counts exactly the conversions, orders and revenue the simulation put in each group', async () => {
    const { groups } = await report();
    for (const group of ['treated', 'holdout'] as const) {
      const e = expected[group];
      expect(groups[group]).toMatchObject({
        conversions: e.conversions,
        orders: e.orders,
        revenue: money(e.cents),
      });
      expect(groups[group].conversionRate).toBeCloseTo(e.conversions / e.audience, 6);
      expect(groups[group].revenuePerRecipient).toBeCloseTo(e.cents / 100 / e.audience, 4);
    }
  });

  it('leaves out the orders outside the window and takes the cancelled ones back out', async () => {
    const { groups } = await report();
    const outside = orders.filter((o) => !o.inWindow);
    const cancelled = orders.filter((o) => o.inWindow && o.cancelled);
    // The population has both, at the edges too (exactly 7 days after, one second before).
    expect(outside.length).toBeGreaterThan(20);
    expect(outside.map((o) => o.orderedAt)).toEqual(
      expect.arrayContaining(['2026-05-24T08:00:00.000Z', '2026-05-17T07:59:59.000Z']),
    );
    expect(cancelled.length).toBeGreaterThan(10);
    expect(orders.some((o) => !o.inWindow && o.cancelled)).toBe(true);
    // Had either been counted, the totals would be off by them.
    const reported = groups.treated.orders + groups.holdout.orders;
    expect(reported).toBe(orders.length - outside.length - cancelled.length);
    const keptCents = orders.filter((o) => o.inWindow && !o.cancelled).reduce((s, o) => s + o.cents, 0);
    expect(groups.treated.revenue + groups.holdout.revenue).toBeCloseTo(money(keptCents), 2);
  });

  it('recovers the true uplift inside its 95% interval, with a positive verdict', async () => {
    const r = await report();
    const { conversionRate, revenuePerRecipient } = r.uplift;
    expect(r.verdict).toBe('positive');
    expect(conversionRate.verdict).toBe('positive');
    expect(conversionRate.low!).toBeLessThan(TRUE_UPLIFT);
    expect(conversionRate.high!).toBeGreaterThan(TRUE_UPLIFT);
    expect(conversionRate.low!).toBeGreaterThan(0);
    expect(conversionRate.pValue!).toBeLessThan(0.001);

    // The interval is the unpooled Wald interval of the exact counts.
    const t = expected.treated;
    const h = expected.holdout;
    const pt = t.conversions / t.audience;
    const ph = h.conversions / h.audience;
    const se = Math.sqrt((pt * (1 - pt)) / t.audience + (ph * (1 - ph)) / h.audience);
    expect(conversionRate.difference!).toBeCloseTo(pt - ph, 6);
    expect(conversionRate.low!).toBeCloseTo(pt - ph - Z95 * se, 6);
    expect(conversionRate.high!).toBeCloseTo(pt - ph + Z95 * se, 6);

    // Revenue per recipient: Welch's normal interval from the exact per-member revenue (so the
    // stream-kept Σrevenue² is exact too), and the incremental revenue it implies.
    const mt = t.cents / 100 / t.audience;
    const mh = h.cents / 100 / h.audience;
    const seRevenue = Math.sqrt(
      variance(t.perMember) / 10_000 / t.audience + variance(h.perMember) / 10_000 / h.audience,
    );
    expect(revenuePerRecipient.difference!).toBeCloseTo(mt - mh, 4);
    expect(revenuePerRecipient.low!).toBeCloseTo(mt - mh - Z95 * seRevenue, 3);
    expect(revenuePerRecipient.high!).toBeCloseTo(mt - mh + Z95 * seRevenue, 3);
    expect(revenuePerRecipient.verdict).toBe('positive');
    expect(r.incrementalRevenue.estimate!).toBeCloseTo((mt - mh) * t.audience, 1);
    expect(r.roi.estimate!).toBeGreaterThan(0);
  });

  it('shows the same numbers for the birthday’s day and ISO week as for all time', async () => {
    const all = await report();
    for (const query of ['?period=day&date=2026-05-17', '?period=week&date=2026-05-13']) {
      const part = await report(query);
      expect(part.groups).toEqual(all.groups);
      expect(part.uplift).toEqual(all.uplift);
    }
  });

  it('does not move when every Deliveries and Orders stream record is replayed', async () => {
    const before = await report();
    for (const [table, role, atLeast] of [
      ['Deliveries', 'delivery-stream', POPULATION + 2 * expected.treated.audience],
      ['Orders', 'attribution-stream', orders.length],
    ] as const) {
      const records = await streamRecords(runtime.dynamoEndpoint, runtime.tableNames[table]!);
      expect(records.length).toBeGreaterThanOrEqual(atLeast);
      const fn = [...runtime.functions.values()].find((f) => f.entry === `functions/${role}/handler.ts`);
      if (!fn) throw new Error(`no ${role} function in the templates`);
      // Once, in Lambda's batches of 100, four at a time (as if retried and redelivered at once);
      // test/integration/measurement/end-to-end.test.ts replays a smaller history three times.
      await inPool(chunks(records, 100), 4, async (batch) => {
        expect(await deliverBatch(fn, batch)).toEqual({
          batchItemFailures: [],
        });
      });
    }
    await runtime.settled();
    expect(await report()).toEqual(before);
  });
});
