import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import { HmacIdentityKeys } from '../adapters/crypto/hmac-identity-keys';
import { orderClaimItem, orderItem } from '../adapters/dynamodb/dynamo-order-repository';
import { surveyClaimKey, surveyItems } from '../adapters/dynamodb/dynamo-survey-repository';
import { CHANGE_ATTRIBUTE, type ChangeKind, newCustomer } from '../domain/customer';
import { orderFingerprint, orderSchema } from '../domain/order';
import { signupSchema } from '../domain/signup';
import { surveyFingerprint, surveySchema } from '../domain/survey';
import type { StoredSurvey } from '../ports/survey-repository';
import * as z from '../zod';
import type { DemoCustomer } from './population';

// The demo population written in bulk (BatchWriteItem, several batches in flight) into the local
// runtime's DynamoDB Local, where the API would have written one item at a time. Everything after
// the write is the real pipeline: the Customers stream derives the index keys and sends the double
// opt-in emails, the Orders stream recomputes each customer's metrics, LTV and segments (a customer's
// orders arrive together, so one recompute covers them), the Surveys stream the satisfaction.
//
// The items are the ones the API's use cases would store, built by the same domain functions
// (signup, order and survey schemas; newCustomer; the fingerprints) and the adapters' own item
// shapes, with the API's invariants kept: one customer per address (an address already known is
// that customer; an erased or suppressed one, or a phone held by someone else, is left out), an order
// id or survey id stored once (the same one again is a duplicate, a different one under a known id a
// conflict). Only a local runtime offers a bulk target (GET /local/bulk-target); elsewhere the seed
// goes through the API.

export const BulkTargetSchema = z.object({
  dynamoEndpoint: z.string(),
  tables: z.object({
    customers: z.string(),
    identities: z.string(),
    orders: z.string(),
    orderIds: z.string(),
    surveys: z.string(),
  }),
  reportingCurrency: z.string(),
  exchangeRates: z.string(),
  /** The pseudonym keys of the Identities table (newest first), as the functions read them. */
  identityKeys: z.array(z.string()).check(z.minLength(1)),
  identityLegacyLookup: z.boolean(),
});
export type BulkTarget = z.infer<typeof BulkTargetSchema>;

type Item = Record<string, NativeAttributeValue>;

export class BulkLoadError extends Error {
  override readonly name = 'BulkLoadError';
  readonly code = 'bulk_load_failed';
}

/** Batches in flight against DynamoDB Local. */
const IN_FLIGHT = 6;

export class DemoBulkLoader {
  private readonly db: DynamoDBDocumentClient;
  /** Demo email → customer id, for the customers loaded (or found) by loadSignups. */
  private readonly ids = new Map<string, string>();
  private readonly identityKeys: HmacIdentityKeys;

