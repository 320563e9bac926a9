import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  CHANGE_ATTRIBUTE,
  type ChangeKind,
  type Customer,
  CustomerSchema,
  PROFILE_FIELDS,
  type Suppression,
} from '../../domain/customer';
import { DERIVED_PERSONAL_ATTRIBUTES, PERSONAL_ATTRIBUTES } from '../../domain/erasure';
import { DERIVED_KEY_NAMES } from '../../domain/occasion-keys';
import type { ProfileMetrics } from '../../domain/profile-metrics';
import type { Satisfaction } from '../../domain/satisfaction';
import {
  ConcurrentUpdateError,
  type CustomerRepository,
  type DerivedCondition,
  type DerivedUpdate,
  type IdentityKind,
  IdentityTakenError,
} from '../../ports/customer-repository';
import type { IdentityKeys } from '../../ports/identity-keys';
import * as z from '../../zod';

export interface CustomerTables {
  customers: string;
  /**
   * Maps an email/phone to its customer (one customer per address, without a GSI's lag), keyed by a
   * keyed pseudonym of the address (`keys`), so the table holds nothing a dictionary can reverse.
   */
  identities?: IdentityTable;
}

export interface IdentityTable {
  table: string;
  keys: IdentityKeys;
}

const IdentityItemSchema = z.object({
  customerId: z.optional(z.string()),
  erasedAt: z.optional(z.string()),
  suppressed: z.optional(z.object({ reason: z.string(), at: z.string() })),
});
type StoredIdentity = z.infer<typeof IdentityItemSchema> & { key: string };

// Attributes a signup owns; an update writes only these, leaving metrics and derived keys alone.
const PROFILE_ATTRIBUTES = [...PROFILE_FIELDS, 'updatedAt', 'version'] as const;

/** The stored metrics count the same orders as those a writer scored from (DerivedCondition.metrics). */
const sameOrders = (stored: unknown, read: ProfileMetrics | null): boolean => {
  const counted = stored as Pick<ProfileMetrics, 'orderCount' | 'totalSpend'> | undefined;
  return read === null
    ? counted === undefined
    : counted?.orderCount === read.orderCount && counted?.totalSpend === read.totalSpend;
};

