import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { celebrationDate } from '../domain/calendar';
import type { BgNbdParams } from '../domain/ltv/bgnbd';
import type { GammaGammaParams } from '../domain/ltv/gamma-gamma';
import { Random, simulateCustomer } from '../domain/ltv/simulate';

// A synthetic, realistic customer population for demos and browser tests: signups with names,
// emails, birthdays spread over the year (a few due today and this week, in several time zones),
// consent mixes and interests; order histories drawn from the BG/NBD + Gamma-Gamma generative
// process (lib/domain/ltv/simulate.ts) with categories and SKUs; and a few satisfaction surveys.
//
// Pure and deterministic: the same options (customers, seed, now) give the same population,
// request bodies included, so seeding twice sends the same signups and the same order ids (the API
// answers the second time with `duplicate`, nothing is counted twice). Everything is shaped as the
// public API takes it (`POST /signups`, `POST /orders`, `POST /surveys`).

export interface DemoOptions {
  customers: number;
  seed: number;
  /** The instant the population is generated as of (orders end before it, birthdays are relative to it). */
  now: Date;
  /** Years of order history before `now` (default 2). */
  historyYears?: number;
}

export interface DemoSignup {
  firstName: string;
  lastName: string;
  email: string;
  phone?: string;
  birthday: string;
  timeZone: string;
  locale: string;
  interests: string[];
  consent: { email: boolean; sms: boolean };
  source: string;
}

export interface DemoOrder {
  orderId: string;
  customer: { email: string };
  orderedAt: string;
  totalAmount: number;
  currency: 'GBP';
  lineItems: { sku: string; category: string; quantity: number; unitPrice: number }[];
}

export interface DemoSurvey {
  customer: { email: string };
  score: number;
  orderId: string;
  answeredAt: string;
  surveyId: string;
}

export interface DemoCustomer {
  signup: DemoSignup;
  orders: DemoOrder[];
  surveys: DemoSurvey[];
  /** Orders sent for this customer (what the profile's `metrics.orderCount` shows once processed). */
  orderCount: number;
}

export interface DemoPopulation {
  customers: DemoCustomer[];
  orders: number;
  surveys: number;
  /** Customers whose birthday is today in their own time zone. */
  birthdaysToday: number;
  /** Customers whose birthday falls in the next 7 days (today included) in their own time zone. */
  birthdaysThisWeek: number;
}

/**
 * The generative parameters, in days: λ ~ Gamma(0.5, 110) (a typical customer buys about every
 * seven months while active), p ~ Beta(0.8, 3) (about one in five drops out after each purchase);
 * spend per order ~ Gamma(6, ν), ν ~ Gamma(4, 20): about £40 an order, with heavy spenders.
 */
export const DEMO_BGNBD: BgNbdParams = { r: 0.5, alpha: 110, a: 0.8, b: 3 };
export const DEMO_GAMMA_GAMMA: GammaGammaParams = { p: 6, q: 4, v: 20 };
/** Share of signups who never order (prospects). */
const PROSPECT_SHARE = 0.15;
/** Share of buyers who answer a satisfaction survey. */
const SURVEY_SHARE = 0.3;

const DAY_MS = 86_400_000;

interface Region {
  weight: number;
  timeZone: string;
  locale: string;
  first: readonly string[];
  last: readonly string[];
  /** A valid mobile number prefix (E.164) and how many digits follow it. */
  mobile: [prefix: string, digits: number];
}

