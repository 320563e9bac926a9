import type { Command } from 'commander';
import { ENV, type Env } from '../../config/env-names';
import type { ProfileView } from '../../domain/profile-view';
import { suppressionText } from '../../domain/suppression-text';
import { type CustomerView, CustomerViewSchema } from '../../use-cases/view-customer';
import { fetchJson, fieldMessages, localApi, theLocalApi } from '../local-api';

// `precis customer <id|email|phone> [--json]`: one customer's profile from the running local API (the
// admin routes, authenticated locally by `x-api-key: $PRECIS_ADMIN_KEY`). Every failure is one line
// via main.ts and a non-zero exit: API not running, key missing or refused, customer not found.

const TIMEOUT_MS = 10_000;

interface CustomerOptions {
  json?: boolean;
}

export function registerCustomer(program: Command): void {
  program
    .command('customer')
    .description("show one customer's profile, consent and metrics from the running local API")
    .argument('<id|email|phone>', 'a customer id (cus_…), an email address or a phone number (+44…)')
    .option('--json', 'print JSON')
    .action(async (key: string, opts: CustomerOptions) => {
      const view = await fetchCustomer(key, process.env);
      process.stdout.write(opts.json ? `${JSON.stringify(view, null, 2)}\n` : formatProfile(view));
    });
}

export async function fetchCustomer(key: string, env: Env): Promise<CustomerView> {
  const api = localApi(env);
  const trimmed = key.trim();
  const kind = trimmed.includes('@') ? 'email' : trimmed.startsWith('+') ? 'phone' : 'customer id';
  const path =
    kind === 'customer id'
      ? `/customers/${encodeURIComponent(trimmed)}`
      : `/customers?${new URLSearchParams({ [kind]: trimmed })}`;
  const { status, body } = await fetchJson(
    `${api.url}${path}`,
    { headers: { 'x-api-key': api.adminKey, accept: 'application/json' } },
    TIMEOUT_MS,
    theLocalApi(api.url),
  );
  switch (status) {
    case 200: {
      const view = CustomerViewSchema.safeParse(body);
      if (!view.success) throw new Error(`the API at ${api.url} answered with an unexpected profile shape`);
      return view.data;
    }
    case 401:
    case 403:
      throw new Error(`the API refused the admin key (${status}): check ${ENV.adminKey}`);
    case 404:
      if (isNotFound(body)) throw new Error(`no customer ${trimmed}`);
      throw new Error(`the API at ${api.url} has no customer routes (404): is it the Precis local runtime?`);
    case 400:
      throw new Error(`invalid ${kind}: ${fieldMessages(body)}`);
    case 409: {
      const ids = (body as { customerIds?: unknown } | undefined)?.customerIds;
      const list = Array.isArray(ids) ? ids.map(String).join(', ') : '?';
      throw new Error(`several customers have ${trimmed}: ${list} (look one up by id)`);
    }
    case 503:
      throw new Error(`the local API at ${api.url} is still starting (503): try again in a moment`);
    default:
      throw new Error(`the API at ${api.url} answered ${status}`);
  }
}

const isNotFound = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && (body as { error?: unknown }).error === 'not_found';

/** The profile as a two-column table a person can read at a glance. */
function lifetimeRows(
  view: ProfileView,
  day: (iso: string | null | undefined) => string,
  money: (amount: number | null) => string,
): [string, string][] {
  const { ltv, segments } = view;
  if (!ltv || !segments) return [['lifetime value', '— (not scored yet)']];
  const share = (p: number | null) => (p === null ? '—' : `${(p * 100).toFixed(0)}%`);
  const restock = Object.entries(ltv.replenishment).map(([category, date]) => `${category} ${date}`);
  return [
    ['lifetime value', `predicted ${money(ltv.clv12m)} (12 months) · historical ${money(ltv.historicalClv)}`],
    ['p(alive)', `${share(ltv.pAlive)} · expected orders ${ltv.expectedOrders12m?.toFixed(2) ?? '—'}`],
    [
      'next order',
      `${day(ltv.nextOrderDate)}${restock.length > 0 ? ` · restock ${restock.join(', ')}` : ''}`,
    ],
    [
      'segments',
      [
        segments.rfm
          ? `RFM ${segments.rfm.name} (${segments.rfm.r}${segments.rfm.f}${segments.rfm.m})`
          : 'RFM —',
        `value ${segments.valueTier}`,
        `lifecycle ${segments.lifecycle}`,
        segments.matrix
          ? `matrix ${segments.matrix.volume}/${segments.matrix.satisfaction}: ${segments.matrix.strategy}`
          : 'matrix —',
        ...(segments.rules.length > 0 ? [`rules ${segments.rules.join(', ')}`] : []),
      ].join(' · '),
    ],
  ];
}

export function formatProfile(view: CustomerView): string {
  const { metrics } = view;
  const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '—');
  const money = (amount: number | null) => (amount === null ? '—' : amount.toFixed(2));
  const consent = (channel: { status: string; source: string; updatedAt: string }) =>
    `${channel.status} (${channel.source}, ${day(channel.updatedAt)})`;
  const name = [view.firstName, view.lastName].filter(Boolean).join(' ');
  const satisfaction = metrics.satisfaction;
  const rows: [string, string][] = [
    ['customer', view.customerId],
    ...(view.erasedAt
      ? [['erased', `${day(view.erasedAt)}: personal data removed`] as [string, string]]
      : []),
    ['name', name || '—'],
    ['email', view.email ?? '—'],
    ['phone', view.phone ?? '—'],
    ['birthday', view.birthday ?? '—'],
    ['time zone', `${view.timeZone} · locale ${view.locale}`],
    ['interests', view.interests.length > 0 ? view.interests.join(', ') : '—'],
    ['email consent', consent(view.consent.email)],
    ['sms consent', consent(view.consent.sms)],
    ['suppressed', suppressionText(view.suppression)],
    ['source', `${view.source} · created ${day(view.createdAt)} · updated ${day(view.updatedAt)}`],
    [
      'orders',
      `${metrics.orderCount} · total spend ${money(metrics.totalSpend)} · average ${money(metrics.averageOrderValue)}`,
    ],
    ['first order', day(metrics.firstOrderAt)],
    ['last order', day(metrics.lastOrderAt)],
    [
      'satisfaction',
      satisfaction
        ? `${satisfaction.mean} mean of ${satisfaction.count} answer${satisfaction.count === 1 ? '' : 's'} · latest ${satisfaction.latest} (${day(satisfaction.lastAnsweredAt)})`
        : '— (no survey answers)',
    ],
    ...lifetimeRows(view, day, money),
  ];
  // The message history (the ledger), newest first: when, campaign and occasion, channel, status.
  rows.push(['messages', view.messages.length === 0 ? '—' : `${view.messages.length}, newest first`]);
  for (const m of view.messages) {
    rows.push([
      '',
      `${day(m.sentAt ?? m.plannedAt)}  ${m.campaignId} ${m.occasion} · ${m.channel} · ${m.status}${why(m)}`,
    ]);
  }
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return `${rows.map(([label, value]) => `${label.padEnd(width)}${value}`).join('\n')}\n`;
}

/** Why a message is where it is: skipped or failed (`reason`), or put off by the send-time guard. */
const why = (m: { status: string; reason?: string; deferReason?: string; notBefore?: string }): string =>
  m.reason
    ? ` (${m.reason})`
    : m.status === 'queued' && m.deferReason && m.notBefore
      ? ` (deferred: ${m.deferReason} until ${m.notBefore})`
      : '';
