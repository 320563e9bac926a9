import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { synthTemplates } from '../../../infra/synth';
import { addDays } from '../../../lib/domain/calendar';
import { instantOf, localDate, localParts, offsetAt } from '../../../lib/domain/zoned-time';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';
import { readLedger } from '../../support/tables';

// A birthday today gets exactly one email, inside the 09:00–11:00 local send window, in 24 zones:
// whole, half- and quarter-hour offsets, +14 to −11, and on daylight-saving change days (the
// index stores the offset at local noon of the occasion). End to end on the local runtime: signups
// over HTTP → the Customers stream derives birthdayKey/birthdayOffset → one planner pass per UTC
// hour through POST /planner/runs (what `precis planner --at` calls), from an hour before the first
// zone's window opens to an hour after the last one's closes → ledger → sender → SES emulator.
// The expected hour of each email is computed here, hour by hour from the zone's wall clock.

const SUITE = `tz${Date.now().toString(36)}`;
const config = loadConfig(() => undefined, '/nonexistent');
const campaigns = config.campaigns
  .filter((c) => c.id === 'birthday')
  .map((c) => ({ ...c, holdoutPercent: 0 }));

const ZONES = [
  'Pacific/Kiritimati', // +14
  'Pacific/Chatham', // +13:45 / +12:45, DST changes (early April)
  'Pacific/Auckland', // +13 / +12, DST changes (early April)
  'Australia/Lord_Howe', // +11 / +10:30: a half-hour DST change (early April)
  'Australia/Sydney', // +11 / +10, DST changes (early April)
  'Australia/Adelaide', // +10:30 / +9:30, DST changes (early April)
  'Australia/Darwin', // +9:30
  'Asia/Tokyo', // +9
  'Australia/Eucla', // +8:45
  'Asia/Kathmandu', // +5:45
  'Asia/Kolkata', // +5:30
  'Asia/Kabul', // +4:30
  'Asia/Tehran', // +3:30
  'Europe/Berlin', // +1 / +2, DST changes (late March)
  'Europe/London', // 0 / +1, DST changes (late March)
  'Atlantic/Azores', // −1 / 0, DST changes (late March)
  'America/Sao_Paulo', // −3
  'America/St_Johns', // −2:30 / −3:30, DST changes (early November)
  'America/New_York', // −4 / −5, DST changes (early November)
  'America/Denver', // −6 / −7, DST changes (early November)
  'America/Los_Angeles', // −7 / −8, DST changes (early November)
  'Pacific/Marquesas', // −9:30
  'Pacific/Honolulu', // −10
  'Pacific/Pago_Pago', // −11
] as const;

/**
 * The next daylight-saving change day (after tomorrow, in every zone) in Europe, New Zealand and
 * Australia, and North America; every zone has a birthday on each. They lie ahead because the index
 * holds the offset of the *next* celebration (re-derived as birthdays pass), so the simulated days
 * must be the ones the keys were derived for.
 */
function nextChangeDay(zone: string): string {
  const offsetOn = (day: string, time: string) => offsetAt(instantOf(`${day}T${time}`, zone) as number, zone);
  let day = addDays(localDate(Date.now(), zone) as string, 2);
  while (offsetOn(day, '00:00') === offsetOn(day, '23:59:59')) day = addDays(day, 1);
  return day;
}
const DAYS = ['Europe/London', 'Pacific/Auckland', 'America/New_York'].map(nextChangeDay);
const WINDOW = { start: 9 * 60, end: 11 * 60 };
const HOUR = 3_600_000;

interface Person {
  name: string;
  zone: string;
  day: string;
  customerId?: string;
}
const people: Person[] = DAYS.flatMap((day) =>
  ZONES.map((zone, i) => ({ name: `p${day.replaceAll('-', '')}z${i}`, zone, day })),
);
const address = (p: Person) => `${p.name}.${SUITE}@example.com`;

let runtime: TestRuntime;
let dynamo: DynamoDBClient;