const REGIONS: readonly Region[] = [
  {
    weight: 40,
    timeZone: 'Europe/London',
    locale: 'en-GB',
    first: ['Olivia', 'Amelia', 'Isla', 'Ava', 'Oliver', 'George', 'Harry', 'Noah', 'Freya', 'Arthur'],
    last: ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Evans', 'Thomas', 'Roberts'],
    mobile: ['+447911', 6],
  },
  {
    weight: 12,
    timeZone: 'Europe/Lisbon',
    locale: 'pt-PT',
    first: ['Ana', 'Beatriz', 'Mariana', 'Inês', 'João', 'Tiago', 'Rodrigo', 'Francisco', 'Leonor'],
    last: ['Silva', 'Santos', 'Ferreira', 'Pereira', 'Oliveira', 'Costa', 'Rodrigues', 'Martins'],
    mobile: ['+35191', 7],
  },
  {
    weight: 12,
    timeZone: 'Europe/Berlin',
    locale: 'de-DE',
    first: ['Emma', 'Mia', 'Hannah', 'Lena', 'Leon', 'Paul', 'Lukas', 'Felix', 'Jonas', 'Sophie'],
    last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker'],
    mobile: ['+4915112', 6],
  },
  {
    weight: 16,
    timeZone: 'America/New_York',
    locale: 'en-US',
    first: ['Emily', 'Madison', 'Abigail', 'Ethan', 'Mason', 'Logan', 'Chloe', 'Jacob', 'Aiden'],
    last: ['Johnson', 'Miller', 'Davis', 'Garcia', 'Rodriguez', 'Martinez', 'Anderson', 'Moore'],
    mobile: ['+1212', 7],
  },
  {
    weight: 8,
    timeZone: 'America/Los_Angeles',
    locale: 'en-US',
    first: ['Sofia', 'Camila', 'Luna', 'Mateo', 'Daniel', 'Elijah', 'Grace', 'Lucas', 'Zoe'],
    last: ['Lopez', 'Gonzalez', 'Hernandez', 'Nguyen', 'Kim', 'Lee', 'Clark', 'Lewis'],
    mobile: ['+1415', 7],
  },
  {
    weight: 6,
    timeZone: 'Asia/Tokyo',
    locale: 'ja-JP',
    first: ['Yui', 'Hina', 'Sakura', 'Haruto', 'Sota', 'Yuto', 'Riko', 'Ren', 'Aoi'],
    last: ['Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura'],
    mobile: ['+8190', 8],
  },
  {
    weight: 6,
    timeZone: 'Australia/Sydney',
    locale: 'en-AU',
    first: ['Charlotte', 'Matilda', 'Ruby', 'Jack', 'William', 'Henry', 'Mia', 'Hudson', 'Evie'],
    last: ['Smith', 'Kelly', 'Walker', 'Ryan', 'White', 'Harris', 'Martin', 'Young'],
    mobile: ['+61412', 6],
  },
];

export interface CatalogueItem {
  sku: string;
  category: string;
  unitPrice: number;
}

/** A small general shop: what the customers buy, by category (categories double as interests). */
export const DEMO_CATALOGUE: readonly CatalogueItem[] = [
  { sku: 'COF-ESP-1KG', category: 'coffee', unitPrice: 24 },
  { sku: 'COF-FLT-250', category: 'coffee', unitPrice: 9.5 },
  { sku: 'TEA-EARL-100', category: 'tea', unitPrice: 6.5 },
  { sku: 'TEA-SEN-50', category: 'tea', unitPrice: 11 },
  { sku: 'CAT-DRY-2KG', category: 'cat food', unitPrice: 18 },
  { sku: 'CAT-WET-12', category: 'cat food', unitPrice: 13.2 },
  { sku: 'DOG-DRY-5KG', category: 'dog food', unitPrice: 32 },
  { sku: 'SKN-SPF50', category: 'skincare', unitPrice: 14 },
  { sku: 'SKN-SERUM', category: 'skincare', unitPrice: 29 },
  { sku: 'RUN-SOCKS-3', category: 'running', unitPrice: 12 },
  { sku: 'RUN-SHOE', category: 'running', unitPrice: 95 },
  { sku: 'BK-COOK', category: 'books', unitPrice: 19.99 },
];
const CATEGORIES = [...new Set(DEMO_CATALOGUE.map((item) => item.category))];
const SOURCES = ['footer-form', 'checkout', 'popup', 'instore-tablet'] as const;

