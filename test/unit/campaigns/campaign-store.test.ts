import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { campaignsAdminHandler } from '../../../functions/campaigns-admin/campaigns';
import { withCampaigns } from '../../../functions/shared/campaign-deps';
import { type Campaign, CampaignSchema } from '../../../lib/domain/campaigns/campaign';
import {
  definitionChanged,
  nextStatus,
  planApply,
  type VersionedCampaign,
} from '../../../lib/domain/campaigns/campaign-versions';
import { measuredDelivery } from '../../../lib/domain/measurement/funnel';
import { CAMPAIGN_CACHE_MS, CampaignCatalog } from '../../../lib/use-cases/campaign-catalog';
import type * as z from '../../../lib/zod';
import { InMemoryCampaignStore } from '../../fakes/in-memory-campaign-store';
import { httpEvent, lambdaContext } from '../functions/fixtures';

// Campaigns as data: versions, the catalog's seeding and its one-minute cache, and the admin API's
// refusals (a bad campaign changes nothing). The store's DynamoDB behaviour is the contract test's
// (test/integration/contracts/campaign-store.test.ts), which runs this fake too.

const birthdayInput: z.input<typeof CampaignSchema> = {
  id: 'birthday',
  name: 'Birthday greeting',
  trigger: { type: 'birthday' },
  templates: {
    en: {
      email: {
        subject: 'Happy birthday, {{ customer.firstName }}!',
        html: '<p>Happy birthday, {{ customer.firstName }}!</p>',
        text: 'Happy birthday, {{ customer.firstName }}!',
      },
    },
  },
};
const birthday = CampaignSchema.parse(birthdayInput);
const winback = CampaignSchema.parse({
  ...birthdayInput,
  id: 'winback',
  name: 'We miss you',
  trigger: { type: 'segment-entered', segment: 'lifecycle:at_risk' },
});
const versioned = (campaign: Campaign, version: number): VersionedCampaign => ({ ...campaign, version });

class FakeClock {
  constructor(public at = new Date('2026-05-17T08:00:00Z')) {}
  now = () => this.at;
  advance(ms: number) {
    this.at = new Date(this.at.getTime() + ms);
  }
}

describe('campaign versions (domain)', () => {
  it('a changed subject line is a changed definition; pausing is not', () => {
    const newSubject = CampaignSchema.parse({
      ...birthdayInput,
      templates: { en: { email: { ...birthdayInput.templates.en?.email, subject: 'Many happy returns!' } } },
    } as z.input<typeof CampaignSchema>);
    expect(definitionChanged(birthday, newSubject)).toBe(true);
    expect(definitionChanged(birthday, { ...birthday, status: 'paused' })).toBe(false);
    // Key order does not matter, nor what a stored head carries besides the definition.
    const reordered = Object.fromEntries(Object.entries(birthday).reverse()) as Campaign;
    expect(definitionChanged({ ...birthday, ...{ version: 3, updatedBy: 'ana' } }, reordered)).toBe(false);
  });

  it('pause, resume and archive: archived is for good', () => {
    expect(nextStatus('active', 'pause')).toEqual({ status: 'paused' });
    expect(nextStatus('paused', 'resume')).toEqual({ status: 'active' });
    expect(nextStatus('paused', 'pause')).toEqual({ status: 'paused' });
    expect(nextStatus('paused', 'archive')).toEqual({ status: 'archived' });
    expect(nextStatus('archived', 'resume')).toEqual({ refused: 'the campaign is archived' });
    expect(nextStatus('archived', 'archive')).toEqual({ status: 'archived' });
  });

  it('apply creates the new, versions the changed and leaves the unchanged alone', () => {
    const renamed = { ...winback, name: 'Come back for 10% off' };
    const current = [versioned(birthday, 1), versioned(winback, 4)];
    const newbie = { ...birthday, id: 'spring-sale', name: 'Spring sale' };
    expect(planApply(current, [birthday, renamed, newbie])).toEqual([
      { id: 'birthday', action: 'unchanged', version: 1 },
      { id: 'winback', action: 'update', expectedVersion: 4 },
      { id: 'spring-sale', action: 'create' },
    ]);
  });
});

