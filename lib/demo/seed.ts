import { birthdayPartitions, monthDayKey } from '../domain/calendar';
import { instantOf, localDate } from '../domain/zoned-time';
import { BulkTargetSchema, DemoBulkLoader } from './bulk-load';
import {
  type DemoCustomer,
  type DemoPopulation,
  firstBuyer,
  generatePopulation,
  populationAnchor,
} from './population';

// Seeds a running Precis with the demo population:
//
//   signups, orders, surveys   on a local runtime, written in bulk into its DynamoDB Local
//                              (lib/demo/bulk-load.ts: BatchWriteItem, the items the API would
//                              store, its invariants kept); elsewhere, or with bulk: false, through
//                              POST /signups → POST /orders → POST /surveys (bounded concurrency)
//   processing                 waits until every buyer's profile shows their orders, survey answers
//                              and scores: the stream functions did that, as for any order
//   refit                      POST /model/refit, then waits for the new model's segment summary
//   emails                     (local runtime only) the customers whose birthday is today follow
//                              the link in their double opt-in email (GET /confirm), then one
//                              planner pass (POST /planner/runs) at 09:30 in each of their time
//                              zones sends them their birthday email through the real campaign path
//
// Idempotent: the population is deterministic, so seeding again finds the same addresses, order ids
// and survey ids already stored (duplicates) and counts nothing twice; the birthday occasion is
// claimed once per year. Run again later (another hour, day, or a restarted runtime), it regenerates
// the population as of the instant the stored one was made (`populationAnchor`: read from the first
// buyer's first order), since a population made as of a later instant would place the same order
// ids at other times — conflicts with what the first seed stored; and a birthday person confirmed
// by an earlier seed is not waited for again (their opt-in email may be gone with the old runtime).

export type SeedPhase = 'signups' | 'orders' | 'surveys' | 'processing' | 'refit' | 'emails';

export interface SeedProgress {
  phase: SeedPhase;
  done: number;
  total: number;
}

export interface SeedOptions {
  /** The API's base URL, e.g. http://127.0.0.1:3000. */
  url: string;
  adminKey: string;
  customers: number;
  seed: number;
  now?: Date;
  /** Requests in flight (default 16). */
  concurrency?: number;
  /** Write signups, orders and surveys in bulk when the runtime offers it (default true). */
  bulk?: boolean;
  /** How long to wait for the pipeline and the refit, in ms (default 5 minutes). */
  timeoutMs?: number;
  onProgress?: (progress: SeedProgress) => void;
}

export interface SeedResult {
  customers: number;
  orders: number;
  surveys: number;
  birthdaysToday: number;
  birthdaysThisWeek: number;
  /** The model version the refit stored. */
  modelVersion: number;
  /** Requests the API answered as already known (a repeated seed). */
  duplicates: number;
  /** How signups, orders and surveys were written: in bulk into DynamoDB Local, or through the API. */
  loadedBy: 'bulk' | 'api';
  /** Birthday emails the planner queued for today's birthdays (0 when not on a local runtime). */
  birthdayEmails: number;
  millis: Record<SeedPhase | 'total', number>;
}

