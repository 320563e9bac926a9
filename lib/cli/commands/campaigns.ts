import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { z } from 'zod';
import type { Env } from '../../config/env-names';
import { localApi } from './customer';

// Campaigns against the running local stack (`npm start`):
//
// `precis planner [--at ISO] [--json]`: one planner pass as of that instant (default now), through
//   the admin route `POST /planner/runs` (the same use case the hourly schedule runs); the route
//   waits until the sender has taken every message it queued, so they are in the outbox when this
//   returns. Prints { due, queued, heldOut, skipped: { reason: count } }.
// `precis outbox [--json]`: what the local SES v2 emulator (GET /store, SES_PORT, default 8005) and
//   the SMS sink (GET /messages, LOCAL_AWS_PORT, default 4566) received, newest first.
// `precis simulate --days N [--from ISO] [--json]`: fast-forwards the campaign planner: one pass per
//   hour from `--from` (default: the current hour) for N days, each waiting for its messages. Only
//   the planner's clock moves (the nightly refit and stream consumers run on real time).
// All authenticate with `x-api-key: $PRECIS_ADMIN_KEY` on `PORT` (default 3000).

const TIMEOUT_MS = 30_000;

export const PlannerRunSchema = z.object({
  at: z.string(),
  due: z.int(),
  queued: z.int(),
  heldOut: z.int(),
  skipped: z.record(z.string(), z.int()),
  requeued: z.int(),
  /** Rows an interrupted send left `unknown` (sent or not, nobody knows): reported, never re-sent. */
  unknown: z.int().default(0),
  pending: z.int(),
});
export type PlannerRun = z.infer<typeof PlannerRunSchema>;

export interface OutboxEntry {
  channel: 'email' | 'sms';
  to: string;
  subject: string | null;
  text: string;
  campaign: string | null;
  occasion: string | null;
  sentAt: string;
}

export function registerCampaigns(program: Command): void {
  program
    .command('planner')
    .description('run one campaign planner pass as of an instant against the running local stack')
    .option('--at <instant>', 'ISO-8601 instant the pass runs as of (default: now)')
    .option('--json', 'print JSON')
    .action(async (opts: { at?: string; json?: boolean }) => {
      const run = await runPlanner(process.env, opts.at);
      const { requeued: _, pending: __, at: ___, ...counts } = run;
      process.stdout.write(opts.json ? `${JSON.stringify(counts, null, 2)}\n` : formatRun(run));
    });

  program
    .command('outbox')
    .description('list the emails and SMS the local emulators received, newest first')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const entries = await fetchOutbox(process.env);
      process.stdout.write(opts.json ? `${JSON.stringify(entries, null, 2)}\n` : formatOutbox(entries));
    });

  program
    .command('simulate')
    .description('fast-forward the campaign planner: one pass per hour for N days')
    .requiredOption('--days <n>', 'how many days to simulate')
    .option('--from <instant>', 'ISO-8601 instant to start from (default: the current hour)')
    .option('--json', 'print JSON')
    .action(async (opts: { days: string; from?: string; json?: boolean }) => {
      const days = Number(opts.days);
      if (!(Number.isInteger(days) && days > 0 && days <= 366)) {
        throw new Error(`--days must be a whole number from 1 to 366, got "${opts.days}"`);
      }
      // A progress bar on stderr when it is a terminal: one tick per simulated hour.
      const bar = process.stderr.isTTY
        ? new SingleBar({
            stream: process.stderr,
            format: 'simulating [{bar}] {value}/{total} hours',
            hideCursor: true,
            clearOnComplete: true,
          })
        : undefined;
      bar?.start(days * 24, 0);
      try {
        const total = await simulate(process.env, days, opts.from, (hours) => bar?.update(hours));
        bar?.stop();
        process.stdout.write(opts.json ? `${JSON.stringify(total, null, 2)}\n` : formatRun(total));
      } finally {
        bar?.stop();
      }
    });
}

export async function runPlanner(env: Env, at?: string): Promise<PlannerRun> {
  if (at !== undefined && Number.isNaN(Date.parse(at))) {
    throw new Error(`--at must be an ISO-8601 instant such as 2026-03-14T09:00:00Z, got "${at}"`);
  }
  const api = localApi(env);
  const { status, body } = await call(`${api.url}/planner/runs`, {
    method: 'POST',
    headers: { 'x-api-key': api.adminKey, 'content-type': 'application/json' },
    body: JSON.stringify(at === undefined ? {} : { at: new Date(at).toISOString() }),
  });
  if (status === 401 || status === 403) throw new Error(`the API refused the admin key (${status})`);
  if (status === 404)
    throw new Error(`the API at ${api.url} has no /planner/runs route: is it the Precis local runtime?`);
  if (status !== 200) throw new Error(`the API at ${api.url} answered ${status}: ${JSON.stringify(body)}`);
  const parsed = PlannerRunSchema.safeParse(body);
  if (!parsed.success) throw new Error(`the API at ${api.url} answered with an unexpected planner shape`);
  return parsed.data;
}

