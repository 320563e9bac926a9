import { isDeepStrictEqual } from 'node:util';
import type { Customer, Suppression } from '../../lib/domain/customer';
import { DERIVED_PERSONAL_ATTRIBUTES, PERSONAL_ATTRIBUTES } from '../../lib/domain/erasure';
import { DERIVED_KEY_NAMES } from '../../lib/domain/occasion-keys';
import type { Satisfaction } from '../../lib/domain/satisfaction';
import {
  ConcurrentUpdateError,
  type CustomerRepository,
  type DerivedCondition,
  type DerivedUpdate,
  type IdentityKind,
  IdentityTakenError,
} from '../../lib/ports/customer-repository';

/** The CustomerRepository contract in memory; the contract suite runs against it and DynamoDB alike. */
export class InMemoryCustomerRepository implements CustomerRepository {
  readonly customers = new Map<string, Customer>();
  readonly identities = new Map<string, string>();
  writes = 0;

  async get(customerId: string): Promise<Customer | undefined> {
    const found = this.customers.get(customerId);
    return found && structuredClone(found);
  }

  async getMany(customerIds: readonly string[]): Promise<Customer[]> {
    const found = await Promise.all([...new Set(customerIds)].map((id) => this.get(id)));
    return found.filter((customer) => customer !== undefined);
  }

  readonly erased = new Set<string>();

  async findByIdentity(kind: IdentityKind, value: string): Promise<Customer | undefined> {
    const key = `${kind}:${value}`;
    const id = this.identities.get(key);
    return id === undefined || this.erased.has(key) ? undefined : this.get(id);
  }

  async customerIdsByPhone(phone: string): Promise<string[]> {
    return [...this.customers.values()]
      .filter((customer) => customer.phone === phone)
      .map((customer) => customer.customerId)
      .sort()
      .slice(0, 10);
  }

  async findCustomerIdByIdentity(kind: IdentityKind, value: string): Promise<string | undefined> {
    return this.identities.get(`${kind}:${value}`);
  }

  /** Suppression marks on addresses (`kind:value`), as ConsentStore.suppressIdentity leaves them. */
  readonly suppressedIdentities = new Map<string, { reason: string; at: string }>();

  async identitySuppression(
    identities: readonly { kind: IdentityKind; value: string }[],
  ): Promise<Suppression> {
    const suppression: Suppression = {};
    for (const { kind, value } of identities) {
      const suppressed = this.suppressedIdentities.get(`${kind}:${value}`);
      if (suppressed) suppression[kind === 'email' ? 'email' : 'sms'] = structuredClone(suppressed);
    }
    return suppression;
  }

  async create(customer: Customer, identity: { kind: IdentityKind; value: string }): Promise<void> {
    const key = `${identity.kind}:${identity.value}`;
    if (this.identities.has(key) && !this.erased.has(key)) {
      throw new IdentityTakenError('identity already belongs to a customer');
    }
    this.identities.set(key, customer.customerId);
    this.erased.delete(key);
    this.customers.set(customer.customerId, structuredClone(customer));
    this.writes++;
  }

  async updateProfile(
    customer: Customer,
    expectedVersion: number,
    identity?: { kind: IdentityKind; value: string },
  ): Promise<void> {
    const stored = this.customers.get(customer.customerId);
    if (!stored || stored.version !== expectedVersion) throw new ConcurrentUpdateError('customer changed');
    const key = identity && `${identity.kind}:${identity.value}`;
    if (key && (this.identities.get(key) !== customer.customerId || this.erased.has(key))) {
      throw new ConcurrentUpdateError('the address no longer names this customer');
    }
    // Like the DynamoDB adapter: derived keys and scores stay as they are (absent or present).
    const next: Customer = structuredClone(customer);
    for (const name of [...DERIVED_KEY_NAMES, 'ltv', 'segments'] as const) {
      if (stored[name] === undefined) delete next[name];
      else Object.assign(next, { [name]: stored[name] });
    }
    this.customers.set(customer.customerId, next);
    this.writes++;
  }

  /** Every saveDerived call that wrote, with what it wrote (for "one write per order" checks). */
  readonly derivedWrites: { customerId: string; update: DerivedUpdate }[] = [];

  async saveDerived(customerId: string, update: DerivedUpdate, condition?: DerivedCondition) {
    const stored = this.customers.get(customerId);
    if (!stored || (condition && stored.version !== condition.version)) return 'stale' as const;
    // As the DynamoDB adapter: the metrics scored from must count the orders stored.
    if (condition?.metrics !== undefined) {
      const read = condition.metrics;
      const same =
        read === null
          ? stored.metrics === undefined
          : stored.metrics?.orderCount === read.orderCount && stored.metrics?.totalSpend === read.totalSpend;
      if (!same) return 'stale' as const;
    }
    // As the DynamoDB adapter: a `derived` write whose segments moved since the read is a segments change.
    if (
      update.scores &&
      !update.segmentsChanged &&
      update.segmentsRead !== undefined &&
      !isDeepStrictEqual(stored.segments ?? null, update.segmentsRead)
    ) {
      update = { ...update, segmentsChanged: true, segmentsRead: undefined };
    }
    const next: Customer = { ...stored };
    if (update.metrics) next.metrics = structuredClone(update.metrics);
    if (update.scores) {
      next.ltv = structuredClone(update.scores.ltv);
      next.segments = structuredClone(update.scores.segments);
    }
    for (const name of DERIVED_KEY_NAMES) {
      if (!update.keys || !Object.hasOwn(update.keys, name)) continue;
      const value = update.keys[name];
      if (value === undefined) delete next[name];
      else Object.assign(next, { [name]: value });
    }
    this.customers.set(customerId, next);
    this.derivedWrites.push({ customerId, update: structuredClone(update) });
    this.writes++;
    return 'updated' as const;
  }

  async saveSatisfaction(customerId: string, satisfaction: Satisfaction): Promise<void> {
    const stored = this.customers.get(customerId);
    if (!stored) throw new Error(`no customer ${customerId}`);
    this.customers.set(customerId, { ...stored, satisfaction: structuredClone(satisfaction) });
    this.writes++;
  }

  async suppressIdentities(
    customerId: string,
    identities: readonly { kind: IdentityKind; value: string }[],
  ): Promise<void> {
    for (const { kind, value } of identities) {
      const key = `${kind}:${value}`;
      const owner = this.identities.get(key);
      if (owner !== undefined && owner !== customerId) continue; // another customer's
      this.identities.set(key, customerId);
      this.erased.add(key);
      this.writes++;
    }
  }

  async erase(erased: Customer, expectedVersion: number): Promise<void> {
    const stored = this.customers.get(erased.customerId);
    if (!stored || stored.version !== expectedVersion) throw new ConcurrentUpdateError('customer changed');
    const next: Customer = {
      ...stored,
      interests: [...erased.interests],
      consent: structuredClone(erased.consent),
      updatedAt: erased.updatedAt,
      version: erased.version,
      ...(erased.erasedAt !== undefined && { erasedAt: erased.erasedAt }),
    };
    for (const name of [...PERSONAL_ATTRIBUTES, ...DERIVED_PERSONAL_ATTRIBUTES]) delete next[name];
    this.customers.set(erased.customerId, next);
    this.writes++;
  }
}
