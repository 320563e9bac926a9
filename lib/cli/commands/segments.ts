import type { Command } from 'commander';
import { ENV, type Env } from '../../config/env-names';
import { SegmentSummarySchema } from '../../domain/segment-summary';
import * as z from '../../zod';
import { fetchJson, localApi, theLocalApi } from '../local-api';

// `precis segments [--json]`: each segment's size and revenue share, from the running local API
// (`GET /segments`, the summary the last refit stored).
// `precis model refit [--wait] [--timeout SECONDS]`: asks the running local API to refit the model
// now (`POST /model/refit`: the same function the nightly schedule runs, via ModelRefitRequested on
// the app's bus); with --wait, polls GET /segments until a newer model's summary is there.
// Both authenticate with `x-api-key: $PRECIS_ADMIN_KEY`. Every failure is one line via main.ts
// and a non-zero exit.

const TIMEOUT_MS = 10_000;

export const SegmentsResponseSchema = z.extend(z.omit(SegmentSummarySchema, { asOfDay: true }), {
  asOf: z.iso.date(),
  model: z.optional(
    z.catchall(
      z.object({
        version: z.int(),
        fittedAt: z.nullable(z.string()),
        customers: z.int(),
        repeatCustomers: z.int(),
        triples: z.int(),
        ltvFromVersion: z.nullable(z.int()),
        notes: z.array(z.string()),
      }),
      z.unknown(),
    ),
  ),
});
export type SegmentsResponse = z.infer<typeof SegmentsResponseSchema>;

const RefitResponseSchema = z.object({ status: z.literal('requested'), currentVersion: z.int() });

export function registerSegments(program: Command): void {
  program
    .command('segments')
    .description('list each segment with its size and revenue share, from the running local API')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const summary = await fetchSegments(process.env);
      if (!summary) throw new Error(NO_SUMMARY);
      process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSegments(summary));
    });

  const model = program.command('model').description('the lifetime-value and segment model');
  model
    .command('refit')
    .description('refit the model from every profile now (as the nightly schedule does)')
    .option('--wait', 'wait for the new model and print its segments')
    .option('--timeout <seconds>', 'how long --wait waits', '600')
    .option('--json', 'print JSON (with --wait: the new segments)')
    .action(async (opts: { wait?: boolean; timeout: string; json?: boolean }) => {
      const timeoutSeconds = Number(opts.timeout);
      if (!(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0)) {
        throw new Error(`--timeout must be a positive number of seconds, got "${opts.timeout}"`);
      }
      const { currentVersion } = await requestRefit(process.env);
      if (!opts.json) process.stdout.write(`refit requested (current model version ${currentVersion})\n`);
      if (!opts.wait) {
        if (opts.json) process.stdout.write(`${JSON.stringify({ requested: true, currentVersion })}\n`);
        return;
      }
      const summary = await waitForVersion(process.env, currentVersion + 1, timeoutSeconds * 1000);
      process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSegments(summary));
    });
}

const NO_SUMMARY =
  'no segment summary yet: the model has not been fitted (run `precis model refit`, or wait for the nightly refit)';

/** The stored summary; undefined before the first refit. */
export async function fetchSegments(env: Env): Promise<SegmentsResponse | undefined> {
  const { status, body, url } = await call(env, 'GET', '/segments');
  if (status === 404 && (body as { error?: unknown } | undefined)?.error === 'no_summary') return undefined;
  if (status !== 200) throw new Error(failure(status, url));
  const parsed = SegmentsResponseSchema.safeParse(body);
  if (!parsed.success) throw new Error(`the API at ${url} answered with an unexpected segments shape`);
  return parsed.data;
}

export async function requestRefit(env: Env): Promise<{ currentVersion: number }> {
  const { status, body, url } = await call(env, 'POST', '/model/refit');
  if (status !== 202) throw new Error(failure(status, url));
  const parsed = RefitResponseSchema.safeParse(body);
  if (!parsed.success) throw new Error(`the API at ${url} answered with an unexpected refit shape`);
  return parsed.data;
}

export async function waitForVersion(
  env: Env,
  version: number,
  timeoutMs: number,
  pollMs = 1000,
): Promise<SegmentsResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const summary = await fetchSegments(env);
    if (summary && summary.modelVersion >= version) return summary;
    if (Date.now() > deadline) {
      throw new Error(
        `no model version ${version} after ${Math.round(timeoutMs / 1000)}s: see the runtime's log`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function call(
  env: Env,
  method: 'GET' | 'POST',
  path: string,
): Promise<{ status: number; body: unknown; url: string }> {
  const api = localApi(env);
  const { status, body } = await fetchJson(
    `${api.url}${path}`,
    { method, headers: { 'x-api-key': api.adminKey, accept: 'application/json' } },
    TIMEOUT_MS,
    theLocalApi(api.url),
  );
  return { status, body, url: api.url };
}

function failure(status: number, url: string): string {
  switch (status) {
    case 401:
    case 403:
      return `the API refused the admin key (${status}): check ${ENV.adminKey}`;
    case 404:
      return `the API at ${url} has no segment routes (404): is it the Precis local runtime?`;
    case 503:
      return `the local API at ${url} is still starting (503): try again in a moment`;
    default:
      return `the API at ${url} answered ${status}`;
  }
}

const LABELS: Record<string, string> = {
  rfm: 'RFM',
  valueTier: 'value tier',
  lifecycle: 'lifecycle',
  matrix: 'matrix',
  rule: 'rule',
};

const count = (n: number) => n.toLocaleString('en-GB');
const money = (n: number) =>
  n.toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const percent = (share: number | null) => (share === null ? '—' : `${(share * 100).toFixed(1)}%`);

/** The summary as a table a person reads at a glance. */
export function formatSegments(summary: SegmentsResponse): string {
  const fitted = summary.model?.fittedAt
    ? ` (fitted ${summary.model.fittedAt.slice(0, 16).replace('T', ' ')} UTC)`
    : '';
  const lines = [
    `Segments as of ${summary.asOf} · model version ${summary.modelVersion}${fitted}`,
    `${count(summary.customers)} customers, ${count(summary.buyers)} buyers · revenue ${money(summary.revenue)}`,
    `80/20: the top 20% of buyers bring ${percent(summary.top20RevenueShare)} of revenue; ` +
      `the VIP tier holds ${percent(summary.vipValueShare)} of predicted value`,
    ...(summary.model?.notes ?? []).map((note) => `note: ${note}`),
    '',
  ];
  const rows = [
    ['kind', 'segment', 'customers', 'share', 'revenue', 'revenue share'],
    ...summary.segments.map((s) => [
      LABELS[s.kind] ?? s.kind,
      s.segment,
      count(s.customers),
      percent(s.customerShare),
      money(s.revenue),
      percent(s.revenueShare),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const numeric = [false, false, true, true, true, true];
  for (const row of rows) {
    lines.push(
      row
        .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
  }
  return `${lines.join('\n')}\n`;
}