const pick = <T>(rng: Random, items: readonly T[]): T => items[Math.floor(rng.uniform() * items.length)]!;
const weighted = <T extends { weight: number }>(rng: Random, items: readonly T[]): T => {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let u = rng.uniform() * total;
  for (const item of items) {
    u -= item.weight;
    if (u <= 0) return item;
  }
  return items.at(-1)!;
};
const cents = (value: number): number => Math.round(value * 100) / 100;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const ascii = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** The calendar date (month, day) in a time zone at an instant. */
const formatters = new Map<string, Intl.DateTimeFormat>();
export function localMonthDay(at: Date, timeZone: string): { year: number; month: number; day: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** A birthday on (month, day): a birth year between 1950 and 2006 (a leap year for 29 February). */
function birthdayOn(rng: Random, month: number, day: number): string {
  let year = 1950 + Math.floor(rng.uniform() * 57);
  if (month === 2 && day === 29) while (!isLeap(year)) year++;
  return `${year}-${pad(month)}-${pad(day)}`;
}

function randomBirthday(rng: Random): string {
  const year = 1950 + Math.floor(rng.uniform() * 57);
  const dayOfYear = Math.floor(rng.uniform() * (isLeap(year) ? 366 : 365));
  const date = new Date(Date.UTC(year, 0, 1) + dayOfYear * DAY_MS);
  return `${year}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

function lineItemsFor(rng: Random, category: string, spend: number): DemoOrder['lineItems'] {
  const items = DEMO_CATALOGUE.filter((item) => item.category === category);
  const main = pick(rng, items);
  const lines = [{ ...main, quantity: Math.max(1, Math.round(spend / main.unitPrice)) }];
  // Now and then something from another shelf.
  if (rng.uniform() < 0.2) lines.push({ ...pick(rng, DEMO_CATALOGUE), quantity: 1 });
  return lines.map(({ sku, category: c, unitPrice, quantity }) => ({
    sku,
    category: c,
    quantity,
    unitPrice,
  }));
}

/** A mobile number the signup API accepts (libphonenumber's full metadata, as the API checks). */
function mobileNumber(rng: Random, prefix: string, digits: number): string {
  for (;;) {
    const candidate = `${prefix}${String(Math.floor(rng.uniform() * 10 ** digits)).padStart(digits, '0')}`;
    if (parsePhoneNumberFromString(candidate)?.isValid()) return candidate;
  }
}

/** Generates the population. Throws on options no population can have. */
export function generatePopulation(options: DemoOptions): DemoPopulation {
  const { customers: count, seed, now } = options;
  if (!Number.isInteger(count) || count < 1) throw new Error('customers must be a whole number ≥ 1');
  if (!Number.isInteger(seed)) throw new Error('seed must be a whole number');
  const historyDays = Math.round((options.historyYears ?? 2) * 365);
  const rng = new Random(seed);
  const nowMs = now.getTime();
  // A few birthdays are forced to today, in as many time zones as there are regions.
  const dueToday = Math.max(3, Math.round(count * 0.004));
  const customers: DemoCustomer[] = [];
  let orders = 0;
  let surveys = 0;
  let birthdaysToday = 0;
  let birthdaysThisWeek = 0;
  const weekAhead = Array.from({ length: 7 }, (_, k) => new Date(nowMs + k * DAY_MS));

  for (let i = 0; i < count; i++) {
    const region = i < dueToday ? REGIONS[i % REGIONS.length]! : weighted(rng, REGIONS);
    const firstName = pick(rng, region.first);
    const lastName = pick(rng, region.last);
    const email = `${ascii(firstName)}.${ascii(lastName)}.${pad(i + 1, 4)}@example.com`;
    const today = localMonthDay(now, region.timeZone);
    const birthday = i < dueToday ? birthdayOn(rng, today.month, today.day) : randomBirthday(rng);
    // Celebrated on a local date by the product's own rule (Feb 29 on Feb 28 in other years).
    const celebrated = (d: { year: number; month: number; day: number }) =>
      celebrationDate(birthday.slice(5), d.year) === `${d.year}-${pad(d.month)}-${pad(d.day)}`;
    const week = weekAhead.map((at) => localMonthDay(at, region.timeZone));
    if (celebrated(today)) birthdaysToday++;
    if (week.some(celebrated)) birthdaysThisWeek++;

    const interests = [
      ...new Set([pick(rng, CATEGORIES), ...(rng.uniform() < 0.5 ? [pick(rng, CATEGORIES)] : [])]),
    ];
    const smsConsent = rng.uniform() < 0.3;
    const [prefix, digits] = region.mobile;
    const phone = smsConsent ? mobileNumber(rng, prefix, digits) : undefined;
    const signup: DemoSignup = {
      firstName,
      lastName,
      email,
      ...(phone ? { phone } : {}),
      birthday,
      timeZone: region.timeZone,
      locale: region.locale,
      interests: interests.sort(),
      consent: { email: rng.uniform() < 0.85, sms: smsConsent },
      source: pick(rng, SOURCES),
    };

    const customerOrders: DemoOrder[] = [];
    const customerSurveys: DemoSurvey[] = [];
    if (rng.uniform() >= PROSPECT_SHARE) {
      // First purchase uniformly over the history window, at a daytime hour; T = days since then.
      const firstDay = Math.floor(rng.uniform() * historyDays) + 1;
      const firstAt = nowMs - firstDay * DAY_MS + Math.floor((8 + rng.uniform() * 12) * 3_600_000);
      const T = (nowMs - firstAt) / DAY_MS;
      const { times, spends } = simulateCustomer(rng, DEMO_BGNBD, DEMO_GAMMA_GAMMA, T);
      const offsets = [0, ...times];
      for (let k = 0; k < offsets.length; k++) {
        const at = Math.min(firstAt + offsets[k]! * DAY_MS, nowMs - 60_000);
        const category = rng.uniform() < 0.8 ? interests[0]! : pick(rng, CATEGORIES);
        const lineItems = lineItemsFor(rng, category, spends[k]!);
        const total = cents(lineItems.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0));
        customerOrders.push({
          orderId: `demo-${seed}-${i + 1}-${k + 1}`,
          customer: { email },
          orderedAt: new Date(at).toISOString(),
          totalAmount: total,
          currency: 'GBP',
          lineItems,
        });
      }
      if (rng.uniform() < SURVEY_SHARE) {
        // A latent satisfaction per customer: most are content, some are not.
        const mood = 3.6 + 1.1 * rng.normal();
        const answered = customerOrders.filter(() => rng.uniform() < 0.25);
        for (const order of answered.length > 0 ? answered : [customerOrders.at(-1)!]) {
          const score = Math.min(5, Math.max(1, Math.round(mood + 0.5 * rng.normal())));
          const answeredAt = Math.min(Date.parse(order.orderedAt) + 2 * DAY_MS, nowMs - 60_000);
          customerSurveys.push({
            customer: { email },
            score,
            orderId: order.orderId,
            answeredAt: new Date(answeredAt).toISOString(),
            surveyId: `survey-${order.orderId}`,
          });
        }
      }
    }
    orders += customerOrders.length;
    surveys += customerSurveys.length;
    customers.push({
      signup,
      orders: customerOrders,
      surveys: customerSurveys,
      orderCount: customerOrders.length,
    });
  }
  return { customers, orders, surveys, birthdaysToday, birthdaysThisWeek };
}

/**
 * The instant a population already stored was generated as of, from the stored first order of its
 * first buyer (`firstOrderAt`). Everything a population holds is placed relative to its `now`, so a
 * seed run again later must regenerate the same one, not a shifted copy whose orders conflict with
 * the stored ones. The first buyer's first order sits a fixed time before `now` whatever `now` is:
 * the draws that place it come before any that depend on `now`.
 */
export function populationAnchor(options: Omit<DemoOptions, 'now'>, firstOrderAt: string, probe: Date): Date {
  const first = firstBuyer({ ...options, now: probe });
  if (!first) return probe;
  const before = probe.getTime() - Date.parse(first.orders[0]!.orderedAt);
  return new Date(Date.parse(firstOrderAt) + before);
}

/** The population's first customer with orders (the one `populationAnchor` reads), if any. */
export function firstBuyer(options: DemoOptions): DemoCustomer | undefined {
  return generatePopulation(options).customers.find((c) => c.orders.length > 0);
}
