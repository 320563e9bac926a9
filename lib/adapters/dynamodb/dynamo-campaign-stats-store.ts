import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type AttributedSoFar, attributionChange } from '../../domain/measurement/attribution';
import {
  type CampaignCounters,
  CampaignCountersSchema,
  type FunnelStage,
  MEASUREMENT_GROUPS,
  type MeasurementGroup,
  statsKeys,
} from '../../domain/measurement/campaign-stats';
import { type CounterChange, funnelChange, type MeasuredDelivery } from '../../domain/measurement/funnel';
import { sumCounters } from '../../domain/measurement/report';
import {
  type AttributeResult,
  type CampaignStatsStore,
  type MeasuredOrder,
  StatsContentionError,
  type TakeBackResult,
} from '../../ports/campaign-stats-store';
import * as z from '../../zod';

// Every counter change is ONE TransactWriteItems: a conditional write on the fact's marker item
// first, then ADD updates on the campaign's two counters rows (`all` and the day). Either the marker
// and the counters change together or nothing does, so an at-least-once stream replaying a record
// finds the marker and changes nothing (TransactionCanceled with ConditionalCheckFailed on item 0 =
// already done). Cost per transaction: 2 write units per item (DynamoDB's transactional price).
//
//   funnel:       measurement item  ADD stages {s…}  IF NOT contains(stages, s) for each s
//   attribution:  attribution item  PUT            IF attribute_not_exists(pk)   (each order once)
//                 measurement item  SET orders, revenue, v = v + 1  IF v = the version read
//                 (the revenueSquares delta 2Rx + x² needs R, the delivery's revenue so far)
//   take back:    attribution item  SET state = cancelled  IF state = attributed
//                 measurement item  as above, with −x

const ATTEMPTS = 6;
const SMS_MAP = 'sentSmsByCountry';
const SKIPS_MAP = 'skippedByReason';

const MeasurementItemSchema = z.object({
  stages: z.optional(z.set(z.string())),
  v: z._default(z.number().check(z.int(), z.gte(0)), 0),
  orders: z._default(z.number().check(z.int(), z.gte(0)), 0),
  revenue: z._default(z.number().check(z.gte(0)), 0),
});
type MeasurementItem = z.infer<typeof MeasurementItemSchema>;