  constructor(
    private readonly target: BulkTarget,
    private readonly now: Date,
  ) {
    this.identityKeys = new HmacIdentityKeys(target.identityKeys, {
      legacyLookup: target.identityLegacyLookup,
    });
    this.db = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: target.dynamoEndpoint,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 10,
      }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
  }

  close(): void {
    this.db.destroy();
  }

  /** Stores the new customers (identity, then profile); returns how many were already there. */
  async loadSignups(customers: readonly DemoCustomer[], onDone: (done: number) => void): Promise<number> {
    const nowIso = this.now.toISOString();
    const parse = signupSchema({
      timeZone: 'Europe/London',
      locale: 'en-GB',
      today: nowIso.slice(0, 10),
    });
    const signups = customers.map((c) => parse.parse(c.signup));
    const candidates = (kind: 'email' | 'phone', value: string) => this.identityKeys.candidates(kind, value);
    const keys = signups.flatMap((s) => [
      ...candidates('email', s.email as string),
      ...(s.phone ? candidates('phone', s.phone) : []),
    ]);
    const known = new Map(
      (
        await this.getMany(
          this.target.tables.identities,
          keys.map((identity) => ({ identity })),
        )
      ).map((item) => [String(item.identity), item]),
    );
    // What the repository's look-up finds: the first item under any key, the one naming a customer first.
    const stored = (kind: 'email' | 'phone', value: string) => {
      const items = candidates(kind, value).flatMap((key) => known.get(key) ?? []);
      return items.find((item) => item.customerId !== undefined) ?? items[0];
    };
    let duplicates = 0;
    const identities: Item[] = [];
    const profiles: Item[] = [];
    for (const signup of signups) {
      const email = stored('email', signup.email as string);
      const phone = signup.phone ? stored('phone', signup.phone) : undefined;
      if (email?.customerId && !email.erasedAt && !email.suppressed) {
        this.ids.set(signup.email as string, String(email.customerId));
        duplicates++;
        continue;
      }
      if (email || phone) continue; // erased, suppressed or someone else's phone: the API decides those
      const customer = newCustomer(signup, `cus_${randomUUID()}`, nowIso);
      this.ids.set(signup.email as string, customer.customerId);
      identities.push({
        identity: this.identityKeys.writeKey('email', signup.email as string),
        customerId: customer.customerId,
      });
      profiles.push({ ...customer, [CHANGE_ATTRIBUTE]: 'facts' satisfies ChangeKind });
    }
    await this.putMany(this.target.tables.identities, identities);
    await this.putMany(this.target.tables.customers, profiles, (n) => onDone(duplicates + n));
    onDone(signups.length);
    return duplicates;
  }

  /** Stores each new order (id claim, then the order, a customer's orders together); returns the duplicates. */
  async loadOrders(customers: readonly DemoCustomer[], onDone: (done: number) => void): Promise<number> {
    const rates = z
      .record(z.string(), z.number().check(z.positive()))
      .parse(JSON.parse(this.target.exchangeRates));
    const parse = orderSchema({
      now: this.now.toISOString(),
      reportingCurrency: this.target.reportingCurrency,
      exchangeRates: rates,
    });
    const orders = customers.flatMap((c) => {
      const customerId = this.ids.get(c.signup.email);
      return customerId ? c.orders.map((o) => ({ customerId, order: parse.parse(o) })) : [];
    });
    const claimed = new Map(
      (
        await this.getMany(
          this.target.tables.orderIds,
          orders.map(({ order }) => ({ orderId: order.orderId })),
        )
      ).map((item) => [String(item.orderId), item]),
    );
    let duplicates = 0;
    const claims: Item[] = [];
    const items: Item[] = [];
    for (const { customerId, order } of orders) {
      const claim = orderClaimItem(order, orderFingerprint(order), customerId);
      const existing = claimed.get(order.orderId);
      if (existing) {
        if (existing.fingerprint !== claim.fingerprint)
          throw new BulkLoadError(`order ${order.orderId} is already stored with different content`);
        duplicates++;
        continue;
      }
      claims.push(claim);
      items.push(
        orderItem({
          customerId,
          orderId: order.orderId,
          orderedAt: order.orderedAt,
          totalAmount: order.totalAmount,
          currency: order.currency,
          reportingAmount: order.reportingAmount,
          lineItems: order.lineItems,
          status: 'placed',
        }),
      );
    }
    await this.putMany(this.target.tables.orderIds, claims);
    await this.putMany(this.target.tables.orders, items, (n) => onDone(duplicates + n));
    onDone(orders.length);
    return duplicates;
  }

  /** Stores each new survey answer (id claim and answer); returns the duplicates. */
  async loadSurveys(customers: readonly DemoCustomer[], onDone: (done: number) => void): Promise<number> {
    const nowIso = this.now.toISOString();
    const parse = surveySchema({ now: nowIso });
    const surveys = customers.flatMap((c) => {
      const customerId = this.ids.get(c.signup.email);
      if (!customerId) return [];
      return c.surveys.map((body): StoredSurvey => {
        const answer = parse.parse(body);
        return {
          customerId,
          surveyId: answer.surveyId as string,
          answeredAt: answer.answeredAt,
          score: answer.score,
          ...(answer.orderId !== undefined && { orderId: answer.orderId }),
          ...(answer.comment !== undefined && { comment: answer.comment }),
          receivedAt: nowIso,
        };
      });
    });
    const claimed = new Map(
      (
        await this.getMany(
          this.target.tables.surveys,
          surveys.map((s) => surveyClaimKey(s.customerId, s.surveyId)),
        )
      ).map((item) => [`${item.customerId}\u0000${item.surveyId}`, item]),
    );
    let duplicates = 0;
    const items: Item[] = [];
    for (const survey of surveys) {
      const { claim, answer } = surveyItems(survey, surveyFingerprint(survey));
      const existing = claimed.get(`${survey.customerId}\u0000${survey.surveyId}`);
      if (existing) {
        if (existing.fingerprint !== undefined && existing.fingerprint !== claim.fingerprint)
          throw new BulkLoadError(`survey ${survey.surveyId} is already stored with a different answer`);
        duplicates++;
        continue;
      }
      items.push(claim, answer);
    }
    await this.putMany(this.target.tables.surveys, items, (n) => onDone(duplicates + Math.floor(n / 2)));
    onDone(surveys.length);
    return duplicates;
  }

  /**
   * The customers whose stored profile does not yet show all their orders, survey answers and a
   * score (the streams are still working on them), read in bulk.
   */
  async unprocessed(customers: readonly DemoCustomer[]): Promise<DemoCustomer[]> {
    const wanted = customers.flatMap((c) => {
      const customerId = this.ids.get(c.signup.email);
      return customerId ? [{ c, customerId }] : [];
    });
    const profiles = new Map(
      (
        await this.getMany(
          this.target.tables.customers,
          wanted.map(({ customerId }) => ({ customerId })),
        )
      ).map((item) => [String(item.customerId), item]),
    );
    return wanted
      .filter(({ c, customerId }) => {
        const profile = profiles.get(customerId);
        return !(
          profile?.metrics?.orderCount === c.orderCount &&
          (profile.satisfaction?.count ?? 0) >= c.surveys.length &&
          profile.ltv !== undefined
        );
      })
      .map(({ c }) => c);
  }

  /** BatchWriteItem, 25 items a request, IN_FLIGHT requests at once, unprocessed items retried. */
  private async putMany(
    table: string,
    items: readonly Item[],
    onWritten?: (n: number) => void,
  ): Promise<void> {
    const chunks: Item[][] = [];
    for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
    let written = 0;
    await inFlight(chunks, async (chunk) => {
      let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= 10)
          throw new BulkLoadError(`DynamoDB left ${pending.length} items of ${table} unwritten`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const out = await this.db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
      }
      written += chunk.length;
      onWritten?.(written);
    });
  }

  /** BatchGetItem (strongly consistent), 100 keys a request; the items that exist. */
  private async getMany(table: string, keys: readonly Item[]): Promise<Item[]> {
    const chunks: Item[][] = [];
    for (let i = 0; i < keys.length; i += 100) chunks.push(keys.slice(i, i + 100));
    const found: Item[] = [];
    await inFlight(chunks, async (chunk) => {
      let pending: Item[] = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= 10) throw new BulkLoadError(`DynamoDB left ${pending.length} keys of ${table} unread`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const out = await this.db.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
        );
        found.push(...(out.Responses?.[table] ?? []));
        pending = out.UnprocessedKeys?.[table]?.Keys ?? [];
      }
    });
    return found;
  }
}

async function inFlight<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, items.length) }, worker));
}
