import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type Customer, CustomerSchema } from '../../domain/customer';
import type { BirthdayIndexKeys } from '../../domain/occasion-keys';
import type { ProfileMetrics } from '../../domain/profile-metrics';
import {
  ConcurrentUpdateError,
  type CustomerRepository,
  type IdentityKind,
  IdentityTakenError,
} from '../../ports/customer-repository';
import { type CapacityRecorder, consumed } from './capacity';

export interface CustomerTables {
  customers: string;
  /** Maps a hashed email/phone to its customer: one customer per address, without a GSI's lag. */
  identities?: string;
}

/** The identity key stores a hash, so the lookup table holds no readable address. */
export const identityKey = (kind: IdentityKind, value: string): string =>
  `${kind}#${createHash('sha256').update(`${kind}:${value}`).digest('hex')}`;

const IdentityItemSchema = z.object({ customerId: z.string(), erasedAt: z.string().optional() });
type IdentityItem = z.infer<typeof IdentityItemSchema>;

// Attributes a signup owns; an update writes only these, leaving metrics and derived keys alone.
const PROFILE_ATTRIBUTES = [
  'firstName',
  'lastName',
  'email',
  'phone',
  'birthday',
  'timeZone',
  'locale',
  'interests',
  'consent',
  'updatedAt',
  'version',
] as const satisfies readonly (keyof Customer)[];

export class DynamoCustomerRepository implements CustomerRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: CustomerTables,
    private readonly capacity?: CapacityRecorder,
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
    consumed(this.capacity, out, 'read');
    return out.Item ? CustomerSchema.parse(out.Item) : undefined;
  }

  private get identitiesTable(): string {
    if (!this.tables.identities) throw new Error('this function was not given the identities table');
    return this.tables.identities;
  }

  async findByIdentity(kind: IdentityKind, value: string): Promise<Customer | undefined> {
    const item = await this.identityItem(kind, value);
    return item && item.erasedAt === undefined ? this.get(item.customerId) : undefined;
  }

  async findCustomerIdByIdentity(kind: IdentityKind, value: string): Promise<string | undefined> {
    return (await this.identityItem(kind, value))?.customerId;
  }

  private async identityItem(kind: IdentityKind, value: string): Promise<IdentityItem | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.identitiesTable,
        Key: { identity: identityKey(kind, value) },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    consumed(this.capacity, out, 'read');
    return out.Item ? IdentityItemSchema.parse(out.Item) : undefined;
  }

  async create(customer: Customer, identity: { kind: IdentityKind; value: string }): Promise<void> {
    try {
      const out = await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.identitiesTable,
                Item: {
                  identity: identityKey(identity.kind, identity.value),
                  customerId: customer.customerId,
                },
                // A live customer's address is taken; an erased person's may be claimed anew.
                ConditionExpression: 'attribute_not_exists(#id) OR attribute_exists(erasedAt)',
                ExpressionAttributeNames: { '#id': 'identity' },
              },
            },
            {
              Put: {
                TableName: this.tables.customers,
                Item: customer,
                ConditionExpression: 'attribute_not_exists(customerId)',
              },
            },
          ],
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      consumed(this.capacity, out, 'write');
    } catch (err) {
      if (
        err instanceof TransactionCanceledException &&
        err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        throw new IdentityTakenError('identity already belongs to a customer', { cause: err });
      }
      throw err;
    }
  }

  async updateProfile(customer: Customer, expectedVersion: number): Promise<void> {
    const set = PROFILE_ATTRIBUTES.filter((name) => customer[name] !== undefined);
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tables.customers,
          Key: { customerId: customer.customerId },
          UpdateExpression: `SET ${set.map((name) => `#${name} = :${name}`).join(', ')}`,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: Object.fromEntries(set.map((name) => [`#${name}`, name])),
          ExpressionAttributeValues: {
            ...Object.fromEntries(set.map((name) => [`:${name}`, customer[name]])),
            ':expected': expectedVersion,
          },
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      consumed(this.capacity, out, 'write');
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        throw new ConcurrentUpdateError('customer changed since it was read', { cause: err });
      }
      throw err;
    }
  }

  async saveMetrics(customerId: string, metrics: ProfileMetrics): Promise<void> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tables.customers,
        Key: { customerId },
        UpdateExpression: 'SET metrics = :metrics',
        ConditionExpression: 'attribute_exists(customerId)',
        ExpressionAttributeValues: { ':metrics': metrics },
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    consumed(this.capacity, out, 'write');
  }

  async setDerivedKeys(
    customerId: string,
    keys: Partial<BirthdayIndexKeys>,
    version: number,
  ): Promise<'updated' | 'stale'> {
    const names = ['birthdayKey', 'birthdayOffset'] as const;
    const set = names.filter((name) => keys[name] !== undefined);
    const remove = names.filter((name) => keys[name] === undefined);
    const clauses = [
      set.length > 0 ? `SET ${set.map((name) => `${name} = :${name}`).join(', ')}` : '',
      remove.length > 0 ? `REMOVE ${remove.join(', ')}` : '',
    ];
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tables.customers,
          Key: { customerId },
          UpdateExpression: clauses.filter(Boolean).join(' '),
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: {
            ...Object.fromEntries(set.map((name) => [`:${name}`, keys[name]])),
            ':version': version,
          },
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      consumed(this.capacity, out, 'write');
      return 'updated';
    } catch (err) {
      // A newer write's own stream record will derive its keys; this one has nothing left to do.
      if (err instanceof ConditionalCheckFailedException) return 'stale';
      throw err;
    }
  }
}
