import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { refitRequestsHandler } from '../../../functions/model-refit/refit-requests';
import { segmentsHandler } from '../../../functions/segments-api/segments';
import { main } from '../../../lib/cli/main';
import { DEFAULT_SCORING_SETTINGS } from '../../../lib/domain/scoring-model';
import { audiencesOf } from '../../../lib/domain/segment-members';
import { refitModel } from '../../../lib/use-cases/refit-model';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryModelRepository } from '../../fakes/in-memory-model-repository';
import { InMemoryProfileScan } from '../../fakes/in-memory-profile-scan';
import { InMemorySegmentMembers } from '../../fakes/in-memory-segment-members';
import { RecordingEventPublisher } from '../../fakes/recording-event-publisher';
import { simulatedCustomers } from '../../fakes/simulated-population';
import { captureCliOutput } from '../../support/cli';
import { httpEvent, lambdaContext } from '../functions/fixtures';
import { CAT_LOVERS } from '../scoring/fixtures';

const KEY = 'cli-test-key';
const NOW = new Date('2026-11-24T10:00:00Z');
const clock = { now: () => NOW };
const customers = new InMemoryCustomerRepository();
const models = new InMemoryModelRepository();
const events = new RecordingEventPublisher();
const members = new InMemorySegmentMembers();
const silent = new Logger({ logLevel: 'SILENT' });
// Each route to its owner, as the HTTP API routes it.
const handler = (routeKey: string) =>
  routeKey === 'POST /model/refit'
    ? refitRequestsHandler({ models, events, clock }, silent)
    : segmentsHandler({ models, members, customers, ruleIds: [CAT_LOVERS.id] }, silent);
const refit = () =>
  refitModel({
    scan: new InMemoryProfileScan(customers),
    customers,
    models,
    clock,
    rules: [CAT_LOVERS],
    settings: DEFAULT_SCORING_SETTINGS,
  });