const AttributionItemSchema = z.discriminatedUnion('state', [
  z.object({
    state: z.literal('attributed'),
    orderId: z.string(),
    amount: z.number(),
    customerId: z.string(),
    deliveryKey: z.string(),
    campaignId: z.string(),
    group: z.enum(MEASUREMENT_GROUPS),
    periods: z.array(z.string()),
    vip: z.boolean(),
  }),
  z.object({ state: z.literal('cancelled') }),
]);

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The CampaignStats table (pk, sk). */
export class DynamoCampaignStatsStore implements CampaignStatsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** Write shards of the counters rows (see statsKeys.counterShard). */
    private readonly counterShards = 1,
  ) {}

  /** The counters row a delivery's counts go to, for one period. */
  private countersKey(delivery: MeasuredDelivery, period: string) {
    const shard = statsKeys.counterShard(delivery.customerId, this.counterShards);
    return statsKeys.counters(delivery.campaignId, period, delivery.group, shard);
  }

  async countStages(delivery: MeasuredDelivery, stages: readonly FunnelStage[]): Promise<FunnelStage[]> {
    let pending = [...new Set(stages)];
    for (let attempt = 1; pending.length > 0; attempt++) {
      const change = funnelChange(delivery, pending);
      const conditions = pending.map((_, i) => `NOT contains(#stages, :s${i})`);
      const marker: TransactItem = {
        Update: {
          TableName: this.table,
          Key: statsKeys.measurement(delivery.customerId, delivery.deliveryKey),
          UpdateExpression: 'ADD #stages :new',
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: { '#stages': 'stages' },
          ExpressionAttributeValues: {
            ':new': new Set(pending),
            ...Object.fromEntries(pending.map((stage, i) => [`:s${i}`, stage])),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      };
      const outcome = await this.transact(marker, delivery, change);
      if (outcome.status === 'done') return pending;
      if (attempt >= ATTEMPTS) throw new StatsContentionError('counting funnel stages kept conflicting');
      if (outcome.status === 'marker_failed') {
        // Some of these stages were counted meanwhile (a replay or a racing record): count the rest.
        const counted = (outcome.item ?? (await this.measurement(delivery))).stages ?? new Set<string>();
        pending = pending.filter((stage) => !counted.has(stage));
      }
      await backoff(attempt);
    }
    return [];
  }

  async attribute(order: MeasuredOrder, delivery: MeasuredDelivery): Promise<AttributeResult> {
    for (let attempt = 1; ; attempt++) {
      const before = await this.measurement(delivery);
      const { change, after } = attributionChange(before, order.amount, 1, delivery.vip);
      const outcome = await this.transact(
        {
          Put: {
            TableName: this.table,
            Item: {
              ...statsKeys.attribution(order.orderId),
              state: 'attributed',
              orderId: order.orderId,
              orderedAt: order.orderedAt,
              amount: order.amount,
              customerId: delivery.customerId,
              deliveryKey: delivery.deliveryKey,
              campaignId: delivery.campaignId,
              group: delivery.group,
              periods: [...delivery.periods],
              vip: delivery.vip,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        delivery,
        change,
        this.versioned(delivery, before, after),
      );
      if (outcome.status === 'done') return 'attributed';
      if (outcome.status === 'marker_failed') return 'already_done';
      if (attempt >= ATTEMPTS) throw new StatsContentionError('attributing an order kept conflicting');
      await backoff(attempt);
    }
  }

  async takeBack(orderId: string, cancelledAt: string): Promise<TakeBackResult> {
    const key = statsKeys.attribution(orderId);
    for (let attempt = 1; ; attempt++) {
      const out = await this.db.send(
        new GetCommand({
          TableName: this.table,
          Key: key,
          ConsistentRead: true,
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      if (!out.Item) {
        // Never attributed (no delivery in the window, or the cancellation overtook the order):
        // a tombstone, so the order's placement attributes nothing when it comes (again).
        try {
          await this.db.send(
            new PutCommand({
              TableName: this.table,
              Item: { ...key, state: 'cancelled', orderId, cancelledAt },
              ConditionExpression: 'attribute_not_exists(pk)',
              ReturnConsumedCapacity: 'INDEXES',
            }),
          );
          return 'not_attributed';
        } catch (err) {
          if (!isConditionFailure(err) || attempt >= ATTEMPTS) throw err;
          continue;
        }
      }
      const attribution = AttributionItemSchema.parse(out.Item);
      if (attribution.state === 'cancelled') return 'already_done';
      const delivery: MeasuredDelivery = {
        customerId: attribution.customerId,
        deliveryKey: attribution.deliveryKey,
        campaignId: attribution.campaignId,
        group: attribution.group,
        periods: attribution.periods,
        channel: 'email',
        vip: attribution.vip,
      };
      const before = await this.measurement(delivery);
      const { change, after } = attributionChange(before, attribution.amount, -1, attribution.vip);
      const outcome = await this.transact(
        {
          Update: {
            TableName: this.table,
            Key: key,
            UpdateExpression: 'SET #state = :cancelled, cancelledAt = :at',
            ConditionExpression: '#state = :attributed',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':cancelled': 'cancelled',
              ':attributed': 'attributed',
              ':at': cancelledAt,
            },
          },
        },
        delivery,
        change,
        this.versioned(delivery, before, after),
      );
      if (outcome.status === 'done') return 'taken_back';
      if (outcome.status === 'marker_failed') return 'already_done';
      if (attempt >= ATTEMPTS) throw new StatsContentionError('taking an attribution back kept conflicting');
      await backoff(attempt);
    }
  }

  async counters(campaignId: string, period: string, group: MeasurementGroup): Promise<CampaignCounters> {
    const shards = await Promise.all(
      Array.from({ length: this.counterShards }, async (_, shard) => {
        const out = await this.db.send(
          new GetCommand({
            TableName: this.table,
            Key: statsKeys.counters(campaignId, period, group, shard),
            ConsistentRead: true,
            ReturnConsumedCapacity: 'INDEXES',
          }),
        );
        return CampaignCountersSchema.parse(out.Item ?? {});
      }),
    );
    return sumCounters(shards);
  }

  private async measurement(delivery: Pick<MeasuredDelivery, 'customerId' | 'deliveryKey'>) {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: statsKeys.measurement(delivery.customerId, delivery.deliveryKey),
        ConsistentRead: true,
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    return MeasurementItemSchema.parse(out.Item ?? {});
  }

  /** The measurement item's attribution totals, written only if nobody changed them since `before`. */
  private versioned(
    delivery: MeasuredDelivery,
    before: MeasurementItem,
    after: AttributedSoFar,
  ): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: statsKeys.measurement(delivery.customerId, delivery.deliveryKey),
        UpdateExpression: 'SET orders = :orders, revenue = :revenue, v = :next',
        ConditionExpression: before.v === 0 ? 'attribute_not_exists(v)' : 'v = :v',
        ExpressionAttributeValues: {
          ':orders': after.orders,
          ':revenue': after.revenue,
          ':next': before.v + 1,
          ...(before.v !== 0 && { ':v': before.v }),
        },
      },
    };
  }

  /**
   * The marker write(s) and the two counters rows in one transaction. `marker_failed`: the first
   * item's condition failed (already done, or for the funnel some stages were); `retry`: a race (a
   * concurrent transaction, or the version item's condition).
   */
  private async transact(
    marker: TransactItem,
    delivery: MeasuredDelivery,
    change: CounterChange,
    version?: TransactItem,
  ): Promise<{ status: 'done' } | { status: 'marker_failed'; item?: MeasurementItem } | { status: 'retry' }> {
    const counters = delivery.periods.map((period) => this.countersUpdate(delivery, period, change));
    const items = [marker, ...(version ? [version] : []), ...counters];
    for (let repaired = false; ; repaired = true) {
      try {
        await this.db.send(
          new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: 'INDEXES' }),
        );
        return { status: 'done' };
      } catch (err) {
        if (err instanceof TransactionCanceledException) {
          const reasons = err.CancellationReasons ?? [];
          if (reasons[0]?.Code === 'ConditionalCheckFailed') {
            const old = reasons[0].Item;
            return {
              status: 'marker_failed',
              ...(old && { item: MeasurementItemSchema.parse(unmarshall(old)) }),
            };
          }
          if (reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict'))
            return { status: 'retry' };
          throw err;
        }
        // The first SMS (or skip) counted on a counters row that has no country (or reason) map yet
        // (a racing record got there before the row's first write, or the row predates the map):
        // create the maps, then try again.
        if (!repaired && (change.smsCountry || change.skipReason) && isInvalidPath(err)) {
          await Promise.all(delivery.periods.map((period) => this.ensureMaps(delivery, period)));
          continue;
        }
        throw err;
      }
    }
  }

  private countersUpdate(delivery: MeasuredDelivery, period: string, change: CounterChange): TransactItem {
    const names: Record<string, string> = { '#sms': SMS_MAP, '#skips': SKIPS_MAP };
    const values: Record<string, unknown> = {};
    const adds: string[] = [];
    Object.entries(change.add).forEach(([counter, amount], i) => {
      if (!amount) return;
      names[`#c${i}`] = counter;
      values[`:c${i}`] = amount;
      adds.push(`#c${i} :c${i}`);
    });
    // A write that adds into a map needs it to exist; every other write makes sure it does, so the
    // row's first SMS (or skip) can ADD into it.
    const sets: string[] = [];
    const ensure = (map: string) => {
      values[':empty'] = {};
      sets.push(`${map} = if_not_exists(${map}, :empty)`);
    };
    if (change.smsCountry) {
      names['#country'] = change.smsCountry;
      values[':one'] = 1;
      adds.push('#sms.#country :one');
    } else ensure('#sms');
    if (change.skipReason) {
      names['#reason'] = change.skipReason;
      values[':one'] = 1;
      adds.push('#skips.#reason :one');
    } else ensure('#skips');
    const set = sets.length > 0 ? ` SET ${sets.join(', ')}` : '';
    return {
      Update: {
        TableName: this.table,
        Key: this.countersKey(delivery, period),
        UpdateExpression: `${adds.length > 0 ? `ADD ${adds.join(', ')}` : ''}${set}`.trim(),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  private async ensureMaps(delivery: MeasuredDelivery, period: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.countersKey(delivery, period),
        UpdateExpression: 'SET #sms = if_not_exists(#sms, :empty), #skips = if_not_exists(#skips, :empty)',
        ExpressionAttributeNames: { '#sms': SMS_MAP, '#skips': SKIPS_MAP },
        ExpressionAttributeValues: { ':empty': {} },
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
  }
}

const isConditionFailure = (err: unknown): boolean =>
  (err as { name?: string })?.name === 'ConditionalCheckFailedException';

const isInvalidPath = (err: unknown): boolean =>
  (err as { name?: string })?.name === 'ValidationException' &&
  /document path/i.test((err as Error).message ?? '');

const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.min(500, 10 * 2 ** attempt) * Math.random()));
