import { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { metricsStreamHandler } from '../../../functions/orders-stream/metrics';
import { profileStreamHandler } from '../../../functions/profile-stream/profile';
import { lastOrderIndexKeys } from '../../../lib/domain/campaigns/last-order-keys';
import { applySignup, type Customer } from '../../../lib/domain/customer';
import { DEFAULT_SCORING_SETTINGS } from '../../../lib/domain/scoring-model';
import { signupSchema } from '../../../lib/domain/signup';
import type { SegmentChangeDetail } from '../../../lib/ports/event-publisher';
import type { StoredOrder } from '../../../lib/ports/order-repository';
import { ModelCache } from '../../../lib/use-cases/model-cache';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryModelRepository } from '../../fakes/in-memory-model-repository';
import { InMemoryOrderRepository } from '../../fakes/in-memory-order-repository';
import { InMemorySegmentMembers } from '../../fakes/in-memory-segment-members';
import { RecordingEventPublisher } from '../../fakes/recording-event-publisher';
import { CAT_LOVERS, customer, FITTED } from '../scoring/fixtures';
import { lambdaContext } from './fixtures';

// The two stream consumers that keep scores current, run through their factories on the in-memory
// repositories, with every write to a profile turned into a Customers stream record (both images)
// that is fed back to the profile stream until it settles, as DynamoDB Streams would.

const silent = new Logger({ logLevel: 'SILENT' });

let now: Date;
const clock = { now: () => now };
let customers: InMemoryCustomerRepository;
let orders: InMemoryOrderRepository;
let models: InMemoryModelRepository;
let events: RecordingEventPublisher;
let members: InMemorySegmentMembers;
let pending: DynamoDBRecord[];
let sequence: number;

