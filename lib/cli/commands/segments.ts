import type { Command } from 'commander';
import { ENV, type Env } from '../../config/env-names';
import type { MemberRow } from '../../domain/segment-member-view';
import { SegmentSummarySchema } from '../../domain/segment-summary';
import { MembersPageViewSchema } from '../../use-cases/segment-members';
import * as z from '../../zod';
import { fetchJson, fetchText, fieldMessages, localApi, theLocalApi } from '../local-api';

// `precis segments [--json]`: each segment's size and revenue share, from the running local API
// (`GET /segments`, the summary the last refit stored).
// `precis model refit [--wait] [--timeout SECONDS]`: asks the running local API to refit the model
// now (`POST /model/refit`: the same function the nightly schedule runs, via ModelRefitRequested on
// the app's bus); with --wait, polls GET /segments until a newer model's summary is there.
// `precis segments members <segment> [--limit N] [--cursor C] [--json]`, `precis segments count
// <segment>`, `precis segments export <segment> > file.csv`: one segment's people (`kind:name`, e.g.
// rfm:Champions, valueTier:vip, lifecycle:at_risk, matrix:one-to-one, rule:<id>, consent:email),
// from GET /segments/{segment}/members, /count and /export (every page, the header once).
// All authenticate with `x-api-key: $PRECIS_ADMIN_KEY`. Every failure is one line via main.ts
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
  const segments = program
    .command('segments')
    // `precis segments members X --json`: the option is the subcommand's, not this command's own
    // (the program enables positional options too: commander needs both).
    .enablePositionalOptions()
    .description('list each segment with its size and revenue share, from the running local API')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const summary = await fetchSegments(process.env);
      if (!summary) throw new Error(NO_SUMMARY);
      process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSegments(summary));
    });

  segments
    .command('members')
    .description("list a segment's members (a page at a time), e.g. precis segments members rfm:Champions")
    .argument(
      '<segment>',
      'kind:name, e.g. rfm:Champions, valueTier:vip, lifecycle:at_risk, rule:<id>, consent:email',
    )
    .option('--limit <n>', 'members per page (1-1000)', '50')
    .option('--cursor <cursor>', 'the page after the one that printed this cursor')
    .option('--json', 'print JSON')
    .action(async (segment: string, opts: { limit: string; cursor?: string; json?: boolean }) => {
      const query = new URLSearchParams({ limit: opts.limit, ...(opts.cursor && { cursor: opts.cursor }) });
      const { status, body, url } = await call(
        process.env,
        'GET',
        `${segmentPath(segment, 'members')}?${query}`,
      );
      if (status !== 200) throw new Error(segmentFailure(status, body, url));
      const parsed = MembersPageViewSchema.safeParse(body);
      if (!parsed.success) throw new Error(`the API at ${url} answered with an unexpected members shape`);
      process.stdout.write(
        opts.json ? `${JSON.stringify(parsed.data, null, 2)}\n` : formatMembers(parsed.data),
      );
    });
  segments
    .command('count')
    .description('how many members a segment has')
    .argument('<segment>', 'kind:name, e.g. rfm:Champions')
    .option('--json', 'print JSON')
    .action(async (segment: string, opts: { json?: boolean }) => {
      const { status, body, url } = await call(process.env, 'GET', segmentPath(segment, 'count'));
      if (status !== 200) throw new Error(segmentFailure(status, body, url));
      const parsed = z.object({ segment: z.string(), count: z.int() }).safeParse(body);
      if (!parsed.success) throw new Error(`the API at ${url} answered with an unexpected count shape`);
      process.stdout.write(opts.json ? `${JSON.stringify(parsed.data)}\n` : `${parsed.data.count}\n`);
    });
  segments
    .command('export')
    .description(
      "write a segment's members as CSV to stdout: precis segments export rfm:Champions > champions.csv",
    )
    .argument('<segment>', 'kind:name, e.g. rfm:Champions')
    .action(async (segment: string) => {
      await exportSegment(process.env, segment, (chunk) => process.stdout.write(chunk));
    });

  segments
    .command('reindex')
    .description(
      "write every profile's segment memberships once (a refit that also backfills the index; needed only for profiles stored before it existed)",
    )
    .option('--wait', 'wait for the refit to finish')
    .option('--timeout <seconds>', 'how long --wait waits', '600')
    .action(async (opts: { wait?: boolean; timeout: string }) => {
      const timeoutSeconds = Number(opts.timeout);
      if (!(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0)) {
        throw new Error(`--timeout must be a positive number of seconds, got "${opts.timeout}"`);
      }
      const { currentVersion } = await requestRefit(process.env, { reindexMembers: true });
      process.stdout.write(`reindex requested with a refit (current model version ${currentVersion})\n`);
      if (!opts.wait) return;
      await waitForVersion(process.env, currentVersion + 1, timeoutSeconds * 1000);
      process.stdout.write('segment memberships written\n');
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

export async function requestRefit(
  env: Env,
  request?: { reindexMembers: true },
): Promise<{ currentVersion: number }> {
  const { status, body, url } = await call(env, 'POST', '/model/refit', request);
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

const segmentPath = (segment: string, what: 'members' | 'count' | 'export') =>
  `/segments/${encodeURIComponent(segment)}/${what}`;

/** Every page of a segment's CSV export, in order (the API puts the header on the first only). */
export async function exportSegment(
  env: Env,
  segment: string,
  write: (chunk: string) => void,
): Promise<number> {
  const api = localApi(env);
  let cursor: string | undefined;
  let pages = 0;
  do {
    const query = new URLSearchParams({ limit: '1000', ...(cursor && { cursor }) });
    const { status, text, headers } = await fetchText(
      `${api.url}${segmentPath(segment, 'export')}?${query}`,
      { headers: { 'x-api-key': api.adminKey, accept: 'text/csv' } },
      TIMEOUT_MS * 3,
      theLocalApi(api.url),
    );
    if (status !== 200) {
      const body = (() => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return undefined;
        }
      })();
      throw new Error(segmentFailure(status, body, api.url));
    }
    write(text);
    cursor = headers.get('x-next-cursor') ?? undefined;
    pages++;
  } while (cursor);
  return pages;
}

function segmentFailure(status: number, body: unknown, url: string): string {
  if (status === 400) return `invalid segment request: ${fieldMessages(body)}`;
  return failure(status, url);
}

/** One page of members as a table a person reads at a glance, and how to get the next. */
export function formatMembers(page: { segment: string; members: MemberRow[]; cursor?: string }): string {
  const rows = [
    ['customer', 'name', 'email', 'phone', 'rfm', 'tier', 'lifecycle', 'clv 12m'],
    ...page.members.map((m) => [
      m.customerId,
      [m.firstName, m.lastName].filter(Boolean).join(' ') || '—',
      m.email ?? '—',
      m.phone ?? '—',
      m.segments?.rfm?.name ?? '—',
      m.segments?.valueTier ?? '—',
      m.segments?.lifecycle ?? '—',
      m.clv12m === null ? '—' : money(m.clv12m),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  const more = page.cursor
    ? `more: precis segments members '${page.segment}' --cursor ${page.cursor}`
    : `${page.members.length === 0 ? 'no members' : 'end of the list'}`;
  return `${lines.join('\n')}\n${more}\n`;
}

async function call(
  env: Env,
  method: 'GET' | 'POST',
  path: string,
  json?: unknown,
): Promise<{ status: number; body: unknown; url: string }> {
  const api = localApi(env);
  const headers = { 'x-api-key': api.adminKey, accept: 'application/json' };
  const { status, body } = await fetchJson(
    `${api.url}${path}`,
    json === undefined
      ? { method, headers }
      : { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(json) },
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
