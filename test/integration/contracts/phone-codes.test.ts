import { type DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HmacIdentityKeys } from '../../../lib/adapters/crypto/hmac-identity-keys';
import { HmacLinkSigner } from '../../../lib/adapters/crypto/hmac-link-signer';
import {
  DynamoConfirmationLimiter,
  PHONE_CODES,
} from '../../../lib/adapters/dynamodb/dynamo-confirmation-limiter';
import { DynamoConsentStore } from '../../../lib/adapters/dynamodb/dynamo-consent-store';
import { DynamoCustomerRepository } from '../../../lib/adapters/dynamodb/dynamo-customer-repository';
import type { Customer } from '../../../lib/domain/customer';
import {
  codeBinding,
  type PhoneCode,
  VERIFICATION_MAX_ATTEMPTS,
} from '../../../lib/domain/phone-verification';
import type { ConfirmationLimiter } from '../../../lib/ports/confirmation-limiter';
import type { ConsentStore } from '../../../lib/ports/consent-store';
import type { CustomerRepository } from '../../../lib/ports/customer-repository';
import { verifyPhone } from '../../../lib/use-cases/verify-phone';
import { InMemoryConfirmationLimiter } from '../../fakes/in-memory-confirmation-limiter';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryPhoneCodes } from '../../fakes/in-memory-phone-codes';
import { appTables } from '../../support/tables';

// The storage of phone verification (phone-verification.ts), against DynamoDB Local (tables from the
// synthesized template) and the in-memory fakes the unit tests use: the code's digest on the profile
// and its tries (ConsentStore), and the code texts counted per number (ConfirmationLimiter with
// PHONE_CODES). The same contract for both, so the fakes cannot lie.

const IDENTITY_KEY = 'phone-identity-key-0123456789';
const NOW = '2026-06-15T09:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000);
const links = new HmacLinkSigner('phone-contract-link-key-0123');

let db: DynamoDBDocumentClient;
let names: { customers: string; identities: string };
beforeAll(async () => {
  const tables = await appTables();
  db = tables.db;
  names = { customers: tables.nameOf('Customers'), identities: tables.nameOf('Identities') };
});

interface Fixture {
  codes: Pick<ConsentStore, 'recordPhoneCode' | 'countPhoneCodeAttempt'>;
  customers: Pick<CustomerRepository, 'get' | 'updateProfile'>;
  put(customer: Customer): Promise<void>;
  /** The profile exactly as stored. */
  raw(customerId: string): Promise<Record<string, unknown> | undefined>;
}

const implementations: [string, () => Fixture][] = [
  [
    'DynamoDB Local',
    () => ({
      codes: new DynamoConsentStore(db, { customers: names.customers }),
      customers: new DynamoCustomerRepository(db, {
        customers: names.customers,
        identities: { table: names.identities, keys: new HmacIdentityKeys([IDENTITY_KEY]) },
      }),
      put: async (customer) => {
        await db.send(new PutCommand({ TableName: names.customers, Item: customer }));
      },
      raw: async (customerId) =>
        (
          await db.send(
            new GetCommand({ TableName: names.customers, Key: { customerId }, ConsistentRead: true }),
          )
        ).Item,
    }),
  ],
  [
    'in memory',
    () => {
      const customers = new InMemoryCustomerRepository();
      return {
        codes: new InMemoryPhoneCodes(customers),
        customers,
        put: async (customer) => {
          customers.customers.set(customer.customerId, structuredClone(customer));
        },
        raw: async (customerId) => customers.customers.get(customerId),
      };
    },
  ],
];

let run = 0;
const PHONE = '+447911123456';
function pending(customerId: string): Customer {
  return {
    customerId,
    firstName: 'Sam',
    phone: PHONE,
    timeZone: 'Europe/London',
    locale: 'en-GB',
    interests: [],
    consent: {
      email: { status: 'none', updatedAt: NOW, source: 'form' },
      sms: { status: 'pending', updatedAt: NOW, source: 'form' },
    },
    pendingPhone: { phone: PHONE, requestedAt: NOW },
    source: 'form',
    createdAt: NOW,
    updatedAt: NOW,
    version: 1,
  };
}
/** The code as the sender stores it: its HMAC bound to the customer and the request. */
const codeOf = (customerId: string, code: string, requestedAt = NOW): PhoneCode => ({
  requestedAt,
  codeHash: links.digest(codeBinding(customerId, requestedAt, code)),
  sentAt: NOW,
  attempts: 0,
});

