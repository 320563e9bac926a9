import { Logger } from '@aws-lambda-powertools/logger';
import { beforeEach, describe, expect, it } from 'vitest';
import { refitRequestsHandler } from '../../../functions/model-refit/refit-requests';
import { segmentsHandler } from '../../../functions/segments-api/segments';
import { DEFAULT_SCORING_SETTINGS } from '../../../lib/domain/scoring-model';
import { MEMBER_CSV_COLUMNS } from '../../../lib/domain/segment-member-view';
import { audiencesOf } from '../../../lib/domain/segment-members';
import { refitModel } from '../../../lib/use-cases/refit-model';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryModelRepository } from '../../fakes/in-memory-model-repository';
import { InMemoryProfileScan } from '../../fakes/in-memory-profile-scan';
import { InMemorySegmentMembers } from '../../fakes/in-memory-segment-members';
import { RecordingEventPublisher } from '../../fakes/recording-event-publisher';
import { simulatedCustomers } from '../../fakes/simulated-population';
import { CAT_LOVERS } from '../scoring/fixtures';
import { httpEvent, lambdaContext } from './fixtures';

const NOW = new Date('2026-11-24T10:00:00.000Z');
const clock = { now: () => NOW };
let models: InMemoryModelRepository;
let events: RecordingEventPublisher;
let customers: InMemoryCustomerRepository;
let members: InMemorySegmentMembers;

const silent = new Logger({ logLevel: 'SILENT' });
// Each route goes to its owner, as the HTTP API routes it: the segments API, the refit function.
const handler = (routeKey: string) =>
  routeKey === 'POST /model/refit'
    ? refitRequestsHandler({ models, events, clock }, silent)
    : segmentsHandler({ models, members, customers, ruleIds: [CAT_LOVERS.id] }, silent);
const call = async (routeKey: string) => {
  const result = await handler(routeKey)(httpEvent(routeKey, undefined, {}), lambdaContext);
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
};

beforeEach(() => {
  models = new InMemoryModelRepository();
  events = new RecordingEventPublisher();
  customers = new InMemoryCustomerRepository();
  members = new InMemorySegmentMembers(4);
  for (const c of simulatedCustomers({ customers: 2_000, seed: 11, today: '2026-11-24' })) {
    customers.customers.set(c.customerId, c);
  }
});

const refit = () =>
  refitModel({
    scan: new InMemoryProfileScan(customers),
    customers,
    models,
    clock,
    rules: [CAT_LOVERS],
    settings: DEFAULT_SCORING_SETTINGS,
  });

describe('GET /segments', () => {
  it('answers 404 no_summary before the first refit', async () => {
    expect(await call('GET /segments')).toEqual({
      status: 404,
      body: { error: 'no_summary', message: expect.stringMatching(/POST \/model\/refit/) },
    });
  });

  it('returns the stored summary with its day and model version, reading no customer', async () => {
    await refit();
    const reads = models.reads;
    const scan = new InMemoryProfileScan(customers);
    const { status, body } = await call('GET /segments');
    expect(status).toBe(200);
    expect(scan.reads).toEqual({ fitRows: 0, profiles: 0 });
    expect(models.reads - reads).toBe(1);
    expect(body).toMatchObject({
      asOf: '2026-11-24',
      modelVersion: 1,
      customers: 2_000,
      model: { version: 1, fittedAt: NOW.toISOString(), customers: 2_000, notes: [] },
    });
    // The dashboard shows which purchase model the predictions use (BG/NBD without order histories).
    expect(body.model.purchaseModel).toMatchObject({ name: 'bg-nbd', r: body.model.bgnbd.r });
    expect(body.model.modelChoice).toBeNull();
    const champions = body.segments.find((s: { segment: string }) => s.segment === 'Champions');
    expect(champions).toMatchObject({
      kind: 'rfm',
      customers: expect.any(Number),
      revenueShare: expect.any(Number),
    });
    expect(body.top20RevenueShare).toBeGreaterThan(0.5);
    expect(JSON.stringify(body)).not.toMatch(/cus_/);
  });
});

describe('POST /model/refit (the refit function)', () => {
  it('asks for a refit on the bus and answers 202 with the current version', async () => {
    await refit();
    expect(await call('POST /model/refit')).toEqual({
      status: 202,
      body: { status: 'requested', requestedAt: NOW.toISOString(), currentVersion: 1 },
    });
    expect(events.events).toEqual([
      { type: 'ModelRefitRequested', detail: { version: 1, requestedAt: NOW.toISOString() } },
    ]);
  });
});