describe('measurement per version', () => {
  it('a row claimed with version 2 is counted all-time, on its day, and in version 2’s row', () => {
    const row = {
      customerId: 'cus_ana',
      deliveryKey: 'birthday#2026',
      campaignId: 'birthday',
      campaignVersion: 2,
      occasion: '2026',
      channel: 'email' as const,
      status: 'sent' as const,
      plannedAt: '2026-06-14T21:00:00.000Z',
      claimedAt: '2026-06-14T21:00:01.000Z',
      updatedAt: '2026-06-14T21:00:05.000Z',
    };
    expect(measuredDelivery(row, 'Pacific/Auckland').periods).toEqual(['all', 'day#2026-06-15', 'version#2']);
    const { campaignVersion: _, ...unversioned } = row;
    expect(measuredDelivery(unversioned, 'Pacific/Auckland').periods).toEqual(['all', 'day#2026-06-15']);
  });
});

describe('CampaignCatalog', () => {
  it('seeds the config file’s campaigns as version 1, once', async () => {
    const store = new InMemoryCampaignStore();
    const clock = new FakeClock();
    const catalog = new CampaignCatalog(store, [birthday, winback], clock);
    const campaigns = await catalog.campaigns();
    expect(campaigns.map((c) => [c.id, c.version, c.status])).toEqual([
      ['birthday', 1, 'active'],
      ['winback', 1, 'active'],
    ]);
    const history = await store.history('birthday');
    expect(history?.versions.map((v) => [v.version, v.by])).toEqual([[1, 'config']]);
    // Another function's catalog starting later finds them: nothing written again.
    const writes = store.writes;
    await new CampaignCatalog(store, [birthday, winback], clock).campaigns();
    expect(store.writes).toBe(writes);
  });

  it('a redeploy with a changed config never overwrites a marketer’s later edit', async () => {
    const store = new InMemoryCampaignStore();
    const clock = new FakeClock();
    await new CampaignCatalog(store, [birthday], clock).campaigns();
    const edited = { ...birthday, name: 'Birthday, edited by Ana' };
    expect(await store.update(edited, 1, { at: clock.now().toISOString(), by: 'ana' })).toEqual({
      status: 'saved',
      version: 2,
    });
    // The next deployment ships a config whose birthday campaign differs again.
    const redeployed = { ...birthday, name: 'Birthday from the new config' };
    const campaigns = await new CampaignCatalog(store, [redeployed], clock).campaigns();
    expect(campaigns.map((c) => [c.id, c.version, c.name])).toEqual([
      ['birthday', 2, 'Birthday, edited by Ana'],
    ]);
    expect((await store.history('birthday'))?.versions).toHaveLength(2);
  });

  it('keeps what it read for at most a minute (clock injected)', async () => {
    const store = new InMemoryCampaignStore();
    const clock = new FakeClock();
    const catalog = new CampaignCatalog(store, [birthday], clock);
    const first = await catalog.campaigns();
    await store.update({ ...birthday, name: 'Renamed' }, 1, { at: clock.now().toISOString(), by: 'ana' });
    clock.advance(CAMPAIGN_CACHE_MS - 1);
    expect(await catalog.campaigns()).toBe(first);
    clock.advance(1);
    const after = await catalog.campaigns();
    expect(after.map((c) => [c.name, c.version])).toEqual([['Renamed', 2]]);
    // A clock set back (the local runtime's simulated clock) reads again rather than trusting the copy.
    await store.setStatus('birthday', 'active', 'paused', { at: clock.now().toISOString(), by: 'ana' });
    clock.advance(-10 * CAMPAIGN_CACHE_MS);
    expect((await catalog.campaigns()).map((c) => c.status)).toEqual(['paused']);
  });

  it('gives the config file’s campaigns first, in its order, then the others by id', async () => {
    const store = new InMemoryCampaignStore();
    const clock = new FakeClock();
    const meta = { at: clock.now().toISOString(), by: 'ana' };
    await store.create({ ...birthday, id: 'aaa-first-by-id' }, meta);
    const campaigns = await new CampaignCatalog(store, [winback, birthday], clock).campaigns();
    expect(campaigns.map((c) => c.id)).toEqual(['winback', 'birthday', 'aaa-first-by-id']);
  });

  it('a handler is built again when the catalog read again, and not before', async () => {
    const store = new InMemoryCampaignStore();
    const clock = new FakeClock();
    const catalog = new CampaignCatalog(store, [birthday], clock);
    let builds = 0;
    const handler = withCampaigns(catalog, (campaigns) => {
      builds++;
      return async () => campaigns.map((c) => c.name);
    });
    expect(await handler()).toEqual(['Birthday greeting']);
    expect(await handler()).toEqual(['Birthday greeting']);
    await store.update({ ...birthday, name: 'Renamed' }, 1, { at: clock.now().toISOString(), by: 'ana' });
    clock.advance(CAMPAIGN_CACHE_MS);
    expect(await handler()).toEqual(['Renamed']);
    expect(builds).toBe(2);
  });
});

