import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CapacityTally } from '../../../lib/adapters/dynamodb/capacity';
import { DynamoCustomerRepository } from '../../../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoModelRepository } from '../../../lib/adapters/dynamodb/dynamo-model-repository';
import { DynamoOrderRepository } from '../../../lib/adapters/dynamodb/dynamo-order-repository';
import { DynamoProfileScan } from '../../../lib/adapters/dynamodb/dynamo-profile-scan';
import type { Customer } from '../../../lib/domain/customer';
import { scoreProfile } from '../../../lib/domain/scoring';
import { DEFAULT_SCORING_SETTINGS, unfittedModel } from '../../../lib/domain/scoring-model';
import { SegmentSummaryBuilder } from '../../../lib/domain/segment-summary';
import type { CustomerRepository } from '../../../lib/ports/customer-repository';
import { type ModelRepository, ModelVersionTakenError } from '../../../lib/ports/model-repository';
import type { ProfileScan } from '../../../lib/ports/profile-scan';
import { fixedModel } from '../../../lib/use-cases/model-cache';
import { recomputeMetrics } from '../../../lib/use-cases/recompute-metrics';
import { refitModel } from '../../../lib/use-cases/refit-model';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryModelRepository } from '../../fakes/in-memory-model-repository';
import { InMemoryProfileScan } from '../../fakes/in-memory-profile-scan';
import { simulatedCustomers } from '../../fakes/simulated-population';
import { appTables, meteredDb } from '../../support/tables';
import { CAT_LOVERS, customer, FITTED, orders, TODAY } from '../../unit/scoring/fixtures';

// The scoring adapters against DynamoDB Local (tables created from the synthesized template) and
// the in-memory fakes, with the same contract, so the fakes the unit tests rely on cannot drift.
// Also: what scoring costs in capacity units, as DynamoDB reports it.

let tables: { customers: string; models: string; orders: string; orderIds: string };
let db: DynamoDBDocumentClient;

beforeAll(async () => {
  const app = await appTables();
  tables = {
    customers: app.nameOf('Customers'),
    models: app.nameOf('Models'),
    orders: app.nameOf('Orders'),
    orderIds: app.nameOf('OrderIds'),
  };
  db = app.db;
});

interface Repos {
  customers: CustomerRepository;
  models: ModelRepository;
  scan: ProfileScan;
  /** Stores a profile as it is (test setup). */
  put(customer: Customer): Promise<void>;
  capacity?: CapacityTally;
}

const implementations: [string, () => Repos][] = [
  [
    'DynamoDB Local',
    () => {
      const capacity = new CapacityTally((name) => name.replace(/^.*_/, ''));
      const metered = meteredDb(capacity);
      const customers = new DynamoCustomerRepository(metered, { customers: tables.customers });
      return {
        customers,
        models: new DynamoModelRepository(metered, tables.models),
        scan: new DynamoProfileScan(metered, tables.customers, 7),
        put: async (c) => {
          await db.send(new PutCommand({ TableName: tables.customers, Item: c }));
        },
        capacity,
      };
    },
  ],
  [
    'in memory',
    () => {
      const customers = new InMemoryCustomerRepository();
      return {
        customers,
        models: new InMemoryModelRepository(),
        scan: new InMemoryProfileScan(customers, 7),
        put: async (c) => {
          customers.customers.set(c.customerId, structuredClone(c));
        },
      };
    },
  ],
];

let run = 0;
const withId = (c: Customer, name: string): Customer => ({ ...c, customerId: `${name}_${run}` });

