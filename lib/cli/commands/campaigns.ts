import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { Env } from '../../config/env-names';
import { INJECTED_EVENTS } from '../../local/provider-events';
import * as z from '../../zod';
import { fetchJson, localApi } from '../local-api';
import { registerCampaignAdmin } from './campaign-admin';

// Campaigns against the running local stack (`npm start`):
//
// `precis planner [--at ISO] [--json]`: one planner pass as of that instant (default now), through
//   the admin route `POST /planner/runs` (the same use case the hourly schedule runs); the route
//   waits until the sender has taken every message it queued, so they are in the outbox when this
//   returns. Prints { due, queued, heldOut, skipped: { reason: count } }.
// `precis outbox [--json]`: what the local SES v2 emulator (GET /store, SES_PORT, default 8005) and
//   the SMS sink (GET /messages, LOCAL_AWS_PORT, default 4566) received, newest first.
// `precis simulate --days N [--from ISO] [--json]`: fast-forwards the local runtime's schedules
//   through N days from `--from` (default: the current hour), one simulated hour per call of the
//   local-only route `POST /local/clock`: every occurrence in that hour fires in order (the hourly
//   planner pass, the nightly model refit at 03:00 UTC), each as of its scheduled time and each
//   followed by the runtime settling (streams drained, queued messages sent), as in N real days.
//   Prints the planner passes' counts summed, and the refits. Re-running a span sends nothing new.
// `precis simulate <event> <email-or-phone> [--message <id>]`: one provider event (delivery, delay,
//   bounce, complaint, open, click; for a text delivery, bounce = unreachable, stop = a STOP reply) for
//   the latest message to that address, published now as the provider would (POST /local/provider-events).
// All authenticate with `x-api-key: $PRECIS_ADMIN_KEY` on `PORT` (default 3000).

const TIMEOUT_MS = 30_000;

export const PlannerRunSchema = z.object({
  at: z.string(),
  due: z.int(),
  queued: z.int(),
  heldOut: z.int(),
  skipped: z.record(z.string(), z.int()),
  requeued: z.int(),
  /** Rows an interrupted send left `unknown` (sent or not, the provider's events will tell): reported. */
  unknown: z._default(z.int(), 0),
  /** Rows left `unknown` past their quiet period with no provider event: queued again. */
  retried: z._default(z.int(), 0),
  /** Of `queued`, those outside the SMS allowance now: sent at its next opening. */
  deferred: z._default(z.int(), 0),
  pending: z.int(),
});
export type PlannerRun = z.infer<typeof PlannerRunSchema>;

/** What the scheduled planner returns (the schedule does not wait for the sender). */
const PlannerPassSchema = z.extend(PlannerRunSchema, { pending: z._default(z.int(), 0) });
/** What the model refit returns (functions/model-refit). */
const RefitPassSchema = z.object({ version: z.int(), asOfDay: z.string() });

/** `POST /local/clock`: the schedule occurrences that fired, in order, and how each ended. */
const FiredSchema = z.object({
  schedule: z.string(),
  functionName: z.string(),
  at: z.string(),
  outcome: z.discriminatedUnion('status', [
    z.object({ status: z.literal('succeeded'), attempts: z.int(), result: z.unknown() }),
    z.object({ status: z.literal('failed'), attempts: z.int(), errorType: z.string() }),
  ]),
});
const ClockAdvanceSchema = z.object({ from: z.string(), to: z.string(), fired: z.array(FiredSchema) });
export type Fired = z.infer<typeof FiredSchema>;

/** `precis simulate`: the planner passes' counts summed, and what else the schedules did. */
export interface Simulation extends PlannerRun {
  from: string;
  to: string;
  /** Planner passes that ran (one per simulated hour with the default schedule). */
  passes: number;
  refits: { at: string; version: number; asOfDay: string }[];
  /** Occurrences whose invocation failed after its retries (also in the runtime's failure log). */
  failed: { schedule: string; at: string; errorType: string }[];
}

/** A simulation that has run nothing yet. */
export const emptySimulation = (from: Date, to: Date): Simulation => ({
  at: from.toISOString(),
  from: from.toISOString(),
  to: to.toISOString(),
  due: 0,
  queued: 0,
  heldOut: 0,
  skipped: {},
  requeued: 0,
  unknown: 0,
  retried: 0,
  deferred: 0,
  pending: 0,
  passes: 0,
  refits: [],
  failed: [],
});

/**
 * Adds what fired in one step of the simulated clock to the running totals: planner passes are
 * summed (except `unknown`: every pass inside a row's window finds it again, so the most any pass
 * found), refits listed, failures listed. Told apart by what the function returned.
 */
