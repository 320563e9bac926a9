import { Logger } from '@aws-lambda-powertools/logger';
import { beforeEach, describe, expect, it } from 'vitest';
import { refitRequestsHandler } from '../../../functions/model-refit/refit-requests';
import { segmentsHandler } from '../../../functions/segments-api/segments';
import { DEFAULT_SCORING_SETTINGS } from '../../../lib/domain/scoring-model';
import { refitModel } from '../../../lib/use-cases/refit-model';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryModelRepository } from '../../fakes/in-memory-model-repository';
import { InMemoryProfileScan } from '../../fakes/in-memory-profile-scan';
import { RecordingEventPublisher } from '../../fakes/recording-event-publisher';
import { simulatedCustomers } from '../../fakes/simulated-population';
import { CAT_LOVERS } from '../scoring/fixtures';
import { httpEvent, lambdaContext } from './fixtures';

const NOW = new Date('2026-11-24T10:00:00.000Z');
const clock = { now: () => NOW };
let models: InMemoryModelRepository;
let events: RecordingEventPublisher;
let customers: InMemoryCustomerRepository;

const silent = new Logger({ logLevel: 'SILENT' });
// Each route goes to its owner, as the HTTP API routes it: the segments API, the refit function.
const handler = (routeKey: string) =>
  routeKey === 'POST /model/refit'
    ? refitRequestsHandler({ models, events, clock }, silent)
    : segmentsHandler({ models }, silent);
const call = async (routeKey: string) => {
  const result = await handler(routeKey)(httpEvent(routeKey, undefined, {}), lambdaContext);
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
};

beforeEach(() => {
  models = new InMemoryModelRepository();
  events = new RecordingEventPublisher();
  customers = new InMemoryCustomerRepository();
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