function streamRecord(before: Customer | undefined, after: Customer): DynamoDBRecord {
  const image = (item: Customer) =>
    marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue> as never;
  sequence++;
  return {
    eventID: String(sequence),
    eventName: before ? 'MODIFY' : 'INSERT',
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: { customerId: { S: after.customerId } },
      ...(before && { OldImage: image(before) }),
      NewImage: image(after),
      ApproximateCreationDateTime: Math.floor(now.getTime() / 1000),
      SequenceNumber: String(sequence).padStart(21, '0'),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/** Every profile write becomes a stream record, as with DynamoDB Streams. */
class StreamedMap extends Map<string, Customer> {
  override set(key: string, value: Customer): this {
    if (pending) pending.push(streamRecord(super.get(key), value));
    return super.set(key, value);
  }
}

const profileStream = () =>
  profileStreamHandler(
    {
      customers,
      events,
      members,
      models: new ModelCache(models, clock, DEFAULT_SCORING_SETTINGS),
      rules: [CAT_LOVERS],
      clock,
    },
    silent,
  );
const ordersStream = () =>
  metricsStreamHandler(
    {
      customers,
      orders,
      clock,
      scoring: { models: new ModelCache(models, clock, DEFAULT_SCORING_SETTINGS), rules: [CAT_LOVERS] },
    },
    silent,
  );

/** Feeds the pending Customers records to the profile stream until no write makes a new one. */
async function settle(handler = profileStream()): Promise<DynamoDBRecord[]> {
  const delivered: DynamoDBRecord[] = [];
  for (let round = 0; pending.length > 0; round++) {
    if (round > 5) throw new Error('the profile stream does not settle');
    const batch = pending.splice(0);
    delivered.push(...batch);
    expect(await handler({ Records: batch }, lambdaContext)).toEqual({ batchItemFailures: [] });
  }
  return delivered;
}

const order = (customerId: string, orderId: string, daysBefore: number, amount: number): StoredOrder => ({
  customerId,
  orderId,
  orderedAt: new Date(now.getTime() - daysBefore * 86_400_000).toISOString(),
  totalAmount: amount,
  currency: 'GBP',
  reportingAmount: amount,
  lineItems: [{ sku: 'CF-2KG', category: 'cat food', quantity: 1, unitPrice: amount }],
  status: 'placed',
});

/** Stores orders and delivers their Orders stream records to the orders stream. */
async function placeOrders(...stored: StoredOrder[]) {
  for (const o of stored) await orders.store(o);
  const records = stored.map((o, i) => ({
    eventID: `o${i}`,
    eventName: 'INSERT' as const,
    dynamodb: {
      NewImage: marshall({ customerId: o.customerId, orderKey: `${o.orderedAt}#${o.orderId}` }) as never,
      SequenceNumber: `o${i}`,
    },
  }));
  expect(await ordersStream()({ Records: records }, lambdaContext)).toEqual({ batchItemFailures: [] });
  return records;
}

const changes = () =>
  events.events.map(
    (e) =>
      `${e.type === 'SegmentEntered' ? '+' : '-'}${(e.detail as SegmentChangeDetail).kind}:${(e.detail as SegmentChangeDetail).segment}`,
  );

beforeEach(async () => {
  now = new Date('2026-11-24T10:00:00.000Z');
  customers = new InMemoryCustomerRepository();
  Object.defineProperty(customers, 'customers', { value: new StreamedMap() });
  orders = new InMemoryOrderRepository();
  models = new InMemoryModelRepository();
  await models.save(FITTED);
  events = new RecordingEventPublisher();
  members = new InMemorySegmentMembers();
  pending = [];
  sequence = 0;
  const ana = { ...customer([], { interests: ['cat food'] }), customerId: 'cus_ana' };
  await customers.create(ana, { kind: 'email', value: 'ana@example.com' });
  await settle();
  events.events.length = 0;
});

describe('one profile write per order', () => {
  it('the orders stream writes metrics, ltv, segments and the next- and last-order keys in one update; the profile stream then writes nothing', async () => {
    const writesBefore = customers.derivedWrites.length;
    await placeOrders(order('cus_ana', 'o1', 40, 60), order('cus_ana', 'o2', 10, 60));
    expect(customers.derivedWrites.slice(writesBefore)).toHaveLength(1);
    const [write] = customers.derivedWrites.slice(writesBefore);
    expect(Object.keys(write!.update).sort()).toEqual(['keys', 'metrics', 'scores', 'segmentsChanged']);
    const stored = (await customers.get('cus_ana'))!;
    expect(stored.ltv).toMatchObject({ modelVersion: 7, nextOrderDate: expect.any(String) });
    expect(stored.nextOrderKey).toBe(stored.ltv?.nextOrderDate);
    // The post-purchase survey's index: the local date of the last order, in the same write.
    expect(stored.metrics?.lastOrderAt).toBeDefined();
    expect(stored).toMatchObject(lastOrderIndexKeys(stored) ?? { lastOrderKey: 'missing' });
    expect(write!.update.keys).toMatchObject({ lastOrderKey: stored.lastOrderKey });
    expect(stored.segments?.rules).toEqual(['cat-lovers']);

    await settle();
    expect(customers.derivedWrites.slice(writesBefore)).toHaveLength(1);
  });

  it('replayed order records write nothing and announce nothing', async () => {
    const records = await placeOrders(order('cus_ana', 'o1', 40, 60), order('cus_ana', 'o2', 10, 60));
    await settle();
    const [writes, announced] = [customers.writes, events.events.length];
    expect(await ordersStream()({ Records: [...records, ...records] }, lambdaContext)).toEqual({
      batchItemFailures: [],
    });
    await settle();
    expect(customers.writes).toBe(writes);
    expect(events.events).toHaveLength(announced);
  });
});

describe('segment events', () => {
  it('announce each membership change exactly once, with no personal data', async () => {
    await placeOrders(order('cus_ana', 'o1', 40, 60), order('cus_ana', 'o2', 10, 60));
    await settle();
    expect(changes().sort()).toEqual(
      ['-lifecycle:prospect', '+lifecycle:active', '+rfm:Potential Loyalist', '+rule:cat-lovers'].sort(),
    );
    for (const event of events.events) {
      expect(Object.keys(event.detail).sort()).toEqual([
        'at',
        'customerId',
        'eventId',
        // Orders moved these memberships (not the clock): lifecycle campaigns tell backfills apart by it.
        'historyChanged',
        'kind',
        'segment',
        'version',
      ]);
      expect(JSON.stringify(event)).not.toMatch(/Ana|example\.com/);
    }
  });

  it("a Champion who stops buying becomes Can't Lose and at risk, leaving the VIPs and the cat-lovers", async () => {
    const monthly = [5, 35, 65, 95, 125, 155].map((d, i) => order('cus_ana', `m${i}`, d, 120));
    await placeOrders(...monthly);
    await settle();
    expect((await customers.get('cus_ana'))?.segments).toMatchObject({
      rfm: { name: 'Champions' },
      lifecycle: 'active',
      rules: ['cat-lovers'],
    });
    events.events.length = 0;

    // Five months later Ana changes her interests: the profile stream re-scores as of that day.
    now = new Date('2027-04-24T10:00:00.000Z');
    const ana = (await customers.get('cus_ana'))!;
    const signup = signupSchema({ timeZone: 'UTC', locale: 'en-GB', today: '2027-04-24' }).parse({
      firstName: 'Ana',
      email: 'ana@example.com',
      consent: { email: true, sms: false },
      interests: ['cat toys'],
      timeZone: 'Europe/London',
    });
    await customers.updateProfile(applySignup(ana, signup, now.toISOString()), ana.version);
    await settle();
    // Five months without an order, after buying monthly: the best customers gone quiet.
    expect(changes()).toEqual([
      '-lifecycle:active',
      '-rfm:Champions',
      '-rule:cat-lovers',
      '-valueTier:vip',
      '+lifecycle:at_risk',
      "+rfm:Can't Lose",
      '+valueTier:standard',
    ]);
    // Her memberships moved with the announcements: she is listed under the new segments only.
    const listed = async (segment: string) => (await members.page(segment, { limit: 10 })).customerIds;
    expect(await listed("rfm:Can't Lose")).toEqual(['cus_ana']);
    expect(await listed('lifecycle:at_risk')).toEqual(['cus_ana']);
    expect(await listed('rfm:Champions')).toEqual([]);
    expect(await listed('rule:cat-lovers')).toEqual([]);
    expect(await listed('valueTier:vip')).toEqual([]);
    expect(await members.count('valueTier:standard')).toBe(1);
    // The clock moved her (her order history is the same): a change happening now.
    expect(events.events.every((e) => (e.detail as SegmentChangeDetail).historyChanged === undefined)).toBe(
      true,
    );

    // Nothing changes on a later no-op record: nothing is announced, no membership written.
    const announced = events.events.length;
    const memberWrites = members.writes;
    const stored = (await customers.get('cus_ana'))!;
    pending.push(streamRecord(stored, stored));
    await settle();
    expect(events.events).toHaveLength(announced);
    expect(members.writes).toBe(memberWrites);
  });

  it('a record delivered twice (a Lambda retry) announces again with the same event ids, for consumers to deduplicate', async () => {
    await placeOrders(order('cus_ana', 'o1', 40, 60), order('cus_ana', 'o2', 10, 60));
    const delivered = await settle();
    const first = events.events.map((e) => (e.detail as SegmentChangeDetail).eventId);
    events.events.length = 0;
    expect(await profileStream()({ Records: delivered }, lambdaContext)).toEqual({ batchItemFailures: [] });
    expect(events.events.map((e) => (e.detail as SegmentChangeDetail).eventId)).toEqual(first);
    expect(pending).toEqual([]); // and writes nothing
  });
});

describe('the model the streams score with', () => {
  it('is read once per container per 5 minutes, and re-read when a profile carries a newer version', async () => {
    const handler = profileStream();
    const stored = (await customers.get('cus_ana'))!;
    const reads = models.reads;
    for (let i = 0; i < 3; i++) {
      pending.push(streamRecord(stored, stored));
      await settle(handler);
    }
    expect(models.reads - reads).toBe(1);
    now = new Date(now.getTime() + 5 * 60_000);
    pending.push(streamRecord(stored, stored));
    await settle(handler);
    expect(models.reads - reads).toBe(2);
    // A refit stored version 8 and already wrote it on this profile: the cache reloads at once.
    await models.save({ ...FITTED, version: 8 });
    const newer = { ...stored, ltv: { ...stored.ltv!, modelVersion: 8 } };
    pending.push(streamRecord(stored, newer));
    await settle(handler);
    expect(models.reads - reads).toBe(3);
  });
});