export function tallyFired(total: Simulation, fired: readonly Fired[]): Simulation {
  for (const occurrence of fired) {
    const { outcome } = occurrence;
    if (outcome.status === 'failed') {
      total.failed.push({ schedule: occurrence.schedule, at: occurrence.at, errorType: outcome.errorType });
      continue;
    }
    const pass = PlannerPassSchema.safeParse(outcome.result);
    if (pass.success) {
      const run = pass.data;
      total.passes++;
      total.due += run.due;
      total.queued += run.queued;
      total.heldOut += run.heldOut;
      total.requeued += run.requeued;
      total.retried += run.retried;
      total.deferred += run.deferred;
      total.unknown = Math.max(total.unknown, run.unknown);
      for (const [reason, n] of Object.entries(run.skipped))
        total.skipped[reason] = (total.skipped[reason] ?? 0) + n;
      continue;
    }
    const refit = RefitPassSchema.safeParse(outcome.result);
    if (refit.success) total.refits.push({ at: occurrence.at, ...refit.data });
  }
  return total;
}

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
    .description(
      "fast-forward the local runtime's schedules for N days (the hourly planner and the nightly refit), " +
        'or inject one provider event: precis simulate bounce ana@example.com',
    )
    .argument('[event]', `a provider event to inject: ${INJECTED_EVENTS.join(', ')}`)
    .argument('[to]', 'the email address or phone number (E.164) whose latest message gets it')
    .option('--days <n>', 'how many days to simulate')
    .option('--from <instant>', 'ISO-8601 instant to start from (default: the current hour)')
    .option('--message <id>', "the provider's message id (instead of the latest message to the address)")
    .option('--json', 'print JSON')
    .action(
      async (
        event: string | undefined,
        to: string | undefined,
        opts: { days?: string; from?: string; message?: string; json?: boolean },
      ) => {
        if (event !== undefined) {
          if (opts.days !== undefined) throw new Error('give either --days or an event to inject, not both');
          const injected = await injectProviderEvent(process.env, event, to, opts.message);
          process.stdout.write(
            opts.json
              ? `${JSON.stringify(injected, null, 2)}\n`
              : `${injected.event} published for ${injected.channel} message ${injected.messageId}\n`,
          );
          return;
        }
        if (opts.days === undefined)
          throw new Error(
            'give --days N to simulate, or an event and an address: precis simulate bounce ana@example.com',
          );
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
          process.stdout.write(opts.json ? `${JSON.stringify(total, null, 2)}\n` : formatSimulation(total));
        } finally {
          bar?.stop();
        }
      },
    );

  registerCampaignAdmin(program);
}

const InjectedSchema = z.object({
  channel: z.enum(['email', 'sms']),
  messageId: z.string(),
  event: z.string(),
  published: z.int(),
});
export type Injected = z.infer<typeof InjectedSchema>;

/** One provider event for the latest message to `to` (or message `messageId`), through the local route. */
export async function injectProviderEvent(
  env: Env,
  event: string,
  to: string | undefined,
  messageId?: string,
): Promise<Injected> {
  if (!(INJECTED_EVENTS as readonly string[]).includes(event))
    throw new Error(`the event must be one of ${INJECTED_EVENTS.join(', ')}, got "${event}"`);
  if (to === undefined && messageId === undefined)
    throw new Error('give the email address or phone number, or --message <id>');
  const api = localApi(env);
  const { status, body } = await call(`${api.url}/local/provider-events`, {
    method: 'POST',
    headers: { 'x-api-key': api.adminKey, 'content-type': 'application/json' },
    body: JSON.stringify({
      event,
      ...(to !== undefined && { to }),
      ...(messageId !== undefined && { messageId }),
    }),
  });
  if (status === 401 || status === 403) throw new Error(`the API refused the admin key (${status})`);
  const message = (body as { message?: unknown } | undefined)?.message;
  if ((status === 400 || status === 404) && typeof message === 'string') {
    if (message.startsWith('to: ') || message.startsWith('messageId: ') || message.startsWith('event: '))
      throw new Error(message.replace(/^\w+: /, ''));
    if (status === 404)
      throw new Error(
        `the API at ${api.url} has no /local/provider-events route: is it the Precis local runtime?`,
      );
  }
  if (status === 404)
    throw new Error(
      `the API at ${api.url} has no /local/provider-events route: is it the Precis local runtime?`,
    );
  if (status !== 200) throw new Error(`the API at ${api.url} answered ${status}: ${JSON.stringify(body)}`);
  const parsed = InjectedSchema.safeParse(body);
  if (!parsed.success) throw new Error(`the API at ${api.url} answered with an unexpected shape`);
  return parsed.data;
}

export async function runPlanner(env: Env, at?: string): Promise<PlannerRun> {
  if (at !== undefined && Number.isNaN(Date.parse(at))) {
    throw new Error(`--at must be an ISO-8601 instant such as 2026-03-14T09:00:00Z, got "${at}"`);
  }
  const api = localApi(env);
  // A pass as of an instant answers once the local runtime has settled on that instant's clock.
  const { status, body } = await call(
    `${api.url}/planner/runs`,
    {
      method: 'POST',
      headers: { 'x-api-key': api.adminKey, 'content-type': 'application/json' },
      body: JSON.stringify(at === undefined ? {} : { at: new Date(at).toISOString() }),
    },
    CLOCK_TIMEOUT_MS,
  );
  if (status === 401 || status === 403) throw new Error(`the API refused the admin key (${status})`);
  if (status === 404)
    throw new Error(`the API at ${api.url} has no /planner/runs route: is it the Precis local runtime?`);
  if (status !== 200) throw new Error(`the API at ${api.url} answered ${status}: ${JSON.stringify(body)}`);
  const parsed = PlannerRunSchema.safeParse(body);
  if (!parsed.success) throw new Error(`the API at ${api.url} answered with an unexpected planner shape`);
  return parsed.data;
}