describe('precis segments reindex: a refit that backfills the membership index', () => {
  it('POST /model/refit {"reindexMembers": true} asks for it; an unknown field is a 400', async () => {
    const post = (body: string) =>
      handler('POST /model/refit')(httpEvent('POST /model/refit', body), lambdaContext);
    expect((await post('{"reindexMembers":true}')).statusCode).toBe(202);
    expect(events.events.at(-1)).toEqual({
      type: 'ModelRefitRequested',
      detail: { version: 1, requestedAt: NOW.toISOString(), reindexMembers: true },
    });
    const bad = await post('{"reindex":true}');
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body ?? '')).toEqual({
      error: 'validation_failed',
      fields: [{ path: 'reindex', message: 'unknown field' }],
    });
    expect(events.events).toHaveLength(1);
  });

  it("writes every profile's memberships, so each count equals what GET /segments says; the nightly refit writes none", async () => {
    const backfill = (reindexMembers: boolean) =>
      refitModel({
        scan: new InMemoryProfileScan(customers),
        customers,
        models,
        clock,
        rules: [CAT_LOVERS],
        settings: DEFAULT_SCORING_SETTINGS,
        members,
        reindexMembers,
      });
    expect((await backfill(false)).memberships).toBe(0);
    expect(members.writes).toBe(0);
    const outcome = await backfill(true);
    expect(outcome.memberships).toBe(members.writes);
    expect(outcome.memberships).toBeGreaterThan(2 * 2_000);
    const summary = JSON.parse(
      (await handler('GET /segments')(httpEvent('GET /segments', undefined, {}), lambdaContext)).body ?? '',
    );
    for (const row of summary.segments as { kind: string; segment: string; customers: number }[]) {
      expect([row.kind, row.segment, await members.count(`${row.kind}:${row.segment}`)]).toEqual([
        row.kind,
        row.segment,
        row.customers,
      ]);
    }
  });
});

