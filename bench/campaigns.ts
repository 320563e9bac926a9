import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../infra/config';
import { synthTemplates } from '../infra/synth';
import { dynamoDocumentClient } from '../lib/adapters/aws/clients';
import { HmacLinkSigner } from '../lib/adapters/crypto/hmac-link-signer';
import { CapacityTally } from '../lib/adapters/dynamodb/capacity';
import { DynamoCampaignStatsReader } from '../lib/adapters/dynamodb/dynamo-campaign-stats-reader';
import { DynamoCampaignStatsStore } from '../lib/adapters/dynamodb/dynamo-campaign-stats-store';
import { DynamoConsentStore } from '../lib/adapters/dynamodb/dynamo-consent-store';
import { DynamoCustomerRepository } from '../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoDeliveryLedger } from '../lib/adapters/dynamodb/dynamo-delivery-ledger';
import { DynamoDueCustomers } from '../lib/adapters/dynamodb/dynamo-due-customers';
import { DynamoSmsNumberDays } from '../lib/adapters/dynamodb/dynamo-sms-number-days';
import { SesEmailSender } from '../lib/adapters/ses/ses-email-sender';
import { addDays } from '../lib/domain/calendar';
import type { Delivery, DeliveryStatus, SendRequest } from '../lib/domain/campaigns/delivery';
import { lastOrderIndexKeys } from '../lib/domain/campaigns/last-order-keys';
import type { Customer } from '../lib/domain/customer';
import { MEASUREMENT_GROUPS, statsKeys } from '../lib/domain/measurement/campaign-stats';
import { DEFAULT_REPORT_SETTINGS, daysBetween, resolvePeriod } from '../lib/domain/measurement/report';
import { birthdayIndexKeys } from '../lib/domain/occasion-keys';
import { localDate, offsetAtLocalNoon } from '../lib/domain/zoned-time';
import { startDynamoLocal } from '../lib/local/dynamo-local';
import { startSesLocal } from '../lib/local/ses-local';
import { buildLocalModel, ensureTables } from '../lib/local/template';
import { attributeOrder } from '../lib/use-cases/attribute-order';
import { planCampaigns } from '../lib/use-cases/plan-campaigns';
import { recordFunnel } from '../lib/use-cases/record-funnel';
import { sendMessage } from '../lib/use-cases/send-message';
import { capacityRows, option, recordUnits } from './support';

/**
 * `npm run bench -- campaigns [--sizes 10000,100000] [--concurrency 5]`: for each size, that many
 * customers are written straight into a fresh Customers table on DynamoDB Local (BatchWriteItem,
 * index keys included, no HTTP and no streams), then ONE planner hour runs for one send window
 * (09:00–11:00 local; 08:00 UTC, when London, Lisbon and Lagos are at 09:00 and Paris and Berlin at
 * 10:00) with the real DynamoDB adapters, and the queued messages go through the real sender use
 * case into the SES v2 emulator with `--concurrency` senders (the sender Lambda's reserved
 * concurrency). Prints the due count, the capacity units the planner and the sender consumed
 * (total and per due person: flat across sizes = cost follows the people due, not the table),
 * messages queued per second by the planner (the send queue is an in-memory stand-in here) and
 * messages sent per second into the emulator.
 *
 * The population: birthdays uniform over the year; 8 zones (5 of them in the window at that hour);
 * 30% with an expected next order in the next 30 days, 30% with a last order in the last 30 days
 * (the survey 7 days after); email 85% confirmed, 5% unsubscribed, 10% pending; no phone numbers.
 */

const AT = new Date('2026-06-15T08:00:00.000Z');
const ZONES = [
  'Europe/London',
  'Europe/Paris',
  'Europe/Lisbon',
  'Africa/Lagos',
  'Europe/Berlin',
  'Asia/Kolkata',
  'America/New_York',
  'Pacific/Auckland',
];
const BATCH = 25;

/** A deterministic pseudo-random number in [0, 1) for customer i and a salt. */
const rand = (i: number, salt: number): number => {
  let h = (i * 2654435761 + salt * 40503) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return (h >>> 0) / 2 ** 32;
};