export async function simulate(
  env: Env,
  days: number,
  from?: string,
  onHour?: (hoursDone: number) => void,
): Promise<PlannerRun> {
  const start = from === undefined ? Date.now() : Date.parse(from);
  if (Number.isNaN(start)) throw new Error(`--from must be an ISO-8601 instant, got "${from}"`);
  const firstHour = Math.floor(start / 3_600_000) * 3_600_000;
  const total: PlannerRun = {
    at: new Date(firstHour).toISOString(),
    due: 0,
    queued: 0,
    heldOut: 0,
    skipped: {},
    requeued: 0,
    unknown: 0,
    pending: 0,
  };
  for (let hour = 0; hour < days * 24; hour++) {
    const run = await runPlanner(env, new Date(firstHour + hour * 3_600_000).toISOString());
    total.due += run.due;
    total.queued += run.queued;
    total.heldOut += run.heldOut;
    total.requeued += run.requeued;
    // Every pass inside a row's window finds it again: the most any pass found, not a sum.
    total.unknown = Math.max(total.unknown, run.unknown);
    total.pending = run.pending;
    for (const [reason, n] of Object.entries(run.skipped))
      total.skipped[reason] = (total.skipped[reason] ?? 0) + n;
    onHour?.(hour + 1);
  }
  return total;
}

const SesStoreSchema = z.object({
  emails: z.array(
    z.object({
      destination: z.object({ to: z.array(z.string()) }),
      subject: z.string(),
      body: z.object({ text: z.string().optional(), html: z.string().optional() }),
      headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
      at: z.number(),
    }),
  ),
});
const SmsListSchema = z.array(
  z.object({
    at: z.string(),
    phoneNumber: z.string().optional(),
    message: z.string(),
    attributes: z.record(z.string(), z.string()),
  }),
);

const portFrom = (env: Env, name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,5}$/.test(raw)) throw new Error(`${name} must be a port number, got "${raw}"`);
  return Number(raw);
};

export async function fetchOutbox(env: Env): Promise<OutboxEntry[]> {
  const ses = `http://127.0.0.1:${portFrom(env, 'SES_PORT', 8005)}`;
  const sms = `http://127.0.0.1:${portFrom(env, 'LOCAL_AWS_PORT', 4566)}`;
  const [store, messages] = await Promise.all([call(`${ses}/store`, {}), call(`${sms}/messages`, {})]);
  const emails = SesStoreSchema.safeParse(store.body);
  const texts = SmsListSchema.safeParse(messages.body);
  if (!emails.success) throw new Error(`the SES emulator at ${ses} answered with an unexpected store shape`);
  if (!texts.success) throw new Error(`the SMS sink at ${sms} answered with an unexpected shape`);
  const header = (headers: { name: string; value: string }[] | undefined, name: string) =>
    headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value ?? null;
  const entries: OutboxEntry[] = [
    ...emails.data.emails.map((email) => ({
      channel: 'email' as const,
      to: email.destination.to.join(', '),
      subject: email.subject,
      text: email.body.text ?? '',
      campaign: header(email.headers, 'X-Precis-Campaign'),
      occasion: header(email.headers, 'X-Precis-Occasion'),
      sentAt: new Date(email.at * 1000).toISOString(),
    })),
    ...texts.data.map((sms) => ({
      channel: 'sms' as const,
      to: sms.phoneNumber ?? '',
      subject: null,
      text: sms.message,
      campaign: sms.attributes['precis.campaign'] ?? null,
      occasion: sms.attributes['precis.occasion'] ?? null,
      sentAt: sms.at,
    })),
  ];
  // Newest first; the SES emulator keeps whole seconds, so ties keep the emulators' own order.
  return entries
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => b.entry.sentAt.localeCompare(a.entry.sentAt) || b.i - a.i)
    .map(({ entry }) => entry);
}

async function call(url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED')
      throw new Error(`nothing is listening at ${url} (start it with npm start)`);
    if ((err as Error).name === 'TimeoutError')
      throw new Error(`${url} did not answer within ${TIMEOUT_MS / 1000}s`);
    throw new Error(`could not reach ${url}: ${cause?.code ?? (err as Error).message}`);
  }
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

export function formatRun(run: PlannerRun): string {
  const skipped = Object.entries(run.skipped)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, n]) => `  ${reason.padEnd(16)}${n}`);
  return [
    `planner as of ${run.at}`,
    `due       ${run.due}`,
    `queued    ${run.queued}`,
    `held out  ${run.heldOut}`,
    `skipped   ${Object.values(run.skipped).reduce((a, b) => a + b, 0)}`,
    ...skipped,
    ...(run.pending > 0 ? [`still queued when the wait ended: ${run.pending}`] : []),
    ...(run.unknown > 0
      ? [
          `unknown   ${run.unknown}  (sent or not: the provider was called, the ledger not updated; never re-sent)`,
        ]
      : []),
    '',
  ].join('\n');
}

export function formatOutbox(entries: OutboxEntry[]): string {
  if (entries.length === 0) return 'the outbox is empty\n';
  return `${entries
    .map(
      (e) =>
        `${e.sentAt}  ${e.channel.padEnd(5)}  ${e.to}  [${e.campaign ?? '-'} ${e.occasion ?? '-'}]\n` +
        `  ${e.subject ?? e.text.split('\n')[0]}`,
    )
    .join('\n')}\n`;
}
