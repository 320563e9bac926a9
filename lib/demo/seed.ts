import { type DemoCustomer, type DemoPopulation, generatePopulation } from './population';

// Seeds a running Precis API with the demo population, through the real routes only:
// POST /signups → POST /orders → POST /surveys (bounded concurrency), then waits until every
// customer's profile shows their orders and survey answers (the stream functions have run), then
// POST /model/refit and waits for the new model's segment summary (GET /segments), so that every
// profile carries lifetime value and segments and the dashboard has its aggregates.
//
// Idempotent: the population is deterministic, so seeding again sends the same signups, order ids
// and survey ids, which the API answers as already known; nothing is counted twice.

export type SeedPhase = 'signups' | 'orders' | 'surveys' | 'processing' | 'refit';

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
  millis: Record<SeedPhase | 'total', number>;
}

export class SeedError extends Error {
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
  const population: DemoPopulation = generatePopulation({
    customers: options.customers,
    seed: options.seed,
    now: options.now ?? new Date(),
  });
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
        signal: AbortSignal.timeout(30_000),
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
  await phase('signups', customers.length, (tick) =>
    inPool(
      customers,
      concurrency,
      (c) => post(`the signup of ${c.signup.email}`, '/signups', c.signup),
      tick,
    ),
  );
  const orders = customers.flatMap((c) => c.orders);
  await phase('orders', orders.length, (tick) =>
    inPool(orders, concurrency, (o) => post(`order ${o.orderId}`, '/orders', o), tick),
  );
  const surveys = customers.flatMap((c) => c.surveys);
  await phase('surveys', surveys.length, (tick) =>
    inPool(surveys, concurrency, (s) => post(`survey ${s.surveyId}`, '/surveys', s), tick),
  );

  // The stream functions work behind the 202s: wait until every profile shows what was sent.
  const deadline = Date.now() + timeoutMs;
  const buyers = customers.filter((c) => c.orders.length > 0);
  await phase('processing', buyers.length, async (tick) => {
    let pending: DemoCustomer[] = buyers;
    for (;;) {
      const still: DemoCustomer[] = [];
      await inPool(pending, concurrency, async (c) => {
        if (!(await processed(c))) still.push(c);
      });
      tick(buyers.length - still.length);
      if (still.length === 0) return;
      if (Date.now() > deadline)
        throw new SeedError(
          `${still.length} profiles still lack their orders after ${Math.round(timeoutMs / 1000)}s: see the runtime's log`,
        );
      // Check the slowest first next time: the rest are usually done by then.
      pending = still;
      await sleep(500);
    }
  });
  async function processed(c: DemoCustomer): Promise<boolean> {
    const response = await call('GET', `/customers?${new URLSearchParams({ email: c.signup.email })}`);
    if (response.status === 404) return false;
    if (response.status !== 200) throw await refused(`reading ${c.signup.email}`, response);
    const view = (await response.json()) as {
      metrics?: { orderCount?: number; satisfaction?: { count?: number } | null };
      ltv?: unknown;
    };
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
  millis.total = Math.round(performance.now() - started);

  return {
    customers: customers.length,
    orders: population.orders,
    surveys: population.surveys,
    birthdaysToday: population.birthdaysToday,
    birthdaysThisWeek: population.birthdaysThisWeek,
    modelVersion,
    duplicates,
    millis,
  };
}

/** The one-line summary a person reads after seeding. */
export function formatSeedResult(result: SeedResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return (
    `seeded ${result.customers.toLocaleString('en-GB')} customers, ${result.orders.toLocaleString('en-GB')} orders, ` +
    `${result.surveys.toLocaleString('en-GB')} survey answers (${result.birthdaysToday} birthdays today, ` +
    `${result.birthdaysThisWeek} this week) and refitted the model (version ${result.modelVersion}) in ${s(result.millis.total)}` +
    (result.duplicates > 0 ? `; ${result.duplicates} were already there` : '')
  );
}