function customerItem(i: number): Record<string, unknown> {
  const timeZone = ZONES[i % ZONES.length] as string;
  const day = Math.floor(rand(i, 1) * 365);
  const birthday = addDays('1990-01-01', day);
  const consentRoll = rand(i, 2);
  const status = consentRoll < 0.85 ? 'confirmed' : consentRoll < 0.9 ? 'unsubscribed' : 'pending';
  const base: Customer = {
    customerId: `bench_${String(i).padStart(7, '0')}`,
    firstName: `Customer ${i}`,
    email: `customer${i}@bench.example`,
    birthday,
    timeZone,
    locale: 'en-GB',
    interests: [],
    consent: {
      email: { status, updatedAt: '2026-01-01T00:00:00.000Z', source: 'bench' },
      sms: { status: 'none', updatedAt: '2026-01-01T00:00:00.000Z', source: 'bench' },
    },
    source: 'bench',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
  };
  const item: Record<string, unknown> = { ...base, ...birthdayIndexKeys(base, AT) };
  const today = localDate(AT, timeZone) as string;
  if (rand(i, 3) < 0.3) {
    const date = addDays(today, Math.floor(rand(i, 4) * 30));
    item.nextOrderKey = date;
    item.nextOrderOffset = offsetAtLocalNoon(date, timeZone);
  }
  if (rand(i, 5) < 0.3) {
    const lastOrderAt = new Date(AT.getTime() - Math.floor(rand(i, 6) * 30) * 86_400_000).toISOString();
    const metrics = {
      orderCount: 1,
      repeatOrderCount: 0,
      totalSpend: 30,
      averageOrderValue: 30,
      firstOrderAt: lastOrderAt,
      lastOrderAt,
      meanInterPurchaseDays: null,
      medianInterPurchaseDays: null,
      categories: {},
      ltvInputs: null,
    };
    Object.assign(item, { metrics }, lastOrderIndexKeys({ metrics, timeZone }));
  }
  return item;
}

async function writeCustomers(db: DynamoDBDocumentClient, table: string, count: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const from = next;
      next += BATCH;
      let pending = Array.from({ length: Math.min(BATCH, count - from) }, (_, k) => ({
        PutRequest: { Item: customerItem(from + k) },
      }));
      while (pending.length > 0) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return (performance.now() - started) / 1000;
}