export class SeedError extends Error {
  override readonly name = 'SeedError';
  readonly code = 'seed_failed';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` over `items` with at most `limit` in flight; the first failure stops new work. */
export async function inPool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  onDone?: (done: number) => void,
): Promise<void> {
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
      onDone?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function seedDemo(options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const concurrency = options.concurrency ?? 16;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const progress = options.onProgress ?? (() => {});
  const base = options.url.replace(/\/$/, '');
  const now = options.now ?? new Date();
  let duplicates = 0;

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> => {
    try {
      return await fetch(`${base}${path}`, {
        method,
        headers: {
          'x-api-key': options.adminKey,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        // Generous: a planner pass as of an instant answers once the runtime has settled.
        signal: AbortSignal.timeout(300_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      if (cause?.code === 'ECONNREFUSED')
        throw new SeedError(`the local API is not running at ${base} (start it with npm start)`);
      throw new SeedError(`could not reach ${base}${path}: ${cause?.code ?? (error as Error).message}`);
    }
  };
  const refused = async (what: string, response: Response): Promise<SeedError> => {
    const text = await response.text().catch(() => '');
    if (response.status === 401 || response.status === 403)
      return new SeedError(`the API refused the admin key (${response.status}) on ${what}`);
    return new SeedError(`${what} was refused (${response.status}): ${text.slice(0, 300)}`);
  };
  const post = async (what: string, path: string, body: unknown) => {
    const response = await call('POST', path, body);
    if (response.status === 202) {
      const answer = (await response.json().catch(() => ({}))) as { status?: string };
      if (answer.status === 'duplicate') duplicates++;
      return;
    }
    throw await refused(what, response);
  };

  /** The profile behind a demo address, or undefined when it is not stored. */
  const profile = async (email: string) => {
    const response = await call('GET', `/customers?${new URLSearchParams({ email })}`);
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw await refused(`reading ${email}`, response);
    return (await response.json()) as {
      consent?: { email?: { status?: string } };
      metrics?: {
        orderCount?: number;
        firstOrderAt?: string | null;
        satisfaction?: { count?: number } | null;
      };
      ltv?: unknown;
    };
  };
  /** `now`, or the instant the population already stored by an earlier seed was generated as of. */
  const anchor = async (): Promise<Date> => {
    const shape = { customers: options.customers, seed: options.seed };
    const buyer = firstBuyer({ ...shape, now });
    const stored = buyer && (await profile(buyer.signup.email))?.metrics?.firstOrderAt;
    return stored ? populationAnchor(shape, stored, now) : now;
  };
  const population: DemoPopulation = generatePopulation({
    customers: options.customers,
    seed: options.seed,
    now: await anchor(),
  });

  const millis = {} as SeedResult['millis'];
  const phase = async (
    name: SeedPhase,
    total: number,
    run: (tick: (done: number) => void) => Promise<void>,
  ) => {
    const at = performance.now();
    progress({ phase: name, done: 0, total });
    await run((done) => progress({ phase: name, done, total }));
    millis[name] = Math.round(performance.now() - at);
  };

  const customers = population.customers;
  const orders = customers.flatMap((c) => c.orders);
  const surveys = customers.flatMap((c) => c.surveys);
  const target = options.bulk === false ? undefined : await localTarget();
  const loader = target && new DemoBulkLoader(target, now);
  if (loader) {
    await phase('signups', customers.length, async (tick) => {
      duplicates += await loader.loadSignups(customers, tick);
    });
    await phase('orders', orders.length, async (tick) => {
      duplicates += await loader.loadOrders(customers, tick);
    });
    await phase('surveys', surveys.length, async (tick) => {
      duplicates += await loader.loadSurveys(customers, tick);
    });
  } else {
    await phase('signups', customers.length, (tick) =>
      inPool(
        customers,
        concurrency,
        (c) => post(`the signup of ${c.signup.email}`, '/signups', c.signup),
        tick,
      ),
    );
    await phase('orders', orders.length, (tick) =>
      inPool(orders, concurrency, (o) => post(`order ${o.orderId}`, '/orders', o), tick),
    );
    await phase('surveys', surveys.length, (tick) =>
      inPool(surveys, concurrency, (s) => post(`survey ${s.surveyId}`, '/surveys', s), tick),
    );
  }
  async function localTarget() {
    const response = await call('GET', '/local/bulk-target');
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw await refused('reading the local bulk target', response);
    const parsed = BulkTargetSchema.safeParse(await response.json());
    if (!parsed.success) throw new SeedError('the local runtime answered with an unexpected bulk target');
    return parsed.data;
  }

  // The stream functions work behind the 202s: wait until every profile shows what was sent.
  const deadline = Date.now() + timeoutMs;
  const buyers = customers.filter((c) => c.orders.length > 0);
  await phase('processing', buyers.length, async (tick) => {
    let pending: DemoCustomer[] = buyers;
    for (;;) {
      const still: DemoCustomer[] = [];
      if (loader) {
        // Locally, the profiles in bulk (BatchGetItem): reading them one by one through the API
        // would load DynamoDB Local while the streams it waits for are still working.
        still.push(...(await loader.unprocessed(pending)));
      } else {
        await inPool(pending, concurrency, async (c) => {
          if (!(await processed(c))) still.push(c);
        });
      }
      tick(buyers.length - still.length);
      if (still.length === 0) return;
      if (Date.now() > deadline)
        throw new SeedError(
          `${still.length} profiles still lack their orders after ${Math.round(timeoutMs / 1000)}s: see the runtime's log`,
        );
      // Check the slowest first next time: the rest are usually done by then.
      pending = still;
      await sleep(1000);
    }
  });
  loader?.close();
  async function processed(c: DemoCustomer): Promise<boolean> {
    const view = await profile(c.signup.email);
    if (!view) return false;
    return (
      view.metrics?.orderCount === c.orderCount &&
      (view.metrics.satisfaction?.count ?? 0) >= c.surveys.length &&
      view.ltv !== undefined
    );
  }

  let modelVersion = 0;
  await phase('refit', 1, async (tick) => {
    const response = await call('POST', '/model/refit');
    if (response.status !== 202) throw await refused('the model refit', response);
    const { currentVersion } = (await response.json()) as { currentVersion: number };
    for (;;) {
      const segments = await call('GET', '/segments');
      if (segments.status === 200) {
        const summary = (await segments.json()) as { modelVersion: number };
        if (summary.modelVersion > currentVersion) {
          modelVersion = summary.modelVersion;
          tick(1);
          return;
        }
      } else if (segments.status !== 404) {
        throw await refused('reading the segments', segments);
      }
      if (Date.now() > deadline)
        throw new SeedError(`no new model after ${Math.round(timeoutMs / 1000)}s: see the runtime's log`);
      await sleep(250);
    }
  });
  // Today's birthdays get their email through the campaign path, as the hourly planner would send it.
  const dueToday = customers.filter((c) => c.signup.consent.email && birthdayIsToday(c, now));
  let birthdayEmails = 0;
  await phase('emails', dueToday.length, async (tick) => {
    const confirmed = await confirmEmails(dueToday, tick);
    if (confirmed === undefined) return; // not a local runtime: no outbox to find the links in
    // One pass per time zone, at 09:30 there today (inside the birthday send window); the passes
    // find different people, so they run side by side.
    const zones = [...new Set(confirmed.map((c) => c.signup.timeZone))];
    await Promise.all(
      zones.map(async (zone) => {
        const at = new Date(instantOf(`${localDate(now, zone)}T09:30`, zone) as number).toISOString();
        const response = await call('POST', '/planner/runs', { at });
        if (response.status === 404) return;
        if (response.status !== 200) throw await refused('the planner pass', response);
        const run = (await response.json()) as { queued?: number };
        birthdayEmails += run.queued ?? 0;
      }),
    );
  });
  millis.total = Math.round(performance.now() - started);

  /**
   * Follows the confirmation link of each customer's double opt-in email, found in the local outbox
   * (one request for all of them); undefined when there is no local outbox.
   */
  async function confirmEmails(
    due: DemoCustomer[],
    tick: (done: number) => void,
  ): Promise<DemoCustomer[] | undefined> {
    const confirmed: DemoCustomer[] = [];
    let pending: DemoCustomer[] = [];
    // Confirmed by an earlier seed: nothing to follow (that email may be gone with the old runtime).
    for (const c of due) {
      if ((await profile(c.signup.email))?.consent?.email?.status === 'confirmed') {
        confirmed.push(c);
        tick(confirmed.length);
      } else pending.push(c);
    }
    while (pending.length > 0) {
      const query = new URLSearchParams({ limit: '100' });
      for (const c of pending) query.append('to', c.signup.email);
      const response = await call('GET', `/local/outbox?${query}`);
      if (response.status === 404) return undefined;
      if (response.status !== 200) throw await refused('reading the local outbox', response);
      const messages = (await response.json()) as { to?: string; text?: string }[];
      const still: DemoCustomer[] = [];
      for (const c of pending) {
        const link = messages
          .filter((m) => m.to === c.signup.email)
          .map((m) => /https?:\/\/\S+(\/confirm\?token=[\w.~-]+)/.exec(m.text ?? '')?.[1])
          .find(Boolean);
        if (!link) {
          still.push(c);
          continue;
        }
        const confirm = await call('GET', link);
        if (confirm.status >= 400) throw await refused(`confirming ${c.signup.email}`, confirm);
        confirmed.push(c);
        tick(confirmed.length);
      }
      pending = still;
      if (pending.length > 0 && Date.now() > deadline)
        throw new SeedError(
          `no double opt-in email for ${pending.length} customers after ${Math.round(timeoutMs / 1000)}s`,
        );
      if (pending.length > 0) await sleep(500);
    }
    return confirmed;
  }

  return {
    customers: customers.length,
    orders: population.orders,
    surveys: population.surveys,
    birthdaysToday: population.birthdaysToday,
    birthdaysThisWeek: population.birthdaysThisWeek,
    modelVersion,
    duplicates,
    loadedBy: target ? 'bulk' : 'api',
    birthdayEmails,
    millis,
  };
}

/** Whether the customer's birthday is today on their own calendar (Feb 29 on Feb 28 in other years). */
function birthdayIsToday(c: DemoCustomer, now: Date): boolean {
  const today = localDate(now, c.signup.timeZone);
  const key = monthDayKey(c.signup.birthday);
  return today !== undefined && key !== undefined && birthdayPartitions(today).includes(key);
}

/** The one-line summary a person reads after seeding. */
export function formatSeedResult(result: SeedResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return (
    `seeded ${result.customers.toLocaleString('en-GB')} customers, ${result.orders.toLocaleString('en-GB')} orders, ` +
    `${result.surveys.toLocaleString('en-GB')} survey answers (${result.birthdaysToday} birthdays today, ` +
    `${result.birthdaysThisWeek} this week), refitted the model (version ${result.modelVersion}) and sent ` +
    `${result.birthdayEmails} birthday emails in ${s(result.millis.total)}` +
    ` (${(['signups', 'orders', 'surveys', 'processing', 'refit', 'emails'] as const).map((p) => `${p} ${s(result.millis[p])}`).join(', ')})` +
    (result.duplicates > 0 ? `; ${result.duplicates} were already there` : '')
  );
}
