import type { Command } from 'commander';
import { ENV, type Env } from '../../config/env-names';
import { isIsoDate, REPORT_PERIODS, type ReportPeriodKind } from '../../domain/measurement/report';
import * as z from '../../zod';
import { fetchJson, localApi, theLocalApi } from '../local-api';

// `precis report <campaign> [--period all|week|day] [--date YYYY-MM-DD] [--json]`: a campaign's
// report from the running local API (`GET /campaigns/{id}/report`): treated vs holdout funnel and
// conversion, the uplift with its 95% interval and verdict, incremental revenue, cost, ROI and the
// 80/20 line. Authenticates with `x-api-key: $PRECIS_ADMIN_KEY` on `PORT` (default 3000); every
// failure is one line via main.ts and a non-zero exit.

const TIMEOUT_MS = 10_000;

const nullableNumber = z.nullable(z.number());
const GroupSchema = z.object({
  audience: z.int(),
  sent: z.int(),
  delivered: z.int(),
  bounced: z.int(),
  complained: z.int(),
  opened: z.int(),
  clicked: z.int(),
  unsubscribed: z.int(),
  skipped: z.int(),
  skippedByReason: z._default(z.record(z.string(), z.int()), {}),
  failed: z.int(),
  conversions: z.int(),
  conversionRate: nullableNumber,
  orders: z.int(),
  revenue: z.number(),
  revenuePerRecipient: nullableNumber,
});
const VerdictSchema = z.enum(['insufficient-data', 'not-significant', 'positive', 'negative']);
const DifferenceSchema = z.object({
  difference: nullableNumber,
  low: nullableNumber,
  high: nullableNumber,
  verdict: VerdictSchema,
});
const IntervalSchema = z.object({ estimate: nullableNumber, low: nullableNumber, high: nullableNumber });

export const ReportResponseSchema = z.catchall(
  z.object({
    campaignId: z.string(),
    campaignName: z.string(),
    currency: z.string(),
    period: z.catchall(
      z.object({
        kind: z.enum(REPORT_PERIODS),
        label: z.string(),
        from: z.nullable(z.string()),
        to: z.nullable(z.string()),
      }),
      z.unknown(),
    ),
    groups: z.object({ treated: GroupSchema, holdout: GroupSchema }),
    verdict: VerdictSchema,
    uplift: z.object({
      conversionRate: z.extend(DifferenceSchema, { pValue: nullableNumber }),
      revenuePerRecipient: DifferenceSchema,
    }),
    incrementalRevenue: IntervalSchema,
    cost: z.object({ email: z.number(), sms: z.number(), total: z.number() }),
    roi: z.extend(IntervalSchema, { basis: z.enum(['revenue', 'gross-margin']), grossMargin: z.number() }),
    vip: z.object({
      audienceShare: nullableNumber,
      revenueShare: nullableNumber,
      overallTop20RevenueShare: nullableNumber,
    }),
    note: z.string(),
  }),
  z.unknown(),
);
export type ReportResponse = z.infer<typeof ReportResponseSchema>;

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("a campaign's measured effect: treated vs holdout, uplift, incremental revenue, cost, ROI")
    .argument('<campaign>', 'the campaign id (e.g. birthday)')
    .option('--period <period>', 'all, week (the ISO week of --date) or day', 'all')
    .option(
      '--date <date>',
      'YYYY-MM-DD: the day, or a day of the week (default: today in the operator zone)',
    )
    .option('--json', 'print JSON')
    .action(async (campaign: string, opts: { period: string; date?: string; json?: boolean }) => {
      const report = await fetchReport(process.env, campaign, opts.period, opts.date);
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    });
}

export async function fetchReport(
  env: Env,
  campaign: string,
  period: string,
  date?: string,
): Promise<ReportResponse> {
  if (!(REPORT_PERIODS as readonly string[]).includes(period)) {
    throw new Error(`--period must be all, week or day, got "${period}"`);
  }
  if (date !== undefined && !isIsoDate(date))
    throw new Error(`--date must be a date YYYY-MM-DD, got "${date}"`);
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(campaign)) throw new Error(`no campaign "${campaign}"`);
  const api = localApi(env);
  const query = new URLSearchParams({ period: period as ReportPeriodKind, ...(date ? { date } : {}) });
  const url = `${api.url}/campaigns/${campaign}/report?${query}`;
  const answer = await fetchJson(
    url,
    { headers: { 'x-api-key': api.adminKey, accept: 'application/json' } },
    TIMEOUT_MS,
    theLocalApi(api.url),
  );
  const { status } = answer;
  const body = answer.body as { error?: string; message?: string } | undefined;
  switch (status) {
    case 200: {
      const parsed = ReportResponseSchema.safeParse(body);
      if (!parsed.success) throw new Error(`the API at ${api.url} answered with an unexpected report shape`);
      return parsed.data;
    }
    case 401:
    case 403:
      throw new Error(`the API refused the admin key (${status}): check ${ENV.adminKey}`);
    case 404:
      if (body?.error === 'unknown_campaign') throw new Error(`no campaign "${campaign}"`);
      throw new Error(
        `the API at ${api.url} has no campaign report route (404): is it the Precis local runtime?`,
      );
    case 400:
      throw new Error(`the API refused the request: ${JSON.stringify(body)}`);
    default:
      throw new Error(`the API at ${api.url} answered ${status}`);
  }
}