export async function run(args: string[]): Promise<void> {
  const arg = (name: string, fallback: string) => option(args, name, fallback);
  const sizes = arg('sizes', '10000,100000').split(',').map(Number);
  const concurrency = Number(arg('concurrency', '5'));
  const print = console.log.bind(console);
  const { campaigns, campaignSettings } = loadConfig(() => undefined, '/nonexistent');
  const model = buildLocalModel(synthTemplates());

  const dynamo = await startDynamoLocal();
  const ses = await startSesLocal({ port: 0 });
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'local', credentials });
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const localEnv = {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
  };
  const sesClient = new SESv2Client({ endpoint: ses.endpoint, region: 'local', credentials });
  try {
    print(
      `campaigns benchmark: one planner hour (${AT.toISOString()}, window 09:00–11:00 local), DynamoDB Local, SES v2 emulator, ${concurrency} senders`,
    );
    for (const size of sizes) {
      const tables = await ensureTables(client, model, `c${size}_`);
      const name = (base: string) =>
        [...tables.values()].find((t) => t.name.endsWith(`_${base}`))?.name as string;
      const customersTable = name('Customers');
      const deliveriesTable = name('Deliveries');
      const writeSeconds = await writeCustomers(db, customersTable, size);

      const plannerTally = new CapacityTally((table) => table.replace(/^c\d+_/, ''));
      const plannerDb = dynamoDocumentClient(localEnv, plannerTally);
      const queued: SendRequest[] = [];
      const deps = {
        due: new DynamoDueCustomers(plannerDb, customersTable),
        customers: new DynamoCustomerRepository(plannerDb, { customers: customersTable }),
        ledger: new DynamoDeliveryLedger(plannerDb, deliveriesTable),
        queue: { enqueue: async (requests: readonly SendRequest[]) => void queued.push(...requests) },
        clock: { now: () => AT },
        campaigns,
        settings: campaignSettings,
      };
      const t0 = performance.now();
      const summary = await planCampaigns(deps, AT);
      const planSeconds = (performance.now() - t0) / 1000;

      const senderTally = new CapacityTally((table) => table.replace(/^c\d+_/, ''));
      const senderDb = dynamoDocumentClient(localEnv, senderTally);
      const senderDeps = {
        customers: new DynamoCustomerRepository(senderDb, { customers: customersTable }),
        ledger: new DynamoDeliveryLedger(senderDb, deliveriesTable),
        email: new SesEmailSender(sesClient, {
          from: 'hello@example.com',
          configurationSet: 'precis-campaigns',
        }),
        sms: {
          send: async () => {
            throw new Error('the bench population has no phone numbers');
          },
          isOptedOut: async () => false,
        },
        links: new HmacLinkSigner('bench-link-signing-key'),
        queue: { enqueue: async () => {} },
        consent: new DynamoConsentStore(senderDb, { customers: customersTable }),
        numbers: new DynamoSmsNumberDays(senderDb, name('Identities')),
        clock: { now: () => AT },
        campaigns,
        settings: { ...campaignSettings, publicBaseUrl: 'http://localhost:3000' },
      };
      const outcomes = new Map<string, number>();
      let next = 0;
      const t1 = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < queued.length) {
            const outcome = await sendMessage(senderDeps, queued[next++] as SendRequest);
            outcomes.set(outcome.status, (outcomes.get(outcome.status) ?? 0) + 1);
          }
        }),
      );
      const sendSeconds = (performance.now() - t1) / 1000;

      print('');
      print(
        `${size.toLocaleString('en')} customers (written in ${writeSeconds.toFixed(1)} s, not measured below)`,
      );
      print(
        `  planner: due ${summary.due}, queued ${summary.queued}, held out ${summary.heldOut}, skipped ${JSON.stringify(summary.skipped)}`,
      );
      print(
        `  planner: ${planSeconds.toFixed(2)} s, ${(summary.queued / planSeconds).toFixed(0)} messages queued/s`,
      );
      const planTotal = plannerTally.total();
      print(
        `  planner capacity: read ${planTotal.read.toFixed(1)}, write ${planTotal.write.toFixed(1)} units in all; per due person:`,
      );
      for (const row of capacityRows(plannerTally, Math.max(1, summary.due))) print(row);
      print(
        `  sender: ${queued.length} messages in ${sendSeconds.toFixed(2)} s = ${(queued.length / sendSeconds).toFixed(0)} messages/s into the SES emulator ${JSON.stringify(Object.fromEntries(outcomes))}`,
      );
      print('  sender capacity per message:');
      for (const row of capacityRows(senderTally, Math.max(1, queued.length))) print(row);
      // The largest size's figures are what the capacity model prices (sizes run smallest first).
      const command = `npm run bench -- campaigns --sizes ${sizes.join(',')}`;
      recordUnits('plannedPerson', plannerTally, Math.max(1, summary.due), { command });
      recordUnits('message', senderTally, Math.max(1, queued.length), { command });
      // Send bookkeeping stays off the profile: writes to the Customers table (and its indexes) per
      // message sent, planner and sender together (issue 13: 0).
      const sentCount = outcomes.get('sent') ?? 0;
      const customerWrites = [plannerTally, senderTally]
        .flatMap((tally) => [...tally.byTarget.entries()])
        .filter(([target]) => target === 'Customers' || target.startsWith('Customers/'))
        .reduce((sum, [, units]) => sum + units.write, 0);
      print(
        `  Customer writes per message sent (planner + sender): ${(customerWrites / Math.max(1, sentCount)).toFixed(2)} units (${customerWrites} over ${sentCount} sent)`,
      );
    }
    await reportReadCapacity(client, model, localEnv, print);
    await measurementWriteCapacity(client, model, localEnv, print);
  } finally {
    client.destroy();
    sesClient.destroy();
    await ses.stop();
    await dynamo.stop();
  }
}

/**
 * Capacity units per campaign report read: a campaign with a year of day rows (both groups, every
 * counter set, SMS in three countries), read through the real reader as GET /campaigns/{id}/report
 * does. The rows are per campaign and day, so the figure is the same at 10^3 or 10^7 customers.
 */