// A segment's members, count and export, read from the membership index the profile stream keeps
// (here: every refitted profile's audiences applied as the stream would, over 4 write shards).
describe('GET /segments/{segment}/members, /count, /export', () => {
  const request = async (routeKey: string, segment: string, query?: Record<string, string>) => {
    const event = {
      ...httpEvent(routeKey, undefined, {}),
      pathParameters: { segment },
      ...(query && { queryStringParameters: query }),
    };
    const result = await handler(routeKey)(event, lambdaContext);
    return { status: result.statusCode, headers: result.headers ?? {}, body: result.body ?? '' };
  };
  const indexEveryone = async () => {
    for (const customer of customers.customers.values()) {
      await members.apply(customer.customerId, { entered: audiencesOf(customer), exited: [] });
    }
  };
  const expected = (segment: string) =>
    [...customers.customers.values()]
      .filter((c) => audiencesOf(c).includes(segment))
      .map((c) => c.customerId)
      .sort();

  beforeEach(async () => {
    await refit();
    await indexEveryone();
  });

  it('pages through every member exactly once, with their contact details, segments and value', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { status, body } = await request('GET /segments/{segment}/members', 'lifecycle:active', {
        limit: '37',
        ...(cursor && { cursor }),
      });
      expect(status).toBe(200);
      const page = JSON.parse(body);
      expect(page.segment).toBe('lifecycle:active');
      expect(page.members.length).toBeLessThanOrEqual(37);
      seen.push(...page.members.map((m: { customerId: string }) => m.customerId));
      cursor = page.cursor;
      pages++;
    } while (cursor);
    expect(seen.length).toBeGreaterThan(100);
    expect([...seen].sort()).toEqual(expected('lifecycle:active'));
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(seen.length / 37));

    const { body } = await request('GET /segments/{segment}/members', 'lifecycle:active', { limit: '1' });
    const [first] = JSON.parse(body).members;
    const profile = (await customers.get(first.customerId))!;
    expect(first).toEqual({
      customerId: profile.customerId,
      ...(profile.firstName && { firstName: profile.firstName }),
      ...(profile.lastName && { lastName: profile.lastName }),
      ...(profile.email && { email: profile.email }),
      ...(profile.phone && { phone: profile.phone }),
      timeZone: profile.timeZone,
      locale: profile.locale,
      consent: { email: profile.consent.email.status, sms: profile.consent.sms.status },
      segments: profile.segments,
      orderCount: profile.metrics?.orderCount ?? 0,
      totalSpend: profile.metrics?.totalSpend ?? 0,
      lastOrderAt: profile.metrics?.lastOrderAt ?? null,
      clv12m: profile.ltv?.clv12m ?? null,
    });
  });

  it('counts what GET /segments says each segment holds, for every segment the summary lists', async () => {
    const summary = JSON.parse((await request('GET /segments', '')).body);
    expect(summary.segments.length).toBeGreaterThan(10);
    for (const row of summary.segments as { kind: string; segment: string; customers: number }[]) {
      const { status, body } = await request('GET /segments/{segment}/count', `${row.kind}:${row.segment}`);
      expect(status).toBe(200);
      expect(JSON.parse(body)).toEqual({ segment: `${row.kind}:${row.segment}`, count: row.customers });
    }
  });

  it('exports CSV a page at a time: the header once, every member once, the next page in x-next-cursor', async () => {
    let csv = '';
    let cursor: string | undefined;
    do {
      const { status, headers, body } = await request('GET /segments/{segment}/export', 'valueTier:vip', {
        limit: '50',
        ...(cursor && { cursor }),
      });
      expect(status).toBe(200);
      expect(headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(headers['content-disposition']).toBe('attachment; filename="valueTier-vip.csv"');
      csv += body;
      cursor = headers['x-next-cursor'] as string | undefined;
    } while (cursor);
    const lines = csv.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(MEMBER_CSV_COLUMNS.join(','));
    expect(lines.filter((line) => line.startsWith('customer_id'))).toHaveLength(1);
    const ids = lines.slice(1).map((line) => line.split(',')[0]);
    expect(ids.sort()).toEqual(expected('valueTier:vip'));
    expect(lines.slice(1).every((line) => line.includes(',vip,'))).toBe(true);
  });

  it('leaves out a member the profile no longer places in the segment (a stale index item)', async () => {
    const outsider = [...customers.customers.values()].find(
      (c) => !audiencesOf(c).includes('rfm:Champions'),
    )!;
    await members.apply(outsider.customerId, { entered: ['rfm:Champions'], exited: [] });
    const listed = async () => {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const { body } = await request('GET /segments/{segment}/members', 'rfm:Champions', {
          limit: '1000',
          ...(cursor && { cursor }),
        });
        const page = JSON.parse(body);
        ids.push(...page.members.map((m: { customerId: string }) => m.customerId));
        cursor = page.cursor;
      } while (cursor);
      return ids;
    };
    expect(await listed()).not.toContain(outsider.customerId);
    expect((await listed()).sort()).toEqual(expected('rfm:Champions'));
  });

  it.each([
    ['rfm:Champs', {}, 'segment', /no rfm segment "Champs": one of Champions, Loyal/],
    ['Champions', {}, 'segment', /must be kind:name with kind one of rfm, valueTier/],
    ['rule:dog-lovers', {}, 'segment', /no rule segment "dog-lovers": one of cat-lovers/],
    ['lifecycle:active', { limit: '0' }, 'limit', /./],
    ['lifecycle:active', { limit: 'ten' }, 'limit', /./],
    ['lifecycle:active', { limit: '1001' }, 'limit', /./],
    ['lifecycle:active', { cursor: 'not-ours' }, 'cursor', /is not a cursor this segment gave out/],
    ['lifecycle:active', { page: '2' }, 'page', /unknown field/],
  ])('answers 400 naming the field for %s %j', async (segment, query, path, message) => {
    const { status, body } = await request('GET /segments/{segment}/members', segment, query);
    expect(status).toBe(400);
    expect(JSON.parse(body)).toEqual({
      error: 'validation_failed',
      fields: [{ path, message: expect.stringMatching(message) }],
    });
  });

  it('answers 400 on an unknown segment for count and export too', async () => {
    for (const route of ['GET /segments/{segment}/count', 'GET /segments/{segment}/export']) {
      const { status, body } = await request(route, 'valueTier:gold');
      expect(status).toBe(400);
      expect(JSON.parse(body).fields[0]).toMatchObject({
        path: 'segment',
        message: /no valueTier segment "gold"/,
      });
    }
  });
});