describe('campaign admin API', () => {
  function setup(seed: Campaign[] = []) {
    const store = new InMemoryCampaignStore();
    const clock = new FakeClock();
    const deps = { store, clock, catalog: new CampaignCatalog(store, seed, clock) };
    const handler = campaignsAdminHandler(deps, new Logger({ logLevel: 'SILENT' }));
    const call = async (routeKey: string, body?: unknown, id?: string) => {
      const event = httpEvent(routeKey, body === undefined ? undefined : JSON.stringify(body));
      if (id) event.pathParameters = { id };
      const res = await handler(event, lambdaContext);
      return { status: res.statusCode, body: JSON.parse(res.body as string) };
    };
    return { store, clock, call };
  }

  const withTemplate = (field: 'subject' | 'html' | 'text', source: string) => ({
    ...birthdayInput,
    id: 'spring-sale',
    templates: { en: { email: { ...birthdayInput.templates.en?.email, [field]: source } } },
  });

  it.each([
    ['an unknown field', 'subject', 'Hi {{ customer.fristName }}', 'unknown field customer.fristName'],
    ['an unbalanced tag', 'text', '{% if offer %}Your code', 'does not parse'],
    ['an unknown filter', 'subject', '{{ customer.firstName | shout }}', 'undefined filter: shout'],
    ['user data unescaped into HTML', 'html', '<p>{{ customer.firstName | raw }}</p>', 'unescaped'],
  ] as const)(
    'refuses %s with a 400 naming the template, nothing saved',
    async (_what, field, source, message) => {
      const { store, call } = setup();
      const res = await call('POST /campaigns', withTemplate(field, source));
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('validation_failed');
      expect(res.body.fields).toEqual([
        { path: `templates.en.email.${field}`, message: expect.stringContaining(message) },
      ]);
      expect(await store.list()).toEqual([]);
    },
  );

  it('refuses a bad definition naming the field, and the reserved id', async () => {
    const { store, call } = setup();
    const bad = await call('POST /campaigns', {
      ...birthdayInput,
      holdoutPercent: 80,
      sendWindow: { start: '11:00', end: '09:00' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: { path: string }) => f.path).sort()).toEqual([
      'holdoutPercent',
      'sendWindow.end',
    ]);
    const reserved = await call('POST /campaigns', { ...birthdayInput, id: 'confirmation' });
    expect(reserved.body.fields).toEqual([{ path: 'id', message: expect.stringContaining('reserved') }]);
    expect(await store.list()).toEqual([]);
  });

  it('creates, versions with expectedVersion, and refuses a stale edit with the current version', async () => {
    const { call } = setup();
    expect(await call('POST /campaigns', birthdayInput)).toEqual({
      status: 201,
      body: { id: 'birthday', version: 1 },
    });
    expect((await call('POST /campaigns', birthdayInput)).body).toMatchObject({ error: 'campaign_exists' });
    const ana = await call(
      'PUT /campaigns/{id}',
      { ...birthdayInput, name: 'Ana’s edit', expectedVersion: 1 },
      'birthday',
    );
    expect(ana).toEqual({ status: 200, body: { id: 'birthday', version: 2 } });
    // Ben started from version 1 too: his save is refused, Ana's edit stays.
    const ben = await call(
      'PUT /campaigns/{id}',
      { ...birthdayInput, name: 'Ben’s edit', expectedVersion: 1 },
      'birthday',
    );
    expect(ben).toMatchObject({ status: 409, body: { error: 'version_conflict', currentVersion: 2 } });
    const shown = await call('GET /campaigns/{id}', undefined, 'birthday');
    expect(shown.body.current).toMatchObject({ name: 'Ana’s edit', version: 2, status: 'active' });
    expect(
      shown.body.versions.map((v: { version: number; campaign: { name: string } }) => [
        v.version,
        v.campaign.name,
      ]),
    ).toEqual([
      [1, 'Birthday greeting'],
      [2, 'Ana’s edit'],
    ]);
    expect(
      (await call('PUT /campaigns/{id}', { ...birthdayInput, name: 'x' }, 'birthday')).body.fields,
    ).toEqual([{ path: 'expectedVersion', message: expect.any(String) }]);
    expect(
      (await call('PUT /campaigns/{id}', { ...birthdayInput, expectedVersion: 2 }, 'nobody')).status,
    ).toBe(400);
    expect((await call('GET /campaigns/{id}', undefined, 'nobody')).status).toBe(404);
  });

  it('pauses, resumes and archives without a new version; an archived campaign stays archived', async () => {
    const { call } = setup([birthday]);
    expect((await call('POST /campaigns/{id}/pause', undefined, 'birthday')).body).toEqual({
      id: 'birthday',
      version: 1,
    });
    expect((await call('GET /campaigns/{id}', undefined, 'birthday')).body.current.status).toBe('paused');
    await call('POST /campaigns/{id}/resume', undefined, 'birthday');
    await call('POST /campaigns/{id}/archive', undefined, 'birthday');
    const resumed = await call('POST /campaigns/{id}/resume', undefined, 'birthday');
    expect(resumed).toMatchObject({ status: 409, body: { error: 'campaign_archived' } });
    const shown = await call('GET /campaigns/{id}', undefined, 'birthday');
    expect([shown.body.current.status, shown.body.versions.length]).toEqual(['archived', 1]);
    // An edit keeps the status (pause/resume/archive are the only way to change it).
    await call('PUT /campaigns/{id}', { ...birthdayInput, status: 'active', expectedVersion: 1 }, 'birthday');
    expect((await call('GET /campaigns/{id}', undefined, 'birthday')).body.current).toMatchObject({
      status: 'archived',
      version: 2,
    });
  });

  it('apply: creates, versions what changed, and applying the same file again does nothing', async () => {
    const { store, call } = setup([birthday]);
    const file = {
      campaigns: [
        { ...birthdayInput, name: 'Birthday v2' },
        { ...birthdayInput, id: 'spring-sale' },
      ],
    };
    const first = await call('POST /campaigns/apply', file);
    expect(first.body.steps).toEqual([
      { id: 'birthday', action: 'update', expectedVersion: 1, outcome: 'saved', version: 2 },
      { id: 'spring-sale', action: 'create', outcome: 'saved', version: 1 },
    ]);
    const writes = store.writes;
    const again = await call('POST /campaigns/apply', file);
    expect(again.body.steps).toEqual([
      { id: 'birthday', action: 'unchanged', version: 2, outcome: 'saved' },
      { id: 'spring-sale', action: 'unchanged', version: 1, outcome: 'saved' },
    ]);
    expect(store.writes).toBe(writes);
    // One bad campaign in the file: 400 naming it by index, nothing saved.
    const bad = await call('POST /campaigns/apply', {
      campaigns: [{ ...birthdayInput, name: 'Birthday v3' }, withTemplate('subject', '{{ nope }}')],
    });
    expect(bad.body.fields).toEqual([
      { path: '1.templates.en.email.subject', message: 'unknown field nope' },
    ]);
    expect(store.writes).toBe(writes);
  });
});
