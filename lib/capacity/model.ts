import * as z from '../zod';

// The capacity model: what an AWS account needs to run Precis for a given shop, computed from the
// capacity units the benchmarks MEASURED per event (bench/results/units.json, written by
// `npm run bench -- orders|signup|campaigns`), AWS's published prices and default quotas. Pure.
//
// Units are AWS units: DynamoDB Local reports 2 units per table a transaction touches, AWS bills 2
// per item, and the benches convert from the items (lib/adapters/dynamodb/capacity.ts). A partition
// serves at most 1,000 write and 3,000 read units a second; a DynamoDB stream has about one shard per
// partition.

export const UNITS_EVENTS = ['order', 'signup', 'message', 'plannedPerson'] as const;
export type UnitsEvent = (typeof UNITS_EVENTS)[number];

const TargetUnitsSchema = z.object({ read: z.number().check(z.gte(0)), write: z.number().check(z.gte(0)) });
export const EventUnitsSchema = z.extend(TargetUnitsSchema, {
  byTarget: z.record(z.string(), TargetUnitsSchema),
  /** Median HTTP time of the event's API call on the local runtime (ms), where it has one. */
  latencyMs: z.optional(z.number().check(z.positive())),
  invocations: z.optional(z.record(z.string(), z.number().check(z.gte(0)))),
  command: z.string(),
  measuredAt: z.string(),
});
export type EventUnits = z.infer<typeof EventUnitsSchema>;
export const MeasuredUnitsSchema = z.partialRecord(z.enum(UNITS_EVENTS), EventUnitsSchema);
export type MeasuredUnits = z.infer<typeof MeasuredUnitsSchema>;

export interface Workload {
  customers: number;
  /** The peak order rate the shop must take (the seeds' Double 11 figure is 544,000/s). */
  ordersPerSecond: number;
  messagesPerDay: number;
  /** Average orders a day (default: 3.7 per customer a year, the bench population's rate). */
  ordersPerDay?: number;
  /** Signups a day (default: a tenth of the customers a year). */
  signupsPerDay?: number;
  /** Hours of the day the messages of a zone go out in (the campaigns' send window; default 2). */
  sendHours?: number;
  /** The config's `indexShards`: write shards of the day-keyed indexes (default 1, unsharded). */
  indexShards?: number;
}

/** AWS's published figures (us-east-1, on-demand), each with where it is written. */
export const AWS = {
  // https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the November 2024 price cut)
  writeRequestUnitUsd: 0.625 / 1e6,
  readRequestUnitUsd: 0.125 / 1e6,
  storageGbMonthUsd: 0.25,
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
  tableWriteUnitsPerSecond: 40_000,
  tableReadUnitsPerSecond: 40_000,
  partitionWriteUnitsPerSecond: 1_000,
  partitionReadUnitsPerSecond: 3_000,
  // https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
  lambdaConcurrency: 1_000,
  lambdaRequestUsd: 0.2 / 1e6,
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html (account, per region)
  apiRequestsPerSecond: 10_000,
  httpApiRequestUsd: 1 / 1e6,
  // https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html: a new production account
  sesMessagesPerSecond: 14,
  sesMessagesPerDay: 50_000,
  sesMessageUsd: 0.1 / 1000,
} as const;

/** Assumed sizes for storage (a profile with metrics, scores and segments; an order with 2 lines). */
const PROFILE_KB = 2;
const ORDER_KB = 0.5;
const DAYS_PER_MONTH = 30;

export interface Limit {
  what: string;
  /** The order rate (orders/s) at which it is reached, or for message limits the messages/day. */
  reachedAt: number;
  unit: 'orders/s' | 'messages/day';
  quota: string;
  /** What the design does about it, or the quota to raise. */
  remedy: string;
  /** The limit over this workload's demand: below 1 it is exceeded. */
  headroom: number;
}