describe.each(implementations)('scoring storage contract (%s)', (_name, make) => {
  let repos: Repos;
  beforeEach(() => {
    run++;
    repos = make();
  });

  describe('saveDerived', () => {
    it('writes metrics, scores and index keys in one update, and reads them back', async () => {
      const ana = withId(customer(orders([5, 35, 65], 60), { interests: ['cat food'] }), 'ana');
      const { metrics, ...profile } = ana;
      await repos.put(profile);
      const scores = scoreProfile(ana, FITTED, TODAY, [CAT_LOVERS]);
      const keys = { nextOrderKey: scores.ltv.nextOrderDate!, nextOrderOffset: 0 };
      expect(await repos.customers.saveDerived(ana.customerId, { metrics: metrics!, scores, keys })).toBe(
        'updated',
      );
      expect(await repos.customers.get(ana.customerId)).toEqual({ ...ana, ...scores, ...keys });
    });

    it('keeps an empty replenishment map and removes a key named as undefined, leaving the others', async () => {
      const bo = withId(customer(orders([300], 40)), 'bo');
      await repos.put({
        ...bo,
        birthdayKey: '05-17',
        birthdayOffset: 60,
        nextOrderKey: '2026-01-01',
        nextOrderOffset: 0,
      });
      const scores = scoreProfile(bo, unfittedModel(), TODAY);
      expect(scores.ltv.replenishment).toEqual({});
      await repos.customers.saveDerived(bo.customerId, {
        scores,
        keys: { nextOrderKey: undefined, nextOrderOffset: undefined },
      });
      const stored = await repos.customers.get(bo.customerId);
      expect(stored?.ltv?.replenishment).toEqual({});
      expect(stored).not.toHaveProperty('nextOrderKey');
      expect(stored).not.toHaveProperty('nextOrderOffset');
      expect(stored).toMatchObject({ birthdayKey: '05-17', birthdayOffset: 60 });
    });

    it('is stale when the profile moved on to another version, or is not there', async () => {
      const cy = withId(customer([]), 'cy');
      await repos.put(cy);
      const scores = scoreProfile(cy, FITTED, TODAY);
      expect(await repos.customers.saveDerived(cy.customerId, { scores }, { version: cy.version + 1 })).toBe(
        'stale',
      );
      expect((await repos.customers.get(cy.customerId))?.segments).toBeUndefined();
      expect(await repos.customers.saveDerived(cy.customerId, { scores }, { version: cy.version })).toBe(
        'updated',
      );
      expect(await repos.customers.saveDerived(`nobody_${run}`, { scores })).toBe('stale');
    });
  });

  describe('models', () => {
    // The Models table is shared by every test of the suite: each test saves versions above the last.
    it('stores versions, the last saved one current, and refuses to overwrite a version', async () => {
      const before = (await repos.models.current())?.version ?? 0;
      const v1 = { ...FITTED, version: before + 1 };
      const v2 = { ...FITTED, version: before + 2, notes: ['second'] };
      await repos.models.save(v1);
      expect(await repos.models.current()).toEqual(v1);
      await expect(repos.models.save({ ...v1, notes: ['again'] })).rejects.toBeInstanceOf(
        ModelVersionTakenError,
      );
      await repos.models.save(v2);
      expect(await repos.models.current()).toEqual(v2);
    });

    it('stores the segment summary and reads the latest back', async () => {
      const builder = new SegmentSummaryBuilder(['cat-lovers']);
      builder.add(scoreProfile(customer(orders([5, 35], 60)), FITTED, TODAY).segments, 120);
      const summary = builder.build({
        modelVersion: 100 + run,
        asOfDay: TODAY,
        computedAt: `${TODAY}T03:00:00.000Z`,
        vipValueShare: 0.7,
      });
      await repos.models.saveSummary(summary);
      expect(await repos.models.latestSummary()).toEqual(summary);
    });
  });

  describe('profile scans', () => {
    it('return every profile exactly once across parallel segments; the fit pass reads four metrics', async () => {
      const people = Array.from({ length: 23 }, (_, i) =>
        withId(customer(i % 4 === 0 ? [] : orders([i + 1, i + 40], 10 + i)), `scan${i}`),
      );
      for (const p of people) await repos.put(p);
      const mine = (id: string) => id.endsWith(`_${run}`) && id.startsWith('scan');
      const fitRows = [];
      const profiles = [];
      for (let segment = 0; segment < 3; segment++) {
        for await (const page of repos.scan.fitRows(segment, 3))
          fitRows.push(...page.filter((r) => mine(r.customerId)));
        for await (const page of repos.scan.profiles(segment, 3))
          profiles.push(...page.filter((c) => mine(c.customerId)));
      }
      expect(fitRows.map((r) => r.customerId).sort()).toEqual(people.map((p) => p.customerId).sort());
      expect(profiles.sort((a, b) => a.customerId.localeCompare(b.customerId))).toEqual(
        [...people].sort((a, b) => a.customerId.localeCompare(b.customerId)),
      );
      const withOrders = fitRows.find((r) => r.customerId === people[1]!.customerId)!;
      expect(withOrders.metrics).toEqual({
        orderCount: 2,
        totalSpend: 22,
        lastOrderAt: people[1]!.metrics!.lastOrderAt,
        ltvInputs: people[1]!.metrics!.ltvInputs,
      });
      expect(fitRows.find((r) => r.customerId === people[0]!.customerId)?.metrics).toBeUndefined();
    });
  });
});

