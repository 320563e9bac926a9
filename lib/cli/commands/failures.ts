import type { Command } from 'commander';
import type { Env } from '../../config/env-names';
import * as z from '../../zod';
import { fetchJson, localApi, theLocalApi } from '../local-api';

// `precis failures list [--json]`: the messages in the local runtime's dead-letter and failure queues
//   and the failure records of stream batches and events (GET /local/failures).
// `precis failures redrive --id <id> | --all [--json]`: moves dead letters back to the queue they
//   came from (POST /local/failures/redrive), as `aws sqs start-message-move-task` does on AWS (see
//   README, Operations). The sender re-reads the ledger row of each message, so a redrive never sends
//   twice: a message whose row was sent meanwhile sends nothing.

const TIMEOUT_MS = 30_000;

const DeadLetterSchema = z.object({
  id: z.string(),
  queue: z.string(),
  sourceQueue: z.nullable(z.string()),
  receiveCount: z.int(),
  sentAt: z.string(),
  body: z.optional(z.unknown()),
});
const FailureListSchema = z.object({
  deadLetters: z.array(DeadLetterSchema),
  failures: z.array(z.looseObject({ kind: z.string(), at: z.string() })),
});
export type FailureList = z.infer<typeof FailureListSchema>;
const RedriveSchema = z.object({
  redriven: z.array(z.object({ id: z.string(), from: z.string(), to: z.string() })),
});
export type Redrive = z.infer<typeof RedriveSchema>;

async function call(env: Env, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const api = localApi(env);
  const { status, body: answer } = await fetchJson(
    `${api.url}${path}`,
    {
      method,
      headers: { 'x-api-key': api.adminKey, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    },
    TIMEOUT_MS,
    theLocalApi(api.url),
  );
  if (status === 401 || status === 403) throw new Error(`the API refused the admin key (${status})`);
  const message = (answer as { message?: unknown } | undefined)?.message;
  if (
    (status === 400 || status === 404 || status === 409) &&
    typeof message === 'string' &&
    message.startsWith('id: ')
  )
    throw new Error(message.slice(4));
  if (status === 404)
    throw new Error(
      `the API at ${api.url} has no ${path} route: is it the Precis local runtime (npm start)?`,
    );
  if (status !== 200) throw new Error(`the API at ${api.url} answered ${status}: ${JSON.stringify(answer)}`);
  return answer;
}

export async function listFailures(env: Env): Promise<FailureList> {
  const parsed = FailureListSchema.safeParse(await call(env, 'GET', '/local/failures'));
  if (!parsed.success) throw new Error('the local API answered with an unexpected failure list');
  return parsed.data;
}

export async function redrive(env: Env, which: { id: string } | { all: true }): Promise<Redrive> {
  const parsed = RedriveSchema.safeParse(await call(env, 'POST', '/local/failures/redrive', which));
  if (!parsed.success) throw new Error('the local API answered with an unexpected redrive result');
  return parsed.data;
}

export function formatFailures(list: FailureList): string {
  const lines = [`dead letters ${list.deadLetters.length}`];
  for (const d of list.deadLetters) {
    const ids = d.body && typeof d.body === 'object' ? (d.body as Record<string, unknown>) : undefined;
    const what = ids
      ? `  ${ids.campaignId} ${ids.occasion} · ${ids.channel} · customer ${ids.customerId}`
      : '';
    lines.push(
      `  ${d.id}  ${d.queue}${d.sourceQueue ? ` (from ${d.sourceQueue})` : ' (not redrivable: no source queue)'}  received ${d.receiveCount}×, sent ${d.sentAt}${what}`,
    );
  }
  lines.push(`failure records ${list.failures.length} (stream batches and events: listed, not redrivable)`);
  for (const f of list.failures) {
    const name =
      typeof f.functionName === 'string' ? f.functionName : typeof f.queue === 'string' ? f.queue : '';
    lines.push(`  ${f.at}  ${f.kind}  ${name}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerFailures(program: Command): void {
  const failures = program
    .command('failures')
    .description('dead-lettered messages and failed batches of the local runtime: list them, redrive them');
  failures
    .command('list')
    .description('list the dead-lettered messages and the failure records')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const list = await listFailures(process.env);
      process.stdout.write(opts.json ? `${JSON.stringify(list, null, 2)}\n` : formatFailures(list));
    });
  failures
    .command('redrive')
    .description(
      'move dead-lettered messages back to their queue (the ledger keeps a message from being sent twice)',
    )
    .option('--id <id>', 'the message id (precis failures list)')
    .option('--all', 'every dead-lettered message that has a source queue')
    .option('--json', 'print JSON')
    .action(async (opts: { id?: string; all?: boolean; json?: boolean }) => {
      if ((opts.id === undefined) === (opts.all !== true)) throw new Error('give either --id <id> or --all');
      const result = await redrive(process.env, opts.id !== undefined ? { id: opts.id } : { all: true });
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `redriven ${result.redriven.length}\n${result.redriven.map((r) => `  ${r.id}  ${r.from} → ${r.to}\n`).join('')}`,
      );
    });
}
