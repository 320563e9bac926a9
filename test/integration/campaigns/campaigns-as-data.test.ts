import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { synthTemplates } from '../../../infra/synth';
import type { OutboxEntry } from '../../../lib/cli/commands/campaigns';
import { instantOf } from '../../../lib/domain/zoned-time';
import { runCli } from '../../support/cli';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';
import { readLedger } from '../../support/tables';

// Campaigns as data on the local runtime (wired from the synthesized templates): the config's
// birthday campaign becomes version 1 in the store on first use; an edit through the CLI (admin API)
// is used by the next planner pass without a restart; the ledger row records the version each
// occasion was claimed with; an occasion claimed before the edit is never sent again.

const SUITE = `cad${Date.now().toString(36)}`;
const address = (name: string) => `${name}.${SUITE}@example.com`;
const config = loadConfig(() => undefined, '/nonexistent');
// The birthday campaign alone, everyone treated, a window wide enough for two passes to find Ana.
const birthday = {
  ...config.campaigns.find((c) => c.id === 'birthday')!,
  channel: 'email' as const,
  holdoutPercent: 0,
  sendWindow: { start: '09:00', end: '12:00' },
};

let runtime: TestRuntime;
let dynamo: DynamoDBClient;
const ids: Record<string, string> = {};
const cli = (...argv: string[]) => runCli(runtime, ...argv);
const at = (zone: string, local: string) => new Date(instantOf(local, zone) as number).toISOString();

