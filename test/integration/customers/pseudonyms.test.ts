import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { HmacIdentityKeys } from '../../../lib/adapters/crypto/hmac-identity-keys';
import { DynamoConsentStore } from '../../../lib/adapters/dynamodb/dynamo-consent-store';
import { DynamoCustomerRepository } from '../../../lib/adapters/dynamodb/dynamo-customer-repository';
import { newCustomer } from '../../../lib/domain/customer';
import { signupSchema } from '../../../lib/domain/signup';
import { IdentityTakenError } from '../../../lib/ports/customer-repository';
import { appTables } from '../../support/tables';

// Item 7 of issue 10: the Identities table keeps keyed pseudonyms (HMAC-SHA-256 with a secret key)
// of emails and phones, never plain hashes a dictionary reverses; after a rotation every key is
// looked up and the newest is written; rows written by earlier versions (plain SHA-256) are found.
// Against DynamoDB Local, tables from the synthesized template.

const OLD = 'old-identity-key-0123456789abcdef';
const NEW = 'new-identity-key-fedcba9876543210';
const NOW = '2026-11-24T10:00:00.000Z';

let db: DynamoDBDocumentClient;
let names: { customers: string; identities: string };
let run = 0;

beforeAll(async () => {
  const tables = await appTables();
  db = tables.db;
  names = { customers: tables.nameOf('Customers'), identities: tables.nameOf('Identities') };
});

const repoWith = (keys: string[], legacyLookup = true) =>
  new DynamoCustomerRepository(db, {
    customers: names.customers,
    identities: { table: names.identities, keys: new HmacIdentityKeys(keys, { legacyLookup }) },
  });

function person(email: string) {
  const signup = signupSchema({ timeZone: 'Europe/London', locale: 'en-GB', today: '2026-11-24' }).parse({
    firstName: 'Ana',
    email,
    consent: { email: true, sms: false },
  });
  return newCustomer(signup, `cus_pseudo_${++run}`, NOW);
}

const allIdentityKeys = async () =>
  ((await db.send(new ScanCommand({ TableName: names.identities }))).Items ?? []).map((item) =>
    String(item.identity),
  );
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('keyed pseudonyms in the Identities table', () => {
  it('stores no plain hash of the address: a dictionary of addresses finds nothing without the key', async () => {
    const email = `ana.${Date.now()}@example.com`;
    const customer = person(email);
    await repoWith([NEW]).create(customer, { kind: 'email', value: email });
    const stored = await allIdentityKeys();
    // What an attacker with the table and a list of addresses would compute: absent.
    expect(stored).not.toContain(`email#${sha256(`email:${email}`)}`);
    expect(stored.some((key) => key.includes(sha256(email)))).toBe(false);
    expect(stored).toContain(new HmacIdentityKeys([NEW]).writeKey('email', email));
    // With the key, the repository finds the person; with another key, nobody.
    expect((await repoWith([NEW]).findByIdentity('email', email))?.customerId).toBe(customer.customerId);
    expect(await repoWith(['someone-elses-key-0123456789']).findByIdentity('email', email)).toBeUndefined();
  });

  it('after a rotation finds people stored under the old key and refuses a second customer for them', async () => {
    const email = `bo.${Date.now()}@example.com`;
    const first = person(email);
    await repoWith([OLD]).create(first, { kind: 'email', value: email });
    const rotated = repoWith([NEW, OLD]);
    expect((await rotated.findByIdentity('email', email))?.customerId).toBe(first.customerId);
    await expect(rotated.create(person(email), { kind: 'email', value: email })).rejects.toBeInstanceOf(
      IdentityTakenError,
    );
    // New addresses go under the newest key only.
    const other = `cy.${Date.now()}@example.com`;
    await rotated.create(person(other), { kind: 'email', value: other });
    const stored = await allIdentityKeys();
    expect(stored).toContain(new HmacIdentityKeys([NEW]).writeKey('email', other));
    expect(stored).not.toContain(new HmacIdentityKeys([OLD]).writeKey('email', other));
  });

  it('erases and suppresses an old-key identity where it is, and the mark outlives the profile', async () => {
    const email = `di.${Date.now()}@example.com`;
    const customer = person(email);
    await repoWith([OLD]).create(customer, { kind: 'email', value: email });
    const rotated = repoWith([NEW, OLD]);
    await rotated.suppressIdentities(customer.customerId, [{ kind: 'email', value: email }], NOW);
    const oldItem = await db.send(
      new GetCommand({
        TableName: names.identities,
        Key: { identity: new HmacIdentityKeys([OLD]).writeKey('email', email) },
      }),
    );
    expect(oldItem.Item).toMatchObject({ customerId: customer.customerId, erasedAt: NOW });
    expect(await rotated.findByIdentity('email', email)).toBeUndefined();
    // A bounce after the rotation marks the address under the new key; look-ups see it.
    const consent = new DynamoConsentStore(db, {
      customers: names.customers,
      identities: { table: names.identities, keys: new HmacIdentityKeys([NEW, OLD]) },
    });
    await consent.suppressIdentity('email', email, { reason: 'bounce', at: NOW });
    expect(await rotated.identitySuppression([{ kind: 'email', value: email }])).toEqual({
      email: { reason: 'bounce', at: NOW },
    });
    // Signing up again is a new customer, under the new key.
    const again = person(email);
    await rotated.create(again, { kind: 'email', value: email });
    expect((await rotated.findByIdentity('email', email))?.customerId).toBe(again.customerId);
  });

  it('finds rows written by earlier versions (plain SHA-256) while legacy look-up is on, never writes them', async () => {
    const email = `eve.${Date.now()}@example.com`;
    const customer = person(email);
    await db.send(new PutCommand({ TableName: names.customers, Item: customer }));
    const legacy = `email#${sha256(`email:${email}`)}`;
    await db.send(
      new PutCommand({
        TableName: names.identities,
        Item: { identity: legacy, customerId: customer.customerId },
      }),
    );
    expect((await repoWith([NEW]).findByIdentity('email', email))?.customerId).toBe(customer.customerId);
    await expect(
      repoWith([NEW]).create(person(email), { kind: 'email', value: email }),
    ).rejects.toBeInstanceOf(IdentityTakenError);
    expect(await repoWith([NEW], false).findByIdentity('email', email)).toBeUndefined();
    // Erasure marks the legacy row itself; nothing new is written in the plain form.
    await repoWith([NEW]).suppressIdentities(customer.customerId, [{ kind: 'email', value: email }], NOW);
    const stored = await allIdentityKeys();
    expect(stored.filter((key) => key === legacy)).toHaveLength(1);
    expect(stored).not.toContain(new HmacIdentityKeys([NEW]).writeKey('email', email));
  });
});
