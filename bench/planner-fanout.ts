import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../infra/config';
import { synthTemplates } from '../infra/synth';
import { dynamoDocumentClient } from '../lib/adapters/aws/clients';
import { CapacityTally } from '../lib/adapters/dynamodb/capacity';
import { DynamoCustomerRepository } from '../lib/adapters/dynamodb/dynamo-customer-repository';
import { DynamoDeliveryLedger } from '../lib/adapters/dynamodb/dynamo-delivery-ledger';
import { DynamoDueCustomers } from '../lib/adapters/dynamodb/dynamo-due-customers';
import type { SendRequest } from '../lib/domain/campaigns/delivery';
import { startDynamoLocal } from '../lib/local/dynamo-local';
import { buildLocalModel, ensureTables } from '../lib/local/template';
import { type PlannerDeps, type PlannerPage, planCampaigns, planPage } from '../lib/use-cases/plan-campaigns';
import { option } from './support';

// `npm run bench -- planner-fanout [--due N] [--page P] [--workers W]`: one birthday planner hour in
// which N people (default 100,000) are all due, on DynamoDB Local, claimed (a) by one pass, as one
// invocation would, and (b) fanned out: the pass pages them (P a page, default 1,000) and W page
// workers (default 10, the deployed page queue's maximum concurrency) claim the pages in parallel.
// Each on its own Deliveries table; prints wall times, pages, claims and capacity units per due person.

const AT = new Date('2026-06-14T21:00:00.000Z'); // 09:00 on 15 June in Auckland
const BATCH = 25;

function person(i: number) {
  return {
    customerId: `cus_${i}`,
    firstName: 'Ana',
    email: `ana${i}@example.com`,
    birthday: '1990-06-15',
    timeZone: 'Pacific/Auckland',
    locale: 'en-NZ',
    interests: [],
    consent: {
      email: { status: 'confirmed', updatedAt: '2026-01-01T00:00:00Z', source: 'confirmation' },
      sms: { status: 'none', updatedAt: '2026-01-01T00:00:00Z', source: 'form' },
    },
    source: 'form',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    version: 1,
    birthdayKey: '06-15',
    birthdayOffset: 720,
  };
}

export async function run(args: string[]): Promise<void> {
  const due = Number(option(args, 'due', '100000'));
  const pageSize = Number(option(args, 'page', '1000'));
  const workers = Number(option(args, 'workers', '10'));
  const print = console.log.bind(console);
  const { campaigns, campaignSettings } = loadConfig(() => undefined, '/nonexistent');
  const birthday = campaigns.filter((c) => c.id === 'birthday');
  const model = buildLocalModel(synthTemplates());
  const dynamo = await startDynamoLocal();
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'local', credentials });
  const db = DynamoDBDocumentClient.from(client);
  const localEnv = {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
  };
  try {
    print(
      `planner fan-out: ${due.toLocaleString('en')} people due in one birthday hour, DynamoDB Local (load average ${loadavg()[0]?.toFixed(1)})`,
    );
    const tables = await ensureTables(client, model, 'f_');
    const name = (base: string) =>
      [...tables.values()].find((t) => t.name.endsWith(`_${base}`))?.name as string;
    const customersTable = name('Customers');
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < due) {
          const from = next;
          next += BATCH;
          let pending = Array.from({ length: Math.min(BATCH, due - from) }, (_, k) => ({
            PutRequest: { Item: person(from + k) },
          }));
          while (pending.length > 0) {
            const out = await db.send(new BatchWriteCommand({ RequestItems: { [customersTable]: pending } }));
            pending = (out.UnprocessedItems?.[customersTable] ?? []) as typeof pending;
          }
        }
      }),
    );
    print(
      `  ${due.toLocaleString('en')} customers written in ${((performance.now() - t0) / 1000).toFixed(1)} s (not measured below)`,
    );

    for (const mode of ['one pass', 'fanned out'] as const) {
      const ledgerTables = await ensureTables(client, model, mode === 'one pass' ? 'f1_' : 'f2_');
      const deliveries = [...ledgerTables.values()].find((t) => t.name.endsWith('_Deliveries'))
        ?.name as string;
      const tally = new CapacityTally((table) => table.replace(/^f\d?_/, ''));
      const metered = dynamoDocumentClient(localEnv, tally);
      let queued = 0;
      const pages: PlannerPage[] = [];
      const deps: PlannerDeps = {
        due: new DynamoDueCustomers(metered, customersTable),
        customers: new DynamoCustomerRepository(metered, { customers: customersTable }),
        ledger: new DynamoDeliveryLedger(metered, deliveries),
        queue: {
          enqueue: async (r: readonly SendRequest[]) => {
            queued += r.length;
          },
        },
        clock: { now: () => AT },
        campaigns: birthday,
        settings: campaignSettings,
        ...(mode === 'fanned out' && {
          pages: {
            size: pageSize,
            queue: { enqueue: async (p: readonly PlannerPage[]) => void pages.push(...p) },
          },
        }),
      };
      const started = performance.now();
      const pass = await planCampaigns(deps, AT);
      const passSeconds = (performance.now() - started) / 1000;
      let claimed = pass.queued + pass.heldOut;
      let taken = 0;
      const pageSeconds: number[] = [];
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (taken < pages.length) {
            const page = pages[taken++] as PlannerPage;
            const pageStarted = performance.now();
            const summary = await planPage(deps, page);
            pageSeconds.push((performance.now() - pageStarted) / 1000);
            claimed += summary.queued + summary.heldOut;
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const total = tally.total();
      const slowest = Math.max(0, ...pageSeconds);
      print(
        `  ${mode}: the longest invocation ${(pages.length ? Math.max(passSeconds, slowest) : passSeconds).toFixed(1)} s (Lambda allows the planner 300 s); ${seconds.toFixed(1)} s to claim ${claimed.toLocaleString('en')} (${(claimed / seconds).toFixed(0)}/s; the pass itself ${passSeconds.toFixed(1)} s${pages.length ? `, ${pages.length} pages over ${workers} workers` : ''}), queued ${queued.toLocaleString('en')}; read ${(total.read / due).toFixed(2)} / write ${(total.write / due).toFixed(2)} units per due person`,
      );
    }
  } finally {
    await dynamo.stop();
  }
}