async function signup(name: string, timeZone: string): Promise<string> {
  const response = await fetch(`${runtime.url}/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      firstName: name,
      email: address(name),
      consent: { email: true, sms: false },
      birthday: '1990-06-15',
      timeZone,
      locale: 'en-NZ',
    }),
  });
  expect(response.status).toBe(202);
  const found = await fetch(`${runtime.url}/customers?email=${encodeURIComponent(address(name))}`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  const { customerId } = (await found.json()) as { customerId: string };
  // Confirmed straight on the item (the double opt-in is lifecycle.test.ts's).
  await dynamo.send(
    new UpdateItemCommand({
      TableName: runtime.tableNames.Customers!,
      Key: { customerId: { S: customerId } },
      UpdateExpression: 'SET consent.email = :email',
      ExpressionAttributeValues: marshall({
        ':email': { status: 'confirmed', updatedAt: '2026-01-01T00:00:00.000Z', source: 'test' },
      }),
    }),
  );
  return customerId;
}

async function planner(instant: string) {
  const result = await cli('planner', '--at', instant, '--json');
  expect(result.err).toBe('');
  try {
    return JSON.parse(result.out) as { due: number; queued: number; skipped: Record<string, number> };
  } catch {
    throw new Error(`planner printed: ${result.out}`);
  }
}

async function birthdayEmails(name: string): Promise<OutboxEntry[]> {
  const result = await cli('outbox', '--json');
  return (JSON.parse(result.out) as OutboxEntry[]).filter(
    (e) => e.to === address(name) && e.campaign === 'birthday',
  );
}

const file = (name: string, content: unknown) => {
  const path = join(mkdtempSync(join(tmpdir(), 'precis-cad-')), name);
  writeFileSync(path, JSON.stringify(content));
  return path;
};

beforeAll(async () => {
  runtime = await startTestRuntime(synthTemplates({ campaigns: [birthday] }), { batchingWindowCapMs: 0 });
  dynamo = new DynamoDBClient({
    endpoint: runtime.dynamoEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  ids.ana = await signup('ana', 'Pacific/Auckland');
  ids.ben = await signup('ben', 'Australia/Sydney');
  await runtime.settled();
});

afterAll(async () => {
  await runtime?.stop();
});

describe('campaigns as data through the local runtime', () => {
  it('the config’s campaign is version 1, edited through the CLI, used by the next pass, recorded per row', async () => {
    // 09:00 on 15 June in Auckland: Ana is due, Ben (07:00 in Sydney) is not yet.
    const first = await planner(at('Pacific/Auckland', '2026-06-15T09:00'));
    expect(first).toMatchObject({ due: 1, queued: 1 });
    expect((await birthdayEmails('ana')).map((e) => e.subject)).toEqual(['Happy birthday, ana!']);

    const listed = await cli('campaigns', 'list', '--json');
    expect(JSON.parse(listed.out)).toEqual([
      expect.objectContaining({ campaignId: 'birthday', version: 1, status: 'active' }),
    ]);

    // The marketer edits the subject line: show --definition, change it, edit FILE.
    const shown = await cli('campaigns', 'show', 'birthday', '--definition');
    const definition = JSON.parse(shown.out) as {
      expectedVersion: number;
      templates: { en: { email: { subject: string } } };
    };
    expect(definition.expectedVersion).toBe(1);
    definition.templates.en.email.subject = 'Many happy returns, {{ customer.firstName }}!';
    const edited = await cli('campaigns', 'edit', 'birthday', file('birthday.json', definition));
    expect([edited.code, edited.out]).toEqual([0, 'saved birthday: version 2\n']);
    // The same edit again (from version 1) is refused: someone (we) saved first.
    const stale = await cli('campaigns', 'edit', 'birthday', file('birthday.json', definition));
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/is at version 2/);

    // 11:00 in Auckland (Ana is still in the window, already claimed), 09:00 in Sydney (Ben is due).
    const second = await planner(at('Pacific/Auckland', '2026-06-15T11:00'));
    expect(second).toMatchObject({ due: 2, queued: 1, skipped: { already_claimed: 1 } });
    expect((await birthdayEmails('ben')).map((e) => e.subject)).toEqual(['Many happy returns, ben!']);
    // Editing a running campaign never sends a claimed occasion again.
    expect(await birthdayEmails('ana')).toHaveLength(1);

    const [anaRow] = await readLedger(dynamo, runtime.tableNames.Deliveries!, ids.ana!);
    const [benRow] = await readLedger(dynamo, runtime.tableNames.Deliveries!, ids.ben!);
    expect(anaRow).toMatchObject({ deliveryKey: 'birthday#2026', campaignVersion: 1, status: 'sent' });
    expect(benRow).toMatchObject({ deliveryKey: 'birthday#2026', campaignVersion: 2, status: 'sent' });

    // The report per version: Ana was claimed with version 1, Ben with version 2; all time has both.
    await runtime.settled();
    const report = async (query: string) => {
      const response = await fetch(`${runtime.url}/campaigns/birthday/report${query}`, {
        headers: { 'x-api-key': TEST_ADMIN_KEY },
      });
      return {
        status: response.status,
        body: (await response.json()) as {
          version?: number;
          groups: { treated: Record<string, number> };
          fields?: unknown;
        },
      };
    };
    const treated = async (query: string) => (await report(query)).body.groups.treated;
    expect(await treated('')).toMatchObject({ audience: 2, sent: 2 });
    expect(await treated('?version=1')).toMatchObject({ audience: 1, sent: 1 });
    expect(await treated('?version=2')).toMatchObject({ audience: 1, sent: 1 });
    expect((await report('?version=2')).body.version).toBe(2);
    expect(await treated('?version=3')).toMatchObject({ audience: 0 });
    const bad = await report('?version=2&period=week');
    expect([bad.status, bad.body.fields]).toEqual([400, [{ path: 'period', message: expect.any(String) }]]);
  });

  it('refuses a bad campaign with one line naming the field and exit code 2; apply is idempotent', async () => {
    const bad = {
      ...birthday,
      id: 'spring-sale',
      templates: { en: { email: { subject: 'Hi {{ customer.fristName }}', html: '<p>Hi</p>', text: 'Hi' } } },
    };
    const refused = await cli('campaigns', 'create', file('bad.json', bad));
    expect(refused.code).toBe(2);
    expect(refused.err.trim()).toBe(
      'precis: campaign refused, nothing saved: templates.en.email.subject: unknown field customer.fristName',
    );
    expect((await cli('campaigns', 'show', 'spring-sale')).err).toMatch(/no campaign spring-sale/);

    const good = { ...bad, templates: birthday.templates };
    const path = file('campaigns.json', [good]);
    expect((await cli('campaigns', 'apply', path)).out).toBe('created   spring-sale (version 1)\n');
    expect((await cli('campaigns', 'apply', path)).out).toBe('unchanged spring-sale (version 1)\n');
    expect((await cli('campaigns', 'pause', 'spring-sale')).out).toBe('paused spring-sale\n');
    expect((await cli('campaigns', 'archive', 'spring-sale')).out).toBe('archived spring-sale\n');
    const resumed = await cli('campaigns', 'resume', 'spring-sale');
    expect([resumed.code, resumed.err]).toEqual([1, expect.stringMatching(/archived/)]);
  });
});