export interface CapacityPlan {
  workload: Required<Workload>;
  peak: {
    writeUnitsPerSecond: number;
    readUnitsPerSecond: number;
    /** Per table and index at the peak order rate. */
    byTarget: { target: string; write: number; read: number; partitions: number }[];
    streamShards: number;
    apiRequestsPerSecond: number;
    lambdaConcurrency: number;
    messagesPerSecond: number;
  };
  monthly: {
    writeUnits: number;
    readUnits: number;
    storageGb: number;
    lambdaInvocations: number;
    usd: {
      dynamoWrites: number;
      dynamoReads: number;
      storage: number;
      lambda: number;
      api: number;
      ses: number;
      total: number;
    };
  };
  /** Every limit, in the order the shop reaches them (the first breaks first). */
  limits: Limit[];
  missing: UnitsEvent[];
}

const ZERO_UNITS: EventUnits = { read: 0, write: 0, byTarget: {}, command: '', measuredAt: '' };

export function capacityPlan(measured: MeasuredUnits, input: Workload): CapacityPlan {
  const workload: Required<Workload> = {
    ordersPerDay: input.ordersPerDay ?? (input.customers * 3.7) / 365,
    signupsPerDay: input.signupsPerDay ?? input.customers / 10 / 365,
    sendHours: input.sendHours ?? 2,
    indexShards: input.indexShards ?? 1,
    ...input,
  };
  const missing = UNITS_EVENTS.filter((event) => measured[event] === undefined);
  const order = measured.order ?? ZERO_UNITS;
  const signup = measured.signup ?? ZERO_UNITS;
  const message = measured.message ?? ZERO_UNITS;
  const planned = measured.plannedPerson ?? ZERO_UNITS;
  const R = workload.ordersPerSecond;

  const byTarget = Object.entries(order.byTarget)
    .map(([target, units]) => ({
      target,
      write: R * units.write,
      read: R * units.read,
      partitions: Math.max(
        1,
        Math.ceil((R * units.write) / AWS.partitionWriteUnitsPerSecond),
        Math.ceil((R * units.read) / AWS.partitionReadUnitsPerSecond),
      ),
    }))
    .sort((p, q) => q.write - p.write);
  // Streams: the tables whose changes Lambda reads (the Orders and Customers tables).
  const streamShards = byTarget
    .filter((t) => !t.target.includes('/') && /^(Orders|Customers)$/.test(t.target))
    .reduce((sum, t) => sum + t.partitions, 0);
  const latencySeconds = (order.latencyMs ?? 100) / 1000;
  const messagesPerSecond = workload.messagesPerDay / (workload.sendHours * 3600);

  const perDay = {
    write:
      workload.ordersPerDay * order.write +
      workload.signupsPerDay * signup.write +
      workload.messagesPerDay * (message.write + planned.write),
    read:
      workload.ordersPerDay * order.read +
      workload.signupsPerDay * signup.read +
      workload.messagesPerDay * (message.read + planned.read),
  };
  const invocationsPerDay =
    workload.ordersPerDay * sumValues(order.invocations, 1) +
    workload.signupsPerDay * sumValues(signup.invocations, 1) +
    workload.messagesPerDay * sumValues(message.invocations, 1);
  const storageGb = (workload.customers * PROFILE_KB + workload.ordersPerDay * 365 * 2 * ORDER_KB) / 1e6;
  const monthlyWrites = perDay.write * DAYS_PER_MONTH;
  const monthlyReads = perDay.read * DAYS_PER_MONTH;
  const usd = {
    dynamoWrites: monthlyWrites * AWS.writeRequestUnitUsd,
    dynamoReads: monthlyReads * AWS.readRequestUnitUsd,
    storage: storageGb * AWS.storageGbMonthUsd,
    lambda: invocationsPerDay * DAYS_PER_MONTH * AWS.lambdaRequestUsd,
    api: (workload.ordersPerDay + workload.signupsPerDay) * DAYS_PER_MONTH * AWS.httpApiRequestUsd,
    ses: workload.messagesPerDay * DAYS_PER_MONTH * AWS.sesMessageUsd,
    total: 0,
  };
  usd.total = usd.dynamoWrites + usd.dynamoReads + usd.storage + usd.lambda + usd.api + usd.ses;

  const limits: Omit<Limit, 'headroom'>[] = [
    {
      what: 'API Gateway requests per second (account, region)',
      reachedAt: AWS.apiRequestsPerSecond,
      unit: 'orders/s',
      quota: `${AWS.apiRequestsPerSecond.toLocaleString('en-US')} requests/s`,
      remedy: 'raise the API Gateway throttling quota, or post orders in batches',
    },
    {
      what: 'Lambda concurrent executions (account, region)',
      reachedAt: AWS.lambdaConcurrency / latencySeconds,
      unit: 'orders/s',
      quota: `${AWS.lambdaConcurrency.toLocaleString('en-US')} (orders take ${Math.round(latencySeconds * 1000)} ms each at the API)`,
      remedy: 'raise the concurrency quota',
    },
    ...Object.entries(order.byTarget).flatMap(([target, units]) => {
      const found: Omit<Limit, 'headroom'>[] = [];
      if (units.write > 0 && !target.includes('/')) {
        found.push({
          what: `DynamoDB ${target} table write throughput`,
          reachedAt: AWS.tableWriteUnitsPerSecond / units.write,
          unit: 'orders/s',
          quota: `${AWS.tableWriteUnitsPerSecond.toLocaleString('en-US')} write units/s per table`,
          remedy: 'raise the table-level throughput quota (on-demand scales partitions)',
        });
      }
      if (units.write > 0 && DAY_KEYED_INDEXES.has(target)) {
        const shards = workload.indexShards;
        found.push({
          what: `DynamoDB ${target}: ${shards === 1 ? 'one partition key' : `${shards.toLocaleString('en-US')} partition keys`} per day (a hot key)`,
          reachedAt: (shards * AWS.partitionWriteUnitsPerSecond) / units.write,
          unit: 'orders/s',
          quota: `${AWS.partitionWriteUnitsPerSecond.toLocaleString('en-US')} write units/s per partition (no quota raises it)`,
          remedy: `raise indexShards (now ${shards.toLocaleString('en-US')}): each write shard of the day key adds a partition`,
        });
      }
      return found;
    }),
    {
      what: 'SES sending rate (a new production account)',
      reachedAt: AWS.sesMessagesPerSecond * workload.sendHours * 3600,
      unit: 'messages/day',
      quota: `${AWS.sesMessagesPerSecond} messages/s, ${AWS.sesMessagesPerDay.toLocaleString('en-US')}/day`,
      remedy: 'ask SES for a higher sending quota; the sender paces to MaxSendRate',
    },
  ];
  const ranked = limits
    .map((limit) => ({ ...limit, headroom: headroom(limit, workload) }))
    .sort((p, q) => p.headroom - q.headroom);

  return {
    workload,
    peak: {
      writeUnitsPerSecond: R * order.write,
      readUnitsPerSecond: R * order.read,
      byTarget,
      streamShards,
      apiRequestsPerSecond: R,
      lambdaConcurrency: Math.ceil(R * latencySeconds),
      messagesPerSecond,
    },
    monthly: {
      writeUnits: monthlyWrites,
      readUnits: monthlyReads,
      storageGb,
      lambdaInvocations: invocationsPerDay * DAYS_PER_MONTH,
      usd,
    },
    limits: ranked,
    missing,
  };
}

/** Indexes keyed on a calendar day: every write of that day lands on one partition key. */
const DAY_KEYED_INDEXES: ReadonlySet<string> = new Set([
  'Customers/byLastOrder',
  'Customers/byBirthday',
  'Customers/byNextOrder',
]);

/** A limit over the demand it meets: order rates against the peak, message limits against the day's. */
const headroom = (limit: Omit<Limit, 'headroom'>, workload: Required<Workload>) =>
  limit.unit === 'orders/s'
    ? limit.reachedAt / Math.max(workload.ordersPerSecond, 1e-9)
    : limit.reachedAt / Math.max(workload.messagesPerDay, 1e-9);

const sumValues = (record: Record<string, number> | undefined, fallback: number) =>
  record ? Object.values(record).reduce((a, b) => a + b, 0) : fallback;