/** One simulated hour per call: long enough for a refit of a large local table and its cascade. */
const CLOCK_TIMEOUT_MS = 10 * 60_000;

export async function simulate(
  env: Env,
  days: number,
  from?: string,
  onHour?: (hoursDone: number) => void,
): Promise<Simulation> {
  const start = from === undefined ? Date.now() : Date.parse(from);
  if (Number.isNaN(start)) throw new Error(`--from must be an ISO-8601 instant, got "${from}"`);
  const firstHour = Math.floor(start / 3_600_000) * 3_600_000;
  const hourAt = (hour: number) => new Date(firstHour + hour * 3_600_000);
  const total = emptySimulation(hourAt(0), hourAt(days * 24));
  const api = localApi(env);
  for (let hour = 0; hour < days * 24; hour++) {
    const { status, body } = await call(
      `${api.url}/local/clock`,
      {
        method: 'POST',
        headers: { 'x-api-key': api.adminKey, 'content-type': 'application/json' },
        body: JSON.stringify({ from: hourAt(hour).toISOString(), to: hourAt(hour + 1).toISOString() }),
      },
      CLOCK_TIMEOUT_MS,
    );
    if (status === 401 || status === 403) throw new Error(`the API refused the admin key (${status})`);
    if (status === 404)
      throw new Error(
        `the API at ${api.url} has no /local/clock route: is it the Precis local runtime (npm start)?`,
      );
    if (status !== 200) {
      const message = (body as { message?: unknown } | undefined)?.message;
      throw new Error(
        `the API at ${api.url} answered ${status}: ${typeof message === 'string' ? message : JSON.stringify(body)}`,
      );
    }
    const parsed = ClockAdvanceSchema.safeParse(body);
    if (!parsed.success) throw new Error(`the API at ${api.url} answered with an unexpected clock shape`);
    tallyFired(total, parsed.data.fired);
    onHour?.(hour + 1);
  }
  return total;
}

const SesStoreSchema = z.object({
  emails: z.array(
    z.object({
      destination: z.object({ to: z.array(z.string()) }),
      subject: z.string(),
      body: z.object({ text: z.optional(z.string()), html: z.optional(z.string()) }),
      headers: z.optional(z.array(z.object({ name: z.string(), value: z.string() }))),
      at: z.number(),
    }),
  ),
});
const SmsListSchema = z.array(
  z.object({
    at: z.string(),
    phoneNumber: z.string(),
    message: z.string(),
    context: z.record(z.string(), z.string()),
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
      to: sms.phoneNumber,
      subject: null,
      text: sms.message,
      campaign: sms.context.campaign ?? null,
      occasion: sms.context.occasion ?? null,
      sentAt: sms.at,
    })),
  ];
  // Newest first; the SES emulator keeps whole seconds, so ties keep the emulators' own order.
  return entries
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => b.entry.sentAt.localeCompare(a.entry.sentAt) || b.i - a.i)
    .map(({ entry }) => entry);
}

const call = (url: string, init: RequestInit, timeoutMs = TIMEOUT_MS) => fetchJson(url, init, timeoutMs);

export function formatRun(run: PlannerRun): string {
  return `planner as of ${run.at}\n${formatCounts(run)}`;
}

export function formatSimulation(sim: Simulation): string {
  const refits = sim.refits.map((r) => `  ${r.at}  version ${r.version} as of ${r.asOfDay}`);
  const failed = sim.failed.map((f) => `  ${f.at}  ${f.schedule}  ${f.errorType}`);
  return [
    `simulated ${sim.from} to ${sim.to}: ${sim.passes} planner passes, ${sim.refits.length} model refits`,
    formatCounts(sim).trimEnd(),
    ...(refits.length > 0 ? ['model refits', ...refits] : []),
    ...(failed.length > 0
      ? [`failed    ${failed.length}  (after their retries; see the runtime's log)`, ...failed]
      : []),
    '',
  ].join('\n');
}

function formatCounts(run: PlannerRun): string {
  const skipped = Object.entries(run.skipped)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, n]) => `  ${reason.padEnd(16)}${n}`);
  return [
    `due       ${run.due}`,
    `queued    ${run.queued}`,
    `held out  ${run.heldOut}`,
    ...(run.deferred > 0
      ? [`deferred  ${run.deferred}  (of queued: held until the person's send window or SMS hours open)`]
      : []),
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