export class DynamoCustomerRepository implements CustomerRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: CustomerTables,
  ) {}

  async get(customerId: string): Promise<Customer | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tables.customers,
        Key: { customerId },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    return out.Item ? CustomerSchema.parse(out.Item) : undefined;
  }

  async getMany(customerIds: readonly string[]): Promise<Customer[]> {
    const found: Customer[] = [];
    const table = this.tables.customers;
    const ids = [...new Set(customerIds)];
    // BatchGetItem takes at most 100 keys; unprocessed keys (throttling) are asked for again.
    for (let i = 0; i < ids.length; i += 100) {
      let pending: Record<string, unknown>[] | undefined = ids
        .slice(i, i + 100)
        .map((customerId) => ({ customerId }));
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        const out = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [table]: { Keys: pending } },
            ReturnConsumedCapacity: 'INDEXES',
          }),
        );
        for (const item of out.Responses?.[table] ?? []) found.push(CustomerSchema.parse(item));
        pending = out.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return found;
  }

  private get identities(): IdentityTable {
    if (!this.tables.identities) throw new Error('this function was not given the identities table');
    return this.tables.identities;
  }

  async findByIdentity(kind: IdentityKind, value: string): Promise<Customer | undefined> {
    const item = (await this.identityItems(kind, value)).find((found) => found.customerId !== undefined);
    return item?.customerId !== undefined && item.erasedAt === undefined
      ? this.get(item.customerId)
      : undefined;
  }

  async customerIdsByPhone(phone: string): Promise<string[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tables.customers,
        IndexName: 'byPhone',
        KeyConditionExpression: 'phone = :phone',
        ExpressionAttributeValues: { ':phone': phone },
        Limit: 10,
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    return (out.Items ?? [])
      .map((item) => z.object({ customerId: z.string() }).parse(item).customerId)
      .sort();
  }

  async findCustomerIdByIdentity(kind: IdentityKind, value: string): Promise<string | undefined> {
    return (await this.identityItems(kind, value)).find((found) => found.customerId !== undefined)
      ?.customerId;
  }

  async identitySuppression(
    identities: readonly { kind: IdentityKind; value: string }[],
  ): Promise<Suppression> {
    const suppression: Suppression = {};
    for (const { kind, value } of identities) {
      const suppressed = (await this.identityItems(kind, value)).find(
        (found) => found.suppressed,
      )?.suppressed;
      if (suppressed) suppression[kind === 'email' ? 'email' : 'sms'] = suppressed;
    }
    return suppression;
  }

  /**
   * The items stored for an address, newest key first: usually one (the first look-up hits), more
   * only across a key rotation (an item under an older key, a suppression mark under the newer).
   */
  private async identityItems(kind: IdentityKind, value: string): Promise<StoredIdentity[]> {
    const found: StoredIdentity[] = [];
    for (const key of await this.identities.keys.keysOf(kind, value)) {
      const out = await this.db.send(
        new GetCommand({
          TableName: this.identities.table,
          Key: { identity: key },
          ConsistentRead: true,
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      if (out.Item) found.push({ key, ...IdentityItemSchema.parse(out.Item) });
      // The item that names a customer is authoritative: no older key can name another live one.
      if (found.at(-1)?.customerId !== undefined) break;
    }
    return found;
  }

  async create(customer: Customer, identity: { kind: IdentityKind; value: string }): Promise<void> {
    const [writeKey, ...olderKeys] = await this.identities.keys.keysOf(identity.kind, identity.value);
    // A live customer's address is taken; an erased person's (or one only marked suppressed, never
    // claimed) may be claimed anew. Checked under every key, so a rotation cannot give one address
    // two customers.
    const free = 'attribute_not_exists(customerId) OR attribute_exists(erasedAt)';
    try {
      const _out = await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              // An update, not a put: a suppression mark on an erased person's address stays.
              Update: {
                TableName: this.identities.table,
                Key: { identity: writeKey },
                UpdateExpression: 'SET customerId = :customerId REMOVE erasedAt',
                ConditionExpression: free,
                ExpressionAttributeValues: { ':customerId': customer.customerId },
              },
            },
            {
              Put: {
                TableName: this.tables.customers,
                Item: { ...customer, [CHANGE_ATTRIBUTE]: 'facts' satisfies ChangeKind },
                ConditionExpression: 'attribute_not_exists(customerId)',
              },
            },
            ...olderKeys.map((key) => ({
              ConditionCheck: {
                TableName: this.identities.table,
                Key: { identity: key },
                ConditionExpression: free,
              },
            })),
          ],
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
    } catch (err) {
      const reasons = err instanceof TransactionCanceledException ? (err.CancellationReasons ?? []) : [];
      if (reasons.some((reason, i) => i !== 1 && reason.Code === 'ConditionalCheckFailed')) {
        throw new IdentityTakenError('identity already belongs to a customer', { cause: err });
      }
      throw err;
    }
  }

  async updateProfile(
    customer: Customer,
    expectedVersion: number,
    identity?: { kind: IdentityKind; value: string },
    options: { unchanged?: boolean } = {},
  ): Promise<void> {
    const set = PROFILE_ATTRIBUTES.filter((name) => customer[name] !== undefined);
    // A field the person cleared (a last name, a birthday on the manage page) is removed.
    const remove = PROFILE_ATTRIBUTES.filter((name) => customer[name] === undefined);
    const update = {
      TableName: this.tables.customers,
      Key: { customerId: customer.customerId },
      UpdateExpression:
        `SET ${set.map((name) => `#${name} = :${name}`).join(', ')}, ` +
        (options.unchanged ? '#change = if_not_exists(#change, :change)' : '#change = :change') +
        (remove.length > 0 ? ` REMOVE ${remove.map((name) => `#${name}`).join(', ')}` : ''),
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: {
        ...Object.fromEntries([...set, ...remove].map((name) => [`#${name}`, name])),
        '#change': CHANGE_ATTRIBUTE,
      },
      ExpressionAttributeValues: {
        ...Object.fromEntries(set.map((name) => [`:${name}`, customer[name]])),
        ':expected': expectedVersion,
        ':change': 'facts' satisfies ChangeKind,
      },
    };
    try {
      if (!identity) {
        await this.db.send(new UpdateCommand({ ...update, ReturnConsumedCapacity: 'INDEXES' }));
        return;
      }
      // The address's item (under the newest key that has one) must still name this customer.
      const [key = (await this.identities.keys.keysOf(identity.kind, identity.value))[0]] = (
        await this.identityItems(identity.kind, identity.value)
      )
        .filter((item) => item.customerId === customer.customerId)
        .map((item) => item.key);
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.identities.table,
                Key: { identity: key },
                ConditionExpression: 'customerId = :customerId AND attribute_not_exists(erasedAt)',
                ExpressionAttributeValues: { ':customerId': customer.customerId },
              },
            },
            { Update: update },
          ],
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || err instanceof TransactionCanceledException) {
        throw new ConcurrentUpdateError('customer changed since it was read', { cause: err });
      }
      throw err;
    }
  }

  async saveDerived(
    customerId: string,
    update: DerivedUpdate,
    condition?: DerivedCondition,
  ): Promise<'updated' | 'stale'> {
    const set: Record<string, unknown> = {};
    const remove: string[] = [];
    if (update.metrics) set.metrics = update.metrics;
    if (update.scores) {
      set.ltv = update.scores.ltv;
      set.segments = update.scores.segments;
    }
    for (const name of DERIVED_KEY_NAMES) {
      if (!update.keys || !Object.hasOwn(update.keys, name)) continue;
      const value = update.keys[name];
      if (value === undefined) remove.push(name);
      else set[name] = value;
    }
    if (Object.keys(set).length === 0 && remove.length === 0) return 'updated';
    set[CHANGE_ATTRIBUTE] = (update.segmentsChanged ? 'segments' : 'derived') satisfies ChangeKind;
    // `derived` only while the stored segments are the ones the writer read (DerivedUpdate.segmentsRead).
    const guard = update.scores !== undefined && !update.segmentsChanged && update.segmentsRead !== undefined;
    const conditions = [
      'attribute_exists(customerId)',
      ...(condition ? ['#version = :version'] : []),
      ...(condition?.metrics === null ? ['attribute_not_exists(#metrics)'] : []),
      ...(condition?.metrics
        ? ['#metrics.#orderCount = :orderCount AND #metrics.#totalSpend = :totalSpend']
        : []),
      ...(guard
        ? [update.segmentsRead === null ? 'attribute_not_exists(#segments)' : '#segments = :segmentsRead']
        : []),
    ];
    const setNames = Object.keys(set);
    // Every name through a placeholder: METRICS (and others) are DynamoDB reserved words.
    const clauses = [
      setNames.length > 0 ? `SET ${setNames.map((name) => `#${name} = :${name}`).join(', ')}` : '',
      remove.length > 0 ? `REMOVE ${remove.map((name) => `#${name}`).join(', ')}` : '',
    ];
    try {
      const _out = await this.db.send(
        new UpdateCommand({
          TableName: this.tables.customers,
          Key: { customerId },
          UpdateExpression: clauses.filter(Boolean).join(' '),
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: Object.fromEntries(
            [
              ...new Set([
                ...setNames,
                ...remove,
                ...(condition ? ['version'] : []),
                ...(condition?.metrics !== undefined ? ['metrics'] : []),
                ...(condition?.metrics ? ['orderCount', 'totalSpend'] : []),
                ...(guard ? ['segments'] : []),
              ]),
            ].map((name) => [`#${name}`, name]),
          ),
          ExpressionAttributeValues: {
            ...Object.fromEntries(setNames.map((name) => [`:${name}`, set[name]])),
            ...(condition && { ':version': condition.version }),
            ...(guard && update.segmentsRead !== null && { ':segmentsRead': update.segmentsRead }),
            ...(condition?.metrics && {
              ':orderCount': condition.metrics.orderCount,
              ':totalSpend': condition.metrics.totalSpend,
            }),
          },
          ReturnConsumedCapacity: 'INDEXES',
          ReturnValuesOnConditionCheckFailure: guard ? 'ALL_OLD' : 'NONE',
        }),
      );
      return 'updated';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        // Still there at the version asked for: only the segments moved since the read, and this
        // write moves them back. Write it again as a segments change.
        const old = err.Item ? unmarshall(err.Item) : undefined;
        const stillAsRead =
          old !== undefined &&
          (!condition || old.version === condition.version) &&
          (condition?.metrics === undefined || sameOrders(old.metrics, condition.metrics));
        if (guard && stillAsRead) {
          return this.saveDerived(
            customerId,
            { ...update, segmentsChanged: true, segmentsRead: undefined },
            condition,
          );
        }
        // A newer write's own stream record will derive its parts; this one has nothing left to do.
        return 'stale';
      }
      throw err;
    }
  }

  async saveSatisfaction(customerId: string, satisfaction: Satisfaction): Promise<void> {
    const _out = await this.db.send(
      new UpdateCommand({
        TableName: this.tables.customers,
        Key: { customerId },
        // A survey answer is what the person told us: the profile stream re-scores the matrix cell.
        UpdateExpression: 'SET #satisfaction = :satisfaction, #change = :change',
        ConditionExpression: 'attribute_exists(customerId)',
        ExpressionAttributeNames: { '#satisfaction': 'satisfaction', '#change': CHANGE_ATTRIBUTE },
        ExpressionAttributeValues: { ':satisfaction': satisfaction, ':change': 'facts' satisfies ChangeKind },
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
  }

  async suppressIdentities(
    customerId: string,
    identities: readonly { kind: IdentityKind; value: string }[],
    erasedAt: string,
  ): Promise<void> {
    for (const { kind, value } of identities) {
      // The items that are this customer's (under whichever key); none: the newest key's, as a
      // suppression entry for an address that was never claimed.
      const items = await this.identityItems(kind, value);
      const mine = items.filter((item) => item.customerId === customerId).map((item) => item.key);
      const keys = mine.length > 0 ? mine : [(await this.identities.keys.keysOf(kind, value))[0] as string];
      for (const key of keys) {
        try {
          const _out = await this.db.send(
            new UpdateCommand({
              TableName: this.identities.table,
              Key: { identity: key },
              UpdateExpression: 'SET customerId = :me, erasedAt = if_not_exists(erasedAt, :at)',
              // Ours, or never claimed (then it becomes a suppression entry); never another customer's.
              ConditionExpression: 'attribute_not_exists(customerId) OR customerId = :me',
              ExpressionAttributeValues: { ':me': customerId, ':at': erasedAt },
              ReturnConsumedCapacity: 'INDEXES',
            }),
          );
        } catch (err) {
          if (!(err instanceof ConditionalCheckFailedException)) throw err; // another customer's identity
        }
      }
    }
  }

  async erase(erased: Customer, expectedVersion: number): Promise<void> {
    if (erased.erasedAt === undefined) throw new Error('an erased profile carries erasedAt');
    try {
      const _out = await this.db.send(
        new UpdateCommand({
          TableName: this.tables.customers,
          Key: { customerId: erased.customerId },
          UpdateExpression:
            'SET interests = :interests, consent = :consent, erasedAt = :erasedAt, updatedAt = :updatedAt, ' +
            `#version = :version, #change = :change REMOVE ${[...PERSONAL_ATTRIBUTES, ...DERIVED_PERSONAL_ATTRIBUTES].join(', ')}`,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version', '#change': CHANGE_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':change': 'facts' satisfies ChangeKind,
            ':interests': erased.interests,
            ':consent': erased.consent,
            ':erasedAt': erased.erasedAt,
            ':updatedAt': erased.updatedAt,
            ':version': erased.version,
            ':expected': expectedVersion,
          },
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        throw new ConcurrentUpdateError('customer changed since it was read', { cause: err });
      }
      throw err;
    }
  }
}
