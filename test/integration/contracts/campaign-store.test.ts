import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoCampaignStore } from '../../../lib/adapters/dynamodb/dynamo-campaign-store';
import { type Campaign, CampaignSchema } from '../../../lib/domain/campaigns/campaign';
import type { CampaignStore } from '../../../lib/ports/campaign-store';
import { InMemoryCampaignStore } from '../../fakes/in-memory-campaign-store';
import { appTables } from '../../support/tables';

// The CampaignStore contract, against DynamoDB Local (the Campaigns table from the synthesized
// template) and the in-memory fake the unit tests use: versions are immutable, writes conditional
// (two editors never lose an edit), status is the head's.

let dynamo: DynamoCampaignStore;
beforeAll(async () => {
  const { db, nameOf } = await appTables();
  dynamo = new DynamoCampaignStore(db, nameOf('Campaigns'));
});

let run = 0;
const at = '2026-05-17T08:00:00.000Z';
const campaign = (id: string, name = 'Birthday greeting'): Campaign =>
  CampaignSchema.parse({
    id,
    name,
    trigger: { type: 'birthday' },
    templates: {
      en: {
        email: {
          subject: 'Happy birthday, {{ customer.firstName }}!',
          html: '<p>Happy birthday!</p>',
          text: 'Happy birthday!',
        },
      },
    },
    offers: { default: { code: 'BDAY10', description: '10% off' } },
  });

describe.each([
  ['DynamoDB Local', () => dynamo],
  ['in memory', () => new InMemoryCampaignStore()],
] as [string, () => CampaignStore][])('CampaignStore contract (%s)', (_name, make) => {
  let store: CampaignStore;
  let id: string;
  beforeEach(() => {
    run++;
    id = `bday-${Date.now().toString(36)}-${run}`;
    store = make();
  });

  it('creates version 1 once; a second create is a conflict and changes nothing', async () => {
    expect(await store.create(campaign(id), { at, by: 'config' })).toEqual({ status: 'saved', version: 1 });
    expect(await store.create(campaign(id, 'Other'), { at, by: 'ana' })).toEqual({
      status: 'conflict',
      currentVersion: 1,
    });
    const history = await store.history(id);
    expect(history?.current).toMatchObject({ id, name: 'Birthday greeting', version: 1, status: 'active' });
    expect(history?.versions).toEqual([{ version: 1, campaign: campaign(id), at, by: 'config' }]);
    expect((await store.list()).find((c) => c.id === id)).toMatchObject({
      version: 1,
      name: 'Birthday greeting',
    });
  });

  it('two editors from the same version: one saves version 2, the other gets conflict', async () => {
    await store.create(campaign(id), { at, by: 'config' });
    const results = await Promise.all([
      store.update(campaign(id, 'Ana'), 1, { at, by: 'ana' }),
      store.update(campaign(id, 'Ben'), 1, { at, by: 'ben' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['conflict', 'saved']);
    const winner = results[0]?.status === 'saved' ? 'Ana' : 'Ben';
    const history = await store.history(id);
    expect(history?.current).toMatchObject({ version: 2, name: winner });
    expect(history?.versions.map((v) => [v.version, v.campaign.name])).toEqual([
      [1, 'Birthday greeting'],
      [2, winner],
    ]);
    expect(await store.update(campaign(id, 'Late'), 1, { at, by: 'cy' })).toEqual({
      status: 'conflict',
      currentVersion: 2,
    });
    expect(await store.update(campaign(`${id}-none`), 1, { at, by: 'cy' })).toEqual({ status: 'missing' });
  });

  it('status lives on the head: an edit keeps it, versions are unchanged by it', async () => {
    await store.create(campaign(id), { at, by: 'config' });
    expect(await store.setStatus(id, 'active', 'paused', { at, by: 'ana' })).toEqual({
      status: 'saved',
      version: 1,
    });
    expect(await store.setStatus(id, 'active', 'archived', { at, by: 'ben' })).toEqual({
      status: 'conflict',
      currentVersion: 1,
    });
    await store.update(campaign(id, 'Edited while paused'), 1, { at, by: 'ana' });
    const history = await store.history(id);
    expect(history?.current).toMatchObject({ version: 2, status: 'paused', name: 'Edited while paused' });
    expect(history?.current.updatedBy).toBe('ana');
    expect(await store.setStatus(`${id}-none`, 'active', 'paused', { at, by: 'ana' })).toEqual({
      status: 'missing',
    });
  });
});