async function reportReadCapacity(
  client: DynamoDBClient,
  model: ReturnType<typeof buildLocalModel>,
  localEnv: Record<string, string>,
  print: (line: string) => void,
): Promise<void> {
  const tables = await ensureTables(client, model, 'r_');
  const table = [...tables.values()].find((t) => t.name.endsWith('_CampaignStats'))?.name as string;
  const db = DynamoDBDocumentClient.from(client);
  const counters = (audience: number) => ({
    audience,
    skipped: Math.round(audience * 0.02),
    failed: Math.round(audience * 0.001),
    sent: Math.round(audience * 0.97),
    delivered: Math.round(audience * 0.95),
    bounced: Math.round(audience * 0.02),
    complained: 1,
    opened: Math.round(audience * 0.4),
    clicked: Math.round(audience * 0.08),
    unsubscribed: Math.round(audience * 0.003),
    sentEmail: Math.round(audience * 0.9),
    sentSmsByCountry: { GB: Math.round(audience * 0.05), IE: 12, US: 3 },
    conversions: Math.round(audience * 0.12),
    orders: Math.round(audience * 0.13),
    revenue: audience * 7.2345,
    revenueSquares: audience * 812.3456,
    audienceVip: Math.round(audience * 0.2),
    conversionsVip: Math.round(audience * 0.04),
    revenueVip: audience * 3.1234,
  });
  const days = daysBetween('2025-05-18', '2026-05-17');
  const items = [
    ...MEASUREMENT_GROUPS.map((group) => ({
      ...statsKeys.counters('birthday', 'all', group),
      ...counters(1_000_000),
    })),
    ...days.flatMap((day) =>
      MEASUREMENT_GROUPS.map((group) => ({
        ...statsKeys.counters('birthday', statsKeys.dayPeriod(day), group),
        ...counters(group === 'treated' ? 2_700 : 300),
      })),
    ),
  ];
  for (let i = 0; i < items.length; i += 25) {
    await db.send(
      new BatchWriteCommand({
        RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
  const tally = new CapacityTally();
  const reader = new DynamoCampaignStatsReader(dynamoDocumentClient(localEnv, tally), table);
  const measure = async (label: string, read: () => Promise<unknown>) => {
    tally.reset();
    await read();
    const { read: units, write } = tally.total();
    print(`  ${label.padEnd(44)} ${units.toFixed(1)} read units, ${write} write`);
  };
  const settings = DEFAULT_REPORT_SETTINGS;
  const all = resolvePeriod('all', '2026-05-17', settings);
  const week = resolvePeriod('week', '2026-05-14', settings);
  print('');
  print(
    `campaign report reads (a campaign with ${days.length} days of counters rows; eventually consistent):`,
  );
  await measure(`all time (all# rows + ${settings.seriesDays}-day series)`, () =>
    reader.rows('birthday', { allTime: true, days: { from: all.seriesFrom, to: all.seriesTo } }),
  );
  await measure('one ISO week (7 days × 2 groups)', () =>
    reader.rows('birthday', { allTime: false, days: { from: week.seriesFrom, to: week.seriesTo } }),
  );
  await measure('one day', () =>
    reader.rows('birthday', { allTime: false, days: { from: '2026-05-14', to: '2026-05-14' } }),
  );
  await measure('GET /campaigns (5 campaigns, one BatchGet)', () =>
    reader.allTime(['birthday', 'repurchase', 'welcome', 'win-back', 'survey']),
  );
}

/**
 * Capacity units of the measurement write path, through the real use cases and adapters (each
 * call's ConsumedCapacity, as the stream functions would consume it): per funnel stage counted
 * (a birthday email claimed → sent → delivered → opened → clicked, 1 in 10 held out), per attributed
 * order (the customer's ledger query, the delivery's marker read, one 4-item transaction), per
 * cancellation taken back, and per replayed record (nothing changes; the condition fails).
 */
async function measurementWriteCapacity(
  client: DynamoDBClient,
  model: ReturnType<typeof buildLocalModel>,
  localEnv: Record<string, string>,
  print: (line: string) => void,
): Promise<void> {
  const tables = await ensureTables(client, model, 'w_');
  const name = (base: string) =>
    [...tables.values()].find((t) => t.name.endsWith(`_${base}`))?.name as string;
  const tally = new CapacityTally((table) => table.replace(/^w_/, ''));
  const db = dynamoDocumentClient(localEnv, tally);
  const ledger = new DynamoDeliveryLedger(db, name('Deliveries'));
  const stats = new DynamoCampaignStatsStore(db, name('CampaignStats'));
  const { campaigns } = loadConfig(() => undefined, '/nonexistent');
  const funnelDeps = { stats, timeZone: 'Europe/London' };
  const customers = 500;
  const plannedAt = '2026-05-17T08:00:00.000Z';
  const row = (i: number, status: DeliveryStatus): Delivery => ({
    customerId: `cus_${i}`,
    deliveryKey: 'birthday#2026',
    campaignId: 'birthday',
    occasion: '2026',
    channel: 'email',
    status,
    plannedAt,
    claimedAt: plannedAt,
    updatedAt: plannedAt,
    valueTier: i % 5 === 0 ? 'vip' : 'standard',
  });
  // The ledger rows the attribution queries (written outside the tally).
  const rows = Array.from({ length: customers }, (_, i) => row(i, i % 10 === 0 ? 'held_out' : 'clicked'));
  for (let i = 0; i < rows.length; i += 25) {
    await DynamoDBDocumentClient.from(client).send(
      new BatchWriteCommand({
        RequestItems: {
          [name('Deliveries')]: rows.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
  const per = (label: string, count: number) => {
    const { read, write } = tally.total();
    print(
      `  ${label.padEnd(44)} ${(read / count).toFixed(2)} read, ${(write / count).toFixed(2)} write units (${count})`,
    );
    tally.reset();
  };
  print('');
  print(
    `measurement writes (${customers} birthday deliveries, 1 in 10 held out; transactions cost 2 units per item):`,
  );
  print(
    '  (DynamoDB Local reports a TransactWriteItems as 2 units whatever its size; AWS bills 2 per item ≤ 1 KB:\n' +
      '   3 items = 6 write units per funnel transaction, 4 items = 8 per attribution or take-back)',
  );
  tally.reset();
  let stages = 0;
  const history: DeliveryStatus[] = ['queued', 'unknown', 'sent', 'delivered', 'opened', 'clicked'];
  const records: { before?: Record<string, unknown>; after: Record<string, unknown> }[] = [];
  for (let i = 0; i < customers; i++) {
    const steps: DeliveryStatus[] = i % 10 === 0 ? ['held_out'] : history;
    steps.forEach((status, k) => {
      const previous = steps[k - 1];
      records.push({ ...(previous && { before: row(i, previous) }), after: row(i, status) });
    });
  }
  for (const record of records) {
    const outcome = await recordFunnel(funnelDeps, record);
    if (outcome.status === 'counted') stages += outcome.stages.length;
  }
  per('per funnel stage counted', stages);
  for (const record of records) await recordFunnel(funnelDeps, record);
  per('per replayed Deliveries record (nothing counted)', records.length);

  const attributionDeps = { ledger, stats, campaigns, timeZone: 'Europe/London' };
  const orders = rows.map((r, i) => ({
    customerId: r.customerId,
    orderId: `bench-${i}`,
    orderedAt: '2026-05-19T12:00:00.000Z',
    reportingAmount: 20 + (i % 7) * 5.25,
    status: 'placed',
  }));
  let attributed = 0;
  for (const order of orders) {
    const outcome = await attributeOrder(attributionDeps, { after: order, at: new Date() });
    if (outcome.status === 'attributed') attributed++;
  }
  per('per attributed order', attributed);
  for (const order of orders) await attributeOrder(attributionDeps, { after: order, at: new Date() });
  per('per replayed Orders record (nothing counted)', orders.length);
  const cancelled = orders.filter((_, i) => i % 10 === 3);
  for (const order of cancelled) {
    await attributeOrder(attributionDeps, {
      before: order,
      after: { ...order, status: 'cancelled', cancelledAt: '2026-05-20T00:00:00.000Z' },
      at: new Date(),
    });
  }
  per('per cancellation taken back', cancelled.length);
}