const count = (n: number) => n.toLocaleString('en-GB');
const money = (n: number | null) =>
  n === null ? '—' : n.toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const percent = (share: number | null, digits = 1) =>
  share === null ? '—' : `${(share * 100).toFixed(digits)}%`;
const points = (share: number | null) =>
  share === null ? '—' : `${share >= 0 ? '+' : ''}${(share * 100).toFixed(2)} pts`;
const signedMoney = (n: number | null) => (n === null ? '—' : `${n >= 0 ? '+' : ''}${money(n)}`);
const interval = (low: number | null, high: number | null, show: (n: number | null) => string) =>
  low === null || high === null ? '' : ` (95% CI ${show(low)} to ${show(high)})`;

const VERDICTS: Record<ReportResponse['verdict'], string> = {
  'insufficient-data': 'insufficient data',
  'not-significant': 'not significant',
  positive: 'positive',
  negative: 'negative',
};

/** The report as a table a marketer reads at a glance. */
export function formatReport(r: ReportResponse): string {
  const period =
    r.period.kind === 'all'
      ? 'all time'
      : r.period.from === r.period.to
        ? r.period.label
        : `${r.period.label} (${r.period.from} to ${r.period.to})`;
  const t = r.groups.treated;
  const h = r.groups.holdout;
  const rows: [string, string, string][] = [
    ['', 'treated', 'holdout'],
    ['audience', count(t.audience), count(h.audience)],
    ['sent', count(t.sent), count(h.sent)],
    ['delivered', count(t.delivered), count(h.delivered)],
    ['bounced', count(t.bounced), count(h.bounced)],
    ['complained', count(t.complained), count(h.complained)],
    ['opened', count(t.opened), count(h.opened)],
    ['clicked', count(t.clicked), count(h.clicked)],
    ['unsubscribed', count(t.unsubscribed), count(h.unsubscribed)],
    ['skipped', count(t.skipped), count(h.skipped)],
    ...[...new Set([...Object.keys(t.skippedByReason), ...Object.keys(h.skippedByReason)])]
      .sort()
      .map((reason): [string, string, string] => [
        `  ${reason.replace(/_/g, ' ')}`,
        count(t.skippedByReason[reason] ?? 0),
        count(h.skippedByReason[reason] ?? 0),
      ]),
    ['failed', count(t.failed), count(h.failed)],
    ['conversions', count(t.conversions), count(h.conversions)],
    ['conversion rate', percent(t.conversionRate, 2), percent(h.conversionRate, 2)],
    ['orders', count(t.orders), count(h.orders)],
    ['revenue', money(t.revenue), money(h.revenue)],
    ['revenue / recipient', money(t.revenuePerRecipient), money(h.revenuePerRecipient)],
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  const table = rows.map(([label, a, b]) =>
    `${label.padEnd(widths[0]!)}  ${a.padStart(widths[1]!)}  ${b.padStart(widths[2]!)}`.trimEnd(),
  );
  const { conversionRate: cr, revenuePerRecipient: rpr } = r.uplift;
  const roiBasis =
    r.roi.basis === 'revenue' ? 'on revenue' : `on ${percent(r.roi.grossMargin, 0)} gross margin`;
  const lines = [
    `${r.campaignName} (${r.campaignId}) · ${period} · ${r.currency}`,
    '',
    ...table,
    '',
    `uplift, conversion        ${points(cr.difference)}${interval(cr.low, cr.high, points)} · ${VERDICTS[cr.verdict]}`,
    `uplift, revenue/recipient ${signedMoney(rpr.difference)}${interval(rpr.low, rpr.high, signedMoney)} · ${VERDICTS[rpr.verdict]}`,
    `incremental revenue       ${signedMoney(r.incrementalRevenue.estimate)}${interval(r.incrementalRevenue.low, r.incrementalRevenue.high, signedMoney)}`,
    `cost                      ${money(r.cost.total)} (email ${money(r.cost.email)}, SMS ${money(r.cost.sms)})`,
    `ROI ${roiBasis.padEnd(21)} ${r.roi.estimate === null ? '—' : percent(r.roi.estimate, 0)}${interval(r.roi.low, r.roi.high, (n) => percent(n, 0))}`,
    `80/20: VIPs are ${percent(r.vip.audienceShare)} of this audience and bring ${percent(r.vip.revenueShare)} of its attributed revenue; overall the top 20% bring ${percent(r.vip.overallTop20RevenueShare)}`,
    `verdict: ${VERDICTS[r.verdict]} — ${r.note}`,
  ];
  return `${lines.join('\n')}\n`;
}