async function signup(p: Person): Promise<void> {
  // Email consent is confirmed straight on the item below (the double opt-in is lifecycle.test.ts's).
  const response = await fetch(`${runtime.url}/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      firstName: p.name,
      email: address(p),
      birthday: `1990-${p.day.slice(5)}`,
      timeZone: p.zone,
      consent: { email: false, sms: false },
    }),
  });
  expect(response.status).toBe(202);
  const found = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(address(p))}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  p.customerId = ((await found.json()) as { customerId: string }).customerId;
  await dynamo.send(
    new UpdateItemCommand({
      TableName: runtime.tableNames.Customers!,
      Key: { customerId: { S: p.customerId } },
      UpdateExpression: 'SET consent.email = :confirmed',
      ExpressionAttributeValues: marshall({
        ':confirmed': { status: 'confirmed', updatedAt: '2026-01-01T00:00:00.000Z', source: 'test' },
      }),
    }),
  );
}

async function planner(at: Date): Promise<{ due: number; queued: number; pending: number }> {
  const response = await fetch(`${runtime.url}/planner/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_ADMIN_KEY },
    body: JSON.stringify({ at: at.toISOString() }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as never;
}

/** The first whole UTC hour at which the person's local clock is in the window on their birthday. */
function expectedHour(p: Person, from: number, to: number): number | undefined {
  for (let t = from; t <= to; t += HOUR) {
    const local = localParts(t, p.zone)!;
    const minutes = local.hour * 60 + local.minute;
    if (localDate(t, p.zone) === p.day && minutes >= WINDOW.start && minutes < WINDOW.end) return t;
  }
  return undefined;
}

beforeAll(async () => {
  runtime = await startTestRuntime(synthTemplates({ campaigns }), { batchingWindowCapMs: 0 });
  dynamo = new DynamoDBClient({
    endpoint: runtime.dynamoEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  for (let i = 0; i < people.length; i += 8) await Promise.all(people.slice(i, i + 8).map(signup));
  await runtime.settled();
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

describe.each(DAYS)('birthdays on %s in 24 zones', (day) => {
  const today = people.filter((p) => p.day === day);
  // +14:00 opens the window at 19:00 UTC the day before; −11:00 closes it at 22:00 UTC on the day.
  const from = Date.parse(`${day}T00:00:00Z`) - 6 * HOUR;
  const to = Date.parse(`${day}T23:00:00Z`);

  it('one planner pass per UTC hour sends each person exactly one email, at the first pass inside their local window', async () => {
    const queuedAt = new Map<number, number>();
    for (let t = from; t <= to; t += HOUR) {
      const run = await planner(new Date(t));
      expect(run.pending).toBe(0);
      if (run.queued > 0) queuedAt.set(t, run.queued);
    }
    // Every pass queued exactly the people whose window it was the first to fall in, and nobody else.
    const expected = new Map<number, number>();
    for (const p of today) {
      const hour = expectedHour(p, from, to);
      expect(hour, `${p.zone} has a pass inside its window`).toBeDefined();
      expected.set(hour!, (expected.get(hour!) ?? 0) + 1);
    }
    expect(Object.fromEntries(queuedAt)).toEqual(Object.fromEntries(expected));

    const store = (await (await fetch(`${runtime.sesEndpoint}/store`)).json()) as {
      emails: { subject: string; destination: { to: string[] } }[];
    };
    for (const p of today) {
      const mail = store.emails.filter((e) => e.destination.to.includes(address(p)));
      expect(
        mail.map((m) => m.subject),
        p.zone,
      ).toEqual([`Happy birthday, ${p.name}!`]);
      const rows = await readLedger(dynamo, runtime.tableNames.Deliveries!, p.customerId!);
      expect(rows, p.zone).toEqual([
        expect.objectContaining({ deliveryKey: `birthday#${day.slice(0, 4)}`, status: 'sent' }),
      ]);
      // The pass that claimed it ran at a local time inside the window, on the birthday.
      const plannedAt = Date.parse(String(rows[0]!.plannedAt));
      const local = localParts(plannedAt, p.zone)!;
      expect(localDate(plannedAt, p.zone), p.zone).toBe(day);
      expect(local.hour * 60 + local.minute, p.zone).toBeGreaterThanOrEqual(WINDOW.start);
      expect(local.hour * 60 + local.minute, p.zone).toBeLessThan(WINDOW.end);
      expect(Date.parse(String(rows[0]!.plannedAt)), p.zone).toBe(expectedHour(p, from, to));
    }
  });
});

it('nobody is due on the days around the birthdays (the day before and after each, every hour)', async () => {
  for (const day of DAYS) {
    for (const shift of [-2, 2]) {
      const base = Date.parse(`${day}T00:00:00Z`) + shift * 24 * HOUR;
      for (let t = base; t < base + 24 * HOUR; t += 3 * HOUR) {
        expect((await planner(new Date(t))).due).toBe(0);
      }
    }
  }
});
