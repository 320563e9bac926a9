import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDeliveryLedger } from '../../../lib/adapters/dynamodb/dynamo-delivery-ledger';
import { type Delivery, deliveryKey } from '../../../lib/domain/campaigns/delivery';
import type { DeliveryLedger } from '../../../lib/ports/delivery-ledger';
import { InMemoryDeliveryLedger } from '../../fakes/in-memory-delivery-ledger';
import { appTables } from '../../support/tables';

// The DeliveryLedger contract, run against DynamoDB Local (the Deliveries table from the synthesized
// template) and against the in-memory fake the unit tests use, so the fake cannot drift: the claim
// that makes a send at-most-once per customer and occasion, the status transitions senders race on,
// and the reads of the data export and the planner.

let table: string;
let dynamo: DynamoDeliveryLedger;

beforeAll(async () => {
  const { db, nameOf } = await appTables();
  table = nameOf('Deliveries');
  dynamo = new DynamoDeliveryLedger(db, table);
});

let run = 0;
const customer = (name: string) => `${name}_${run}`;

const row = (overrides: Partial<Delivery> = {}): Delivery => {
  const campaignId = overrides.campaignId ?? 'birthday';
  const occasion = overrides.occasion ?? '2026';
  return {
    customerId: customer('cus_ana'),
    deliveryKey: deliveryKey(campaignId, occasion),
    campaignId,
    occasion,
    channel: 'email',
    status: 'queued',
    plannedAt: '2026-05-17T08:00:00.000Z',
    claimedAt: '2026-05-17T08:00:01.000Z',
    updatedAt: '2026-05-17T08:00:01.000Z',
    ...overrides,
  };
};

const implementations: [string, () => DeliveryLedger][] = [
  ['DynamoDB Local', () => dynamo],
  ['in memory', () => new InMemoryDeliveryLedger()],
];

/** Rows as both sides keep them, minus `updatedAt` (the table stamps its own on a transition). */
const comparable = (rows: Delivery[]) =>
  rows
    .map(({ updatedAt: _u, ...rest }) => rest)
    .sort((a, b) => `${a.customerId}${a.deliveryKey}`.localeCompare(`${b.customerId}${b.deliveryKey}`));

describe.each(implementations)('DeliveryLedger contract (%s)', (_name, make) => {
  let ledger: DeliveryLedger;
  beforeEach(() => {
    run++;
    ledger = make();
  });

  it('claims an occasion once: a second claim, whatever it carries, gets the first row back', async () => {
    expect(await ledger.claim(row())).toEqual({ status: 'claimed' });
    const again = row({ channel: 'sms', plannedAt: '2026-05-17T09:00:00.000Z', status: 'held_out' });
    expect(await ledger.claim(again)).toEqual({ status: 'exists', existing: row() });
    expect(await ledger.history(customer('cus_ana'))).toEqual([row()]);
  });

  it('keeps occasions, campaigns and customers apart', async () => {
    const nextYear = row({ occasion: '2027' });
    const winBack = row({ campaignId: 'win-back', occasion: '2026-05' });
    const ben = row({ customerId: customer('cus_ben') });
    for (const claimed of [winBack, nextYear, ben, row()])
      expect(await ledger.claim(claimed)).toEqual({ status: 'claimed' });
    // In the table's key order: by campaign, then occasion (oldest first).
    expect(await ledger.history(customer('cus_ana'))).toEqual([row(), nextYear, winBack]);
    expect(await ledger.history(customer('cus_ben'))).toEqual([ben]);
    expect(await ledger.history(customer('cus_nobody'))).toEqual([]);
  });

  it('gets the rows that exist among the keys asked for, and nothing for the others', async () => {
    await ledger.claim(row());
    await ledger.claim(row({ customerId: customer('cus_ben') }));
    const found = await ledger.getMany([
      { customerId: customer('cus_ana'), deliveryKey: 'birthday#2026' },
      { customerId: customer('cus_ben'), deliveryKey: 'birthday#2026' },
      { customerId: customer('cus_ana'), deliveryKey: 'birthday#2025' },
      { customerId: customer('cus_cleo'), deliveryKey: 'birthday#2026' },
    ]);
    expect(comparable(found)).toEqual(comparable([row(), row({ customerId: customer('cus_ben') })]));
    expect(await ledger.getMany([])).toEqual([]);
  });

  it('reads more keys than one batch holds (BatchGetItem takes 100)', async () => {
    const rows = Array.from({ length: 130 }, (_, i) =>
      row({ occasion: `2026-${String(i).padStart(3, '0')}` }),
    );
    await Promise.all(rows.map((r) => ledger.claim(r)));
    const found = await ledger.getMany(
      rows.map(({ customerId, deliveryKey }) => ({ customerId, deliveryKey })),
    );
    expect(found).toHaveLength(130);
  });

  it('moves a row on only from the status the caller expects, with the fields given', async () => {
    await ledger.claim(row());
    const key = { customerId: customer('cus_ana'), deliveryKey: 'birthday#2026' };
    expect(await ledger.transition(key, 'queued', 'unknown')).toBe(true);
    // A second sender that also saw `queued` loses: it must not call the provider.
    expect(await ledger.transition(key, 'queued', 'unknown')).toBe(false);
    expect(
      await ledger.transition(key, 'unknown', 'sent', {
        sentAt: '2026-05-17T08:00:05.000Z',
        providerMessageId: 'ses-0001',
        country: 'GB',
      }),
    ).toBe(true);
    const [stored] = await ledger.getMany([key]);
    expect(stored).toMatchObject({
      status: 'sent',
      sentAt: '2026-05-17T08:00:05.000Z',
      providerMessageId: 'ses-0001',
      country: 'GB',
      claimedAt: row().claimedAt,
    });
    expect(await ledger.transition(key, 'queued', 'skipped', { reason: 'unsubscribed' })).toBe(false);
    expect((await ledger.getMany([key]))[0]?.status).toBe('sent');
  });

  it('takes a row left `unknown` back to `queued` only for the retrier holding its current updatedAt', async () => {
    const left = row({ status: 'unknown', updatedAt: '2026-05-17T08:05:00.000Z' });
    await ledger.claim(left);
    const key = { customerId: left.customerId, deliveryKey: left.deliveryKey };
    expect(await ledger.requeueUnknown(key, '2026-05-17T08:04:59.000Z')).toBe(false);
    expect(await ledger.requeueUnknown(key, left.updatedAt)).toBe(true);
    // The second retrier read the same row: it loses, and so does a retry once the row is sent again.
    expect(await ledger.requeueUnknown(key, left.updatedAt)).toBe(false);
    const [requeued] = await ledger.getMany([key]);
    expect(requeued?.status).toBe('queued');
    expect(requeued?.updatedAt).not.toBe(left.updatedAt);
    expect(await ledger.requeueUnknown({ ...key, customerId: customer('cus_nobody') }, left.updatedAt)).toBe(
      false,
    );
  });

  it('does not move a row that was never claimed', async () => {
    const key = { customerId: customer('cus_nobody'), deliveryKey: 'birthday#2026' };
    expect(await ledger.transition(key, 'queued', 'skipped', { reason: 'erased' })).toBe(false);
    expect(await ledger.getMany([key])).toEqual([]);
  });
});