describe.each(implementations)('phone code storage contract (%s)', (_name, make) => {
  let fixture: Fixture;
  let id: string;
  beforeEach(async () => {
    fixture = make();
    id = `cus_phone_${++run}_${Date.now()}`;
    await fixture.put(pending(id));
  });
  const token = () => links.sign({ purpose: 'verify-phone', customerId: id, channel: 'sms' }, at(60 * 24));
  const deps = (now: Date) => ({
    customers: fixture.customers,
    consent: fixture.codes,
    links,
    clock: { now: () => now },
  });

  it('keeps only the HMAC of the code, bound to the customer and the request, never the code', async () => {
    expect(await fixture.codes.recordPhoneCode(id, codeOf(id, '482915'))).toBe(true);
    const stored = await fixture.raw(id);
    expect(stored?.phoneCode).toEqual(codeOf(id, '482915'));
    expect(JSON.stringify(stored)).not.toContain('482915');
    const { codeHash } = (stored?.phoneCode ?? {}) as PhoneCode;
    expect(links.matchesDigest(codeBinding(id, NOW, '482915'), codeHash)).toBe(true);
    expect(links.matchesDigest(codeBinding('cus_other', NOW, '482915'), codeHash)).toBe(false);
    expect(await verifyPhone(deps(at(1)), token(), '482 915')).toEqual({ status: 'verified' });
  });

  it('stores a code only for the pending request; a new code replaces the old, tries and all', async () => {
    expect(await fixture.codes.recordPhoneCode(id, codeOf(id, '111111', '2026-06-14T09:00:00.000Z'))).toBe(
      false,
    );
    expect((await fixture.raw(id))?.phoneCode).toBeUndefined();
    await fixture.codes.recordPhoneCode(id, codeOf(id, '111111'));
    await fixture.codes.countPhoneCodeAttempt(id, NOW, VERIFICATION_MAX_ATTEMPTS);
    expect(await fixture.codes.recordPhoneCode(id, codeOf(id, '222222'))).toBe(true);
    expect((await fixture.raw(id))?.phoneCode).toEqual(codeOf(id, '222222'));
    expect(await fixture.codes.recordPhoneCode(`${id}_nobody`, codeOf(id, '222222'))).toBe(false);
  });

  it('a code works for 10 minutes after it was sent; an expired one counts no try', async () => {
    await fixture.codes.recordPhoneCode(id, codeOf(id, '482915'));
    expect(await verifyPhone(deps(at(10)), token(), '482915')).toEqual({ status: 'expired' });
    expect((await fixture.raw(id))?.phoneCode).toMatchObject({ attempts: 0 });
    expect(await verifyPhone(deps(at(9.9)), token(), '482915')).toEqual({ status: 'verified' });
  });

  it('counts five tries per code, then none: the right code fails after five wrong ones', async () => {
    await fixture.codes.recordPhoneCode(id, codeOf(id, '482915'));
    for (let i = 0; i < VERIFICATION_MAX_ATTEMPTS; i++)
      expect(await verifyPhone(deps(at(1)), token(), '000000')).toEqual({ status: 'wrong_code' });
    expect(await verifyPhone(deps(at(1)), token(), '482915')).toEqual({ status: 'too_many_attempts' });
    expect((await fixture.raw(id))?.phoneCode).toMatchObject({ attempts: VERIFICATION_MAX_ATTEMPTS });
    expect((await fixture.customers.get(id))?.consent.sms.status).toBe('pending');
    // A try for a request that is no longer the code's is refused and not counted.
    expect(await fixture.codes.countPhoneCodeAttempt(id, '2026-06-14T09:00:00.000Z', 99)).toBe(false);
  });

  it('twenty guesses at once get five tries between them, never more', async () => {
    await fixture.codes.recordPhoneCode(id, codeOf(id, '482915'));
    const counted = await Promise.all(
      Array.from({ length: 20 }, () =>
        fixture.codes.countPhoneCodeAttempt(id, NOW, VERIFICATION_MAX_ATTEMPTS),
      ),
    );
    expect(counted.filter(Boolean)).toHaveLength(VERIFICATION_MAX_ATTEMPTS);
    expect((await fixture.raw(id))?.phoneCode).toMatchObject({ attempts: VERIFICATION_MAX_ATTEMPTS });
  });
});

const limiters: [string, () => ConfirmationLimiter][] = [
  [
    'DynamoDB Local',
    () =>
      new DynamoConfirmationLimiter(
        db,
        { table: names.identities, keys: new HmacIdentityKeys([IDENTITY_KEY]) },
        PHONE_CODES,
      ),
  ],
  ['in memory', () => new InMemoryConfirmationLimiter(PHONE_CODES)],
];
let number = 0;
const freshNumber = () =>
  `+4479${String(Date.now() % 1e6).padStart(6, '0')}${String(++number).padStart(2, '0')}`;
const DAY = 24 * 60;

describe.each(limiters)('code texts per number contract (%s)', (_name, make) => {
  it('three a day and five a week per number, whoever asks', async () => {
    const limiter = make();
    const phone = freshNumber();
    const day = (days: number) => at(days * DAY);
    for (const days of [0, 0.1, 0.2]) expect(await limiter.tryCount(phone, day(days))).toBe(true);
    expect(await limiter.tryCount(phone, day(0.9))).toBe(false);
    expect(await limiter.tryCount(freshNumber(), day(0.9))).toBe(true);
    expect(await limiter.tryCount(phone, day(1))).toBe(true);
    expect(await limiter.tryCount(phone, day(1.5))).toBe(true);
    // Five in the week: none until the first falls out of it, though no day has three.
    expect(await limiter.tryCount(phone, day(2.5))).toBe(false);
    expect(await limiter.tryCount(phone, day(6.9))).toBe(false);
    expect(await limiter.tryCount(phone, day(7))).toBe(true);
  });

  it('ten code texts asked for at once: three go out', async () => {
    const limiter = make();
    const phone = freshNumber();
    const results = await Promise.all(Array.from({ length: 10 }, () => limiter.tryCount(phone, at(0))));
    expect(results.filter(Boolean)).toHaveLength(3);
  });
});

it('counts code texts under a keyed pseudonym of the number, never the number', async () => {
  const phone = freshNumber();
  await limiters[0]![1]().tryCount(phone, at(0));
  const items = (await db.send(new ScanCommand({ TableName: names.identities }))).Items ?? [];
  expect(JSON.stringify(items)).not.toContain(phone);
  expect(JSON.stringify(items)).not.toContain(phone.slice(1));
  expect(items.map((item) => item.identity)).toContain(
    await new HmacIdentityKeys([IDENTITY_KEY]).counterKey('phone-code', phone),
  );
});