describe('what scoring costs in DynamoDB capacity (DynamoDB Local)', () => {
  it('an order: one profile read, one history query, ONE profile write; the next-order index is written only when its key moves', async () => {
    const capacity = new CapacityTally((name) => name.replace(/^.*_/, ''));
    const metered = meteredDb(capacity);
    const customers = new DynamoCustomerRepository(metered, { customers: tables.customers });
    const ordersRepo = new DynamoOrderRepository(metered, {
      orders: tables.orders,
      orderIds: tables.orderIds,
    });
    const ana = withId(customer([], { interests: ['cat food'] }), 'cost');
    await db.send(new PutCommand({ TableName: tables.customers, Item: ana }));
    const deps = {
      customers,
      orders: ordersRepo,
      clock: { now: () => new Date(`${TODAY}T10:00:00.000Z`) },
      scoring: { models: fixedModel(FITTED), rules: [CAT_LOVERS] },
    };
    const place = async (orderId: string, daysAgo: number) => {
      const orderedAt = new Date(Date.parse(`${TODAY}T10:00:00.000Z`) - daysAgo * 86_400_000).toISOString();
      await ordersRepo.store({
        customerId: ana.customerId,
        orderId: `${orderId}_${run}`,
        orderedAt,
        totalAmount: 60,
        currency: 'GBP',
        reportingAmount: 60,
        lineItems: [{ sku: 'CF-2KG', category: 'cat food', quantity: 1, unitPrice: 60 }],
        status: 'placed',
      });
    };
    await place('o1', 70);
    await place('o2', 40);
    capacity.reset();
    expect(await recomputeMetrics(deps, ana.customerId)).toBe('updated');
    const first = Object.fromEntries(capacity.byTarget);
    // GetItem (strongly consistent, < 4 KB) = 1 RCU; the history query ≈ 1 RCU; the one write ≈ 2 WCU
    // for an item of 1-2 KB, plus one write to byNextOrder for the new key.
    expect(first.Customers?.read).toBe(1);
    expect(first.Customers?.write).toBeGreaterThanOrEqual(1);
    expect(first.Customers?.write).toBeLessThanOrEqual(3);
    expect(first['Customers/byNextOrder']?.write).toBe(1);
    expect(first.Orders?.read).toBeLessThanOrEqual(1);

    capacity.reset();
    expect(await recomputeMetrics(deps, ana.customerId)).toBe('unchanged'); // a replay: reads only
    expect(capacity.total().write).toBe(0);

    const stored = await db.send(
      new QueryCommand({
        TableName: tables.customers,
        IndexName: 'byNextOrder',
        KeyConditionExpression: 'nextOrderKey = :d',
        ExpressionAttributeValues: { ':d': (await customers.get(ana.customerId))!.ltv!.nextOrderDate },
      }),
    );
    expect(stored.Items?.map((i) => i.customerId)).toContain(ana.customerId);
    console.log(`capacity per order (stream side): ${JSON.stringify(first)}`);
  });

  it('a refit of 2,000 profiles: two scans and one write per changed profile', async () => {
    // Its own tables: a refit reads the whole Customers table.
    const { nameOf: own } = await appTables();
    const population = simulatedCustomers({ customers: 2_000, seed: 21, today: TODAY });
    for (let i = 0; i < population.length; i += 25) {
      await db.send(
        new BatchWriteCommand({
          RequestItems: {
            [own('Customers')]: population.slice(i, i + 25).map((item) => ({ PutRequest: { Item: item } })),
          },
        }),
      );
    }
    const capacity = new CapacityTally((name) => name.replace(/^.*_/, ''));
    const metered = meteredDb(capacity);
    const deps = {
      scan: new DynamoProfileScan(metered, own('Customers')),
      customers: new DynamoCustomerRepository(metered, { customers: own('Customers') }),
      models: new DynamoModelRepository(metered, own('Models')),
      clock: { now: () => new Date(`${TODAY}T03:00:00.000Z`) },
      rules: [CAT_LOVERS],
      settings: DEFAULT_SCORING_SETTINGS,
    };
    const started = performance.now();
    const outcome = await refitModel(deps);
    const millis = Math.round(performance.now() - started);
    expect(outcome).toMatchObject({ version: 1, profiles: 2_000, ltv: { status: 'refitted' } });
    expect(outcome.rescored.written).toBe(2_000);
    const units = Object.fromEntries(capacity.byTarget);
    console.log(
      `refit of 2,000 profiles on DynamoDB Local: ${millis} ms, ${JSON.stringify(outcome.millis)}, capacity ${JSON.stringify(units)}`,
    );

    const again = await refitModel(deps);
    expect(again.rescored).toEqual({ written: 0, stale: 0, unchanged: 2_000 });
    const current = await db.send(
      new GetCommand({ TableName: own('Models'), Key: { modelId: 'ltv', version: 0 } }),
    );
    expect(current.Item).toMatchObject({ version: 0, current: 2 });
    const summary = await deps.models.latestSummary();
    expect(summary).toMatchObject({ modelVersion: 2, customers: 2_000 });
  });
});