/** A stand-in for the local runtime: x-api-key, the real handler, and the bus → refit wiring. */
let server: Server;
let port: number;
beforeAll(async () => {
  for (const c of simulatedCustomers({ customers: 1_000, seed: 5, today: '2026-11-24' })) {
    customers.customers.set(c.customerId, c);
  }
  server = createServer(async (req, res) => {
    if (req.headers['x-api-key'] !== KEY) return res.writeHead(401).end('{"error":"unauthorized"}');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, , segment, what] = url.pathname.split('/');
    const routeKey = what ? `${req.method} /segments/{segment}/${what}` : `${req.method} ${url.pathname}`;
    const event = {
      ...httpEvent(routeKey, undefined, {}),
      ...(segment !== undefined && { pathParameters: { segment: decodeURIComponent(segment) } }),
      ...(url.searchParams.size > 0 && { queryStringParameters: Object.fromEntries(url.searchParams) }),
    };
    const result = await handler(routeKey)(event, lambdaContext);
    res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>).end(result.body);
    if (routeKey === 'POST /model/refit') setTimeout(() => void refit().then(indexEveryone), 50);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** What the profile stream would have written for every refitted profile. */
async function indexEveryone() {
  for (const customer of customers.customers.values()) {
    await members.apply(customer.customerId, { entered: audiencesOf(customer), exited: [] });
  }
}

/** A port nothing listens on. */
async function closedPort(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port: free } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return String(free);
}

const io = captureCliOutput(() => ({ port, adminKey: KEY }));

describe('precis segments and precis model refit', () => {
  it('before the first refit, says how to get one, in one line, non-zero', async () => {
    expect(await main(['segments'])).not.toBe(0);
    expect(io.stderr).toBe(
      'precis: no segment summary yet: the model has not been fitted (run `precis model refit`, or wait for the nightly refit)\n',
    );
    expect(io.stdout).toBe('');
  });

  it('model refit --wait asks for a refit and prints the new model’s segments', async () => {
    expect(await main(['model', 'refit', '--wait', '--timeout', '20'])).toBe(0);
    expect(io.stdout).toMatch(/^refit requested \(current model version 0\)$/m);
    expect(io.stdout).toMatch(
      /^Segments as of 2026-11-24 · model version 1 \(fitted 2026-11-24 10:00 UTC\)$/m,
    );
    expect(io.stdout).toMatch(/^1,000 customers, 1,000 buyers · revenue [\d,]+\.\d\d$/m);
    expect(io.stdout).toMatch(/^80\/20: the top 20% of buyers bring \d+\.\d% of revenue/m);
    expect(io.stdout).toMatch(/^kind\s+segment\s+customers\s+share\s+revenue\s+revenue share$/m);
    expect(io.stdout).toMatch(/^RFM\s+Champions\s+\d+\s+\d+\.\d%\s+[\d,]+\.\d\d\s+\d+\.\d%$/m);
    expect(io.stdout).toMatch(/^value tier\s+vip\s+/m);
    expect(io.stdout).toMatch(/^rule\s+cat-lovers\s+/m);
    expect(events.events.map((e) => e.type)).toEqual(['ModelRefitRequested']);
    expect(io.stderr).toBe('');
  });

  it('segments prints the table, and --json the summary', async () => {
    expect(await main(['segments'])).toBe(0);
    expect(io.stdout).toMatch(/^lifecycle\s+active\s+/m);
    io.stdout = '';
    expect(await main(['segments', '--json'])).toBe(0);
    const summary = JSON.parse(io.stdout);
    expect(summary).toMatchObject({ asOf: '2026-11-24', modelVersion: 1, customers: 1_000 });
    expect(summary.segments.length).toBeGreaterThan(20);
  });

  it("segments count, members and export agree on a segment's people", async () => {
    const champions = [...customers.customers.values()].filter((c) => c.segments?.rfm?.name === 'Champions');
    expect(champions.length).toBeGreaterThan(20);
    expect(await main(['segments', 'count', 'rfm:Champions'])).toBe(0);
    expect(io.stdout).toBe(`${champions.length}\n`);

    io.stdout = '';
    expect(await main(['segments', 'members', 'rfm:Champions', '--limit', '5'])).toBe(0);
    const lines = io.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^customer\s+name\s+email\s+phone\s+rfm\s+tier\s+lifecycle\s+clv 12m$/);
    expect(lines.slice(1, 6).every((line) => /^cus_\S+\s+.+\s+Champions\s+/.test(line))).toBe(true);
    expect(lines[6]).toMatch(/^more: precis segments members 'rfm:Champions' --cursor \S+$/);

    io.stdout = '';
    expect(await main(['segments', 'members', 'rfm:Champions', '--limit', '1000', '--json'])).toBe(0);
    const page = JSON.parse(io.stdout);
    expect(page.members.map((m: { customerId: string }) => m.customerId).sort()).toEqual(
      champions.map((c) => c.customerId).sort(),
    );

    io.stdout = '';
    expect(await main(['segments', 'export', 'rfm:Champions'])).toBe(0);
    const rows = io.stdout.trim().split('\r\n');
    expect(rows[0]).toMatch(/^customer_id,first_name,last_name,email,phone,/);
    expect(rows).toHaveLength(champions.length + 1);
    expect(io.stderr).toBe('');
  });

  it.each([
    [
      ['segments', 'members', 'rfm:Champs'],
      /^precis: invalid segment request: segment: no rfm segment "Champs"/,
    ],
    [['segments', 'count', 'tier:vip'], /^precis: invalid segment request: segment: must be kind:name/],
    [
      ['segments', 'export', 'rule:dogs'],
      /^precis: invalid segment request: segment: no rule segment "dogs"/,
    ],
    [['segments', 'members', 'rfm:Champions', '--limit', '0'], /^precis: invalid segment request: limit: /],
  ])('%j fails with one line', async (argv, message) => {
    expect(await main(argv)).not.toBe(0);
    expect(io.stderr).toMatch(message);
    expect(io.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    ['a wrong admin key', { PRECIS_ADMIN_KEY: 'wrong' }, /^precis: the API refused the admin key \(401\)/],
    ['no admin key', { PRECIS_ADMIN_KEY: '' }, /^precis: PRECIS_ADMIN_KEY is not set/],
    [
      'the API not running',
      { PORT: 'closed' },
      /^precis: the local API is not running at http:\/\/127\.0\.0\.1:\d+ \(start it with npm start\)\n$/,
    ],
  ])('fails with one line for %s', async (_label, env, message) => {
    for (const [name, value] of Object.entries(env)) {
      vi.stubEnv(name, value === 'closed' ? await closedPort() : value);
    }
    expect(await main(['segments'])).not.toBe(0);
    expect(io.stderr).toMatch(message);
    expect(io.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a bad --timeout before calling anything', async () => {
    expect(await main(['model', 'refit', '--timeout', 'soon'])).not.toBe(0);
    expect(io.stderr).toBe('precis: --timeout must be a positive number of seconds, got "soon"\n');
  });
});
