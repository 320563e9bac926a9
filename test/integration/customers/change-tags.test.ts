import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { HmacIdentityKeys } from '../../../lib/adapters/crypto/hmac-identity-keys';
import { DynamoConsentStore } from '../../../lib/adapters/dynamodb/dynamo-consent-store';
import {
  DynamoCustomerRepository,
  type IdentityTable,
} from '../../../lib/adapters/dynamodb/dynamo-customer-repository';
import { type ChangeKind, newCustomer } from '../../../lib/domain/customer';
import { eraseProfile } from '../../../lib/domain/erasure';
import type { Ltv, Segments } from '../../../lib/domain/scoring';
import { signupSchema } from '../../../lib/domain/signup';
import { appTables } from '../../support/tables';

// Every write to a Customers item says what it changed (`change`, see ChangeKind), because the
// stream consumers' FilterCriteria read it: a write that forgot it would leave the previous write's
// kind on the item and wake (or not wake) the wrong consumers. Against DynamoDB Local, write by write.

let customers: DynamoCustomerRepository;
let consent: DynamoConsentStore;
let read: (customerId: string) => Promise<ChangeKind | undefined>;

beforeAll(async () => {
  const { db, nameOf } = await appTables();
  const identities: IdentityTable = {
    table: nameOf('Identities'),
    keys: new HmacIdentityKeys(['change-tags-suite-key-0123456789']),
  };
  const tables = { customers: nameOf('Customers'), identities };
  customers = new DynamoCustomerRepository(db, tables);
  consent = new DynamoConsentStore(db, tables);
  read = async (customerId) =>
    (await db.send(new GetCommand({ TableName: tables.customers, Key: { customerId } }))).Item?.change;
});

const NOW = '2026-11-24T10:00:00.000Z';
const signup = (email: string) =>
  signupSchema({ timeZone: 'Europe/London', locale: 'en-GB', today: '2026-11-24' }).parse({
    firstName: 'Ana',
    email,
    phone: '+447911123456',
    birthday: '1990-05-17',
    consent: { email: true, sms: true },
  });

describe('what each Customers write says it changed', () => {
  it('facts, derived, segments and sends, each write overwriting the last', async () => {
    const id = `cus_tags_${Date.now()}`;
    const ana = newCustomer(signup(`ana.${id}@example.com`), id, NOW);
    await customers.create(ana, { kind: 'email', value: ana.email as string });
    expect(await read(id)).toBe('facts');

    await customers.saveDerived(id, { keys: { birthdayKey: '05-17', birthdayOffset: 60 } });
    expect(await read(id)).toBe('derived');

    const stored = (await customers.get(id))!;
    await customers.updateProfile(
      { ...stored, firstName: 'Ana Maria', version: stored.version + 1 },
      stored.version,
    );
    expect(await read(id)).toBe('facts');

    await consent.recordConfirmationSent(id, ana.consent.email.requestedAt as string, NOW);
    expect(await read(id)).toBe('sends');

    // A repeated signup rewrites the same facts: nothing changes, `change` included.
    const same = (await customers.get(id))!;
    await customers.updateProfile(same, same.version, undefined, { unchanged: true });
    expect(await read(id)).toBe('sends');

    // (what moved the segment is the caller's: derivedUpdate sets segmentsChanged with the scores)
    await customers.saveDerived(id, { keys: { birthdayOffset: 0 }, segmentsChanged: true });
    expect(await read(id)).toBe('segments');

    await consent.suppress(id, 'email', { reason: 'bounce', at: NOW });
    expect(await read(id)).toBe('sends');

    await customers.saveSatisfaction(id, { latest: 4, mean: 4, count: 1, lastAnsweredAt: NOW });
    expect(await read(id)).toBe('facts');

    await consent.claimManageLinkSend(id, NOW, '2026-11-24T09:00:00.000Z');
    expect(await read(id)).toBe('sends');

    const current = (await customers.get(id))!;
    await customers.erase(eraseProfile(current, NOW), current.version);
    expect(await read(id)).toBe('facts');
  });

  it('a write that leaves the segments as read is a segments change when another writer moved them since', async () => {
    const id = `cus_race_${Date.now()}`;
    const ana = newCustomer(signup(`ana.${id}@example.com`), id, NOW);
    await customers.create(ana, { kind: 'email', value: ana.email as string });
    const ltv: Ltv = {
      modelVersion: 1,
      pAlive: null,
      expectedOrders12m: null,
      expectedOrderValue: null,
      clv12m: null,
      historicalClv: null,
      nextOrderDate: null,
      replenishment: {},
    };
    const scores = (segments: Segments) => ({ ltv, segments });
    const prospect: Segments = {
      rfm: null,
      valueTier: 'standard',
      matrix: null,
      lifecycle: 'prospect',
      rules: [],
    };
    const active: Segments = { ...prospect, lifecycle: 'active' };
    await customers.saveDerived(id, { scores: scores(prospect), segmentsChanged: true });

    // The orders stream read her as a prospect and scores her a prospect still: a derived change.
    await customers.saveDerived(id, { scores: scores(prospect), segmentsRead: prospect });
    expect(await read(id)).toBe('derived');

    // Between its read and its write, the profile stream made her active: the write moves her back.
    await customers.saveDerived(id, { scores: scores(active), segmentsChanged: true });
    await customers.saveDerived(id, { scores: scores(prospect), segmentsRead: prospect });
    expect(await read(id)).toBe('segments');
    expect((await customers.get(id))?.segments).toEqual(prospect);

    // With a version condition that no longer holds, still nothing is written.
    const { version } = (await customers.get(id))!;
    await customers.saveDerived(id, { scores: scores(active), segmentsChanged: true });
    expect(
      await customers.saveDerived(
        id,
        { scores: scores(prospect), segmentsRead: prospect },
        { version: version + 1 },
      ),
    ).toBe('stale');
    expect((await customers.get(id))?.segments).toEqual(active);
  });
});
