import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import type { SegmentRow } from '../lib/domain/segment-summary';
import type { SegmentsView } from '../lib/domain/segments-view';
import { suppressionText } from '../lib/domain/suppression-text';
import type { CustomerView } from '../lib/use-cases/view-customer';
import { authHeaders, CognitoSession, type Credentials, loadConfig, SignInError } from './auth';
import { loadCampaigns } from './campaigns';
import { messageHistory } from './messages';
import { loadOutbox } from './outbox';
import { loadSegmentMembers } from './segment-members';
import { loadUpcoming } from './upcoming';

// The operator dashboard: reads the admin API with the admin key (kept in sessionStorage for this
// tab only, sent as x-api-key; deployed, a Cognito sign-in and a bearer token instead: auth.ts) and
// draws what the last refit aggregated (GET /segments, never a scan of the customers), plus one
// customer at a time (GET /customers?email= or /customers/{id}).
// Everything that comes from the API is put in the page as text, never as HTML.

const KEY_STORAGE = 'precis.adminKey';

// The API's shapes come from the server's own types (type-only imports: nothing of the server is
// bundled), so a change there fails the dashboard's typecheck instead of drawing blanks.
type Summary = SegmentsView;
type Charts = NonNullable<SegmentsView['charts']>;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const count = (n: number) => n.toLocaleString('en-GB');
const money = (n: number | null | undefined) =>
  n === null || n === undefined
    ? '—'
    : n.toLocaleString('en-GB', { style: 'currency', currency: 'GBP', maximumFractionDigits: 0 });
const percent = (n: number | null | undefined) =>
  n === null || n === undefined ? '—' : `${(n * 100).toFixed(1)}%`;

function el(tag: string, props: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function status(text: string, error = false): void {
  const node = $('status');
  node.textContent = text;
  node.classList.toggle('error', error);
}

class ApiError extends Error {}

// Local: the same origin and the admin key. Deployed: the dashboard API and the signed-in admin's token.
let apiBase = '';
let credentials = (): Credentials => ({ kind: 'key', key: sessionStorage.getItem(KEY_STORAGE) ?? '' });
let refused = (): string => 'The API refused the admin key.';

async function api<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${apiBase}${path}`, {
    headers: { ...authHeaders(credentials()), accept: 'application/json' },
  });
  if (response.status === 401 || response.status === 403) throw new ApiError(refused());
  return { status: response.status, body: (await response.json().catch(() => ({}))) as T };
}

/** A text answer (the CSV export) and the cursor of its next page. */
async function apiText(path: string): Promise<{ status: number; text: string; next: string | null }> {
  const response = await fetch(`${apiBase}${path}`, {
    headers: { ...authHeaders(credentials()), accept: 'text/csv' },
  });
  if (response.status === 401 || response.status === 403) throw new ApiError(refused());
  return {
    status: response.status,
    text: await response.text(),
    next: response.headers.get('x-next-cursor'),
  };
}

// ---- segments ---------------------------------------------------------------------------------

const charts: uPlot[] = [];

async function loadSummary(): Promise<void> {
  status('Loading…');
  const { status: code, body } = await api<Summary & { message?: string }>('/segments');
  if (code === 404) {
    $('app').hidden = true;
    status(body.message ?? 'No segment summary yet: run `precis model refit` (or `precis seed --demo`).');
    return;
  }
  if (code !== 200) throw new ApiError(`GET /segments answered ${code}.`);
  $('app').hidden = false;
  const fitted = body.model?.fittedAt
    ? `, fitted ${body.model.fittedAt.slice(0, 16).replace('T', ' ')} UTC`
    : '';
  status(`Segments as of ${body.asOf} · model version ${body.modelVersion}${fitted}`);
  for (const chart of charts.splice(0)) chart.destroy();
  renderOverview(body);
  loadUpcoming(api).catch(fail);
  loadOutbox(api).catch(fail);
  loadCampaigns(api).catch(fail);
  loadSegmentMembers(api, apiText, body.segments);
  renderBars(
    'rfm-segments',
    body.segments.filter((s) => s.kind === 'rfm'),
  );
  renderBars(
    'value-tiers',
    body.segments.filter((s) => s.kind === 'valueTier'),
  );
  renderBars(
    'lifecycle',
    body.segments.filter((s) => s.kind === 'lifecycle'),
  );
  if (body.charts) {
    renderRfmGrid(body.charts.rfmGrid);
    renderMatrix(body.charts);
    renderGrowth(body.charts.months);
    renderLtv(body.charts.ltv);
    renderPurchaseModel(body.model);
    renderPareto(body.charts.pareto, body.top20RevenueShare);
  }
}

function renderOverview(s: Summary): void {
  const card = (label: string, value: string) =>
    el('div', { class: 'card' }, el('div', { class: 'value' }, value), el('div', { class: 'label' }, label));
  $('overview').replaceChildren(
    card('customers', count(s.customers)),
    card('buyers', count(s.buyers)),
    card('revenue', money(s.revenue)),
    card('revenue from the top 20% of buyers', percent(s.top20RevenueShare)),
    card('predicted value held by VIPs', percent(s.vipValueShare)),
  );
}

function renderBars(id: string, rows: SegmentRow[]): void {
  const max = Math.max(1, ...rows.map((r) => r.customers));
  $(id).replaceChildren(
    ...rows.map((row) => {
      const bar = el('span', { class: 'bar' });
      bar.style.width = `${(100 * row.customers) / max}%`;
      return el(
        'li',
        { 'data-segment': row.segment, 'data-count': String(row.customers) },
        el('span', {}, row.segment.replace(/_/g, ' ')),
        el('span', {}, bar),
        el('span', { class: 'n' }, count(row.customers)),
      );
    }),
  );
}

const heat = (value: number, max: number): string => {
  const t = max > 0 ? value / max : 0;
  return `rgba(47, 111, 222, ${(0.06 + 0.8 * t).toFixed(3)})`;
};

function renderRfmGrid(grid: number[][]): void {
  const max = Math.max(0, ...grid.flat());
  const head = el('tr', {}, el('th', {}, 'R \\ F'), ...[1, 2, 3, 4, 5].map((f) => el('th', {}, `F${f}`)));
  const rows = [5, 4, 3, 2, 1].map((r) =>
    el(
      'tr',
      {},
      el('th', {}, `R${r}`),
      ...[1, 2, 3, 4, 5].map((f) => {
        const value = grid[r - 1]?.[f - 1] ?? 0;
        const cell = el(
          'td',
          { 'data-r': String(r), 'data-f': String(f), 'data-count': String(value) },
          count(value),
        );
        cell.style.background = heat(value, max);
        if (value > max * 0.6) cell.style.color = '#fff';
        return cell;
      }),
    ),
  );
  $('rfm-grid').replaceChildren(head, ...rows);
}

const STRATEGY_LABELS: Record<string, string> = {
  'one-to-one': 'one-to-one',
  'one-to-many': 'one-to-many',
  'retailer-partner': 'retailer × partner',
  improve: 'improve',
  correct: 'correct',
};

function renderMatrix(c: Charts): void {
  const levels = ['high', 'medium', 'low'];
  const max = Math.max(0, ...c.matrix.map((m) => m.customers));
  const head = el(
    'tr',
    {},
    el('th', {}, 'volume \\ satisfaction'),
    ...levels.map((s) => el('th', {}, `${s} satisfaction`)),
  );
  const rows = levels.map((volume) =>
    el(
      'tr',
      {},
      el('th', {}, `${volume} volume`),
      ...levels.map((satisfaction) => {
        const cell = c.matrix.find((m) => m.volume === volume && m.satisfaction === satisfaction);
        const value = cell?.customers ?? 0;
        const td = el(
          'td',
          { 'data-count': String(value), 'data-strategy': cell?.strategy ?? '' },
          count(value),
          el('span', { class: 'strategy' }, STRATEGY_LABELS[cell?.strategy ?? ''] ?? ''),
        );
        td.style.background = heat(value, max);
        return td;
      }),
    ),
  );
  $('matrix').replaceChildren(head, ...rows);
  $('matrix-note').textContent =
    `${count(c.matrixUnknownSatisfaction)} buyers have not answered a survey yet: unknown is not low, so they are not placed.`;
}

const chartWidth = (id: string) => Math.max(320, $(id).clientWidth || 480);

function renderGrowth(months: Charts['months']): void {
  if (months.length === 0) return;
  const xs = months.map(
    (m) => Date.UTC(Number(m.month.slice(0, 4)), Number(m.month.slice(5, 7)) - 1, 1) / 1000,
  );
  charts.push(
    new uPlot(
      {
        width: chartWidth('growth-chart'),
        height: 240,
        series: [
          {},
          { label: 'first orders', stroke: '#2f6fde', width: 2, fill: 'rgba(47,111,222,0.12)' },
          { label: 'new customers', stroke: '#e07a1f', width: 2 },
        ],
        axes: [{}, { label: 'customers' }],
      },
      [xs, months.map((m) => m.firstOrders), months.map((m) => m.customers)],
      $('growth-chart'),
    ),
  );
}

/** 'bg-cnbd-3' → 'BG/CNBD-3' (the CLI's names, lib/domain/ltv/models.ts). */
const modelLabel = (name: string) =>
  name === 'pareto-nbd' ? 'Pareto/NBD' : name.toUpperCase().replace(/^(M?BG)-/, '$1/');

/** Which purchase model the predictions use, and the backtest that chose it. */
function renderPurchaseModel(model: Summary['model']): void {
  const name = model?.purchaseModel?.name;
  const choice = model?.modelChoice;
  $('purchase-model').textContent = !name
    ? 'No purchase model fitted yet.'
    : choice
      ? `Predictions use ${modelLabel(name)}: the lowest holdout error when every model was fitted on ${count(choice.customers)} buyers' orders up to ${choice.splitDay} and checked on the next ${choice.holdoutDays} days.`
      : `Predictions use ${modelLabel(name)} (no model choice yet: it needs order histories with enough repeat buyers).`;
  const table = $<HTMLTableElement>('model-choice');
  table.hidden = !choice;
  const body = table.tBodies[0]!;
  body.replaceChildren();
  const num = (v: number | null, digits: number) => (v === null ? '–' : v.toFixed(digits));
  for (const s of choice?.scores ?? []) {
    const row = body.insertRow();
    const cells = [
      `${modelLabel(s.model)}${s.model === choice?.chosen ? ' ✓' : ''}${s.converged ? '' : ' (did not converge)'}`,
      num(s.rmse, 3),
      num(s.mae, 3),
      num(s.correlation, 2),
      s.bias === null ? '–' : `${s.bias >= 0 ? '+' : ''}${(100 * s.bias).toFixed(1)}%`,
    ];
    for (const text of cells) row.insertCell().textContent = text;
  }
}

function renderLtv(ltv: Charts['ltv']): void {
  if (ltv.counts.length === 0) {
    $('ltv-chart').textContent = 'No predicted lifetime values yet (the model needs enough repeat buyers).';
    return;
  }
  const xs = ltv.edges.slice(0, -1);
  const width = (ltv.edges[1] ?? 1) - (ltv.edges[0] ?? 0);
  charts.push(
    new uPlot(
      {
        width: chartWidth('ltv-chart'),
        height: 240,
        scales: { x: { time: false, range: [xs[0] ?? 0, (xs.at(-1) ?? 0) + width] } },
        series: [
          { label: '£ from' },
          {
            label: 'customers',
            stroke: '#2f6fde',
            fill: 'rgba(47,111,222,0.6)',
            paths: uPlot.paths.bars?.({ size: [0.9, Number.POSITIVE_INFINITY], align: 1 }),
            points: { show: false },
          },
        ],
        axes: [{ label: 'predicted CLV, next 12 months (£; last bar open-ended)' }, { label: 'customers' }],
      },
      [xs, ltv.counts],
      $('ltv-chart'),
    ),
  );
}

function renderPareto(p: Charts['pareto'], top20: number | null): void {
  if (p.customerShare.length === 0) return;
  const xs = p.customerShare.map((v) => v * 100);
  const ys = p.revenueShare.map((v) => v * 100);
  const mark = xs.map((x) => (Math.abs(x - 20) < 1e-9 && top20 !== null ? top20 * 100 : null));
  charts.push(
    new uPlot(
      {
        width: chartWidth('pareto-chart'),
        height: 240,
        scales: { x: { time: false, range: [0, 100] }, y: { range: [0, 100] } },
        series: [
          { label: 'buyers %' },
          { label: 'revenue %', stroke: '#2f6fde', width: 2, fill: 'rgba(47,111,222,0.1)' },
          {
            label: '80/20 point',
            stroke: '#d1352b',
            width: 0,
            points: { show: true, size: 12, fill: '#d1352b', stroke: '#d1352b' },
          },
        ],
        axes: [{ label: 'share of buyers, by spend (%)' }, { label: 'share of revenue (%)' }],
      },
      [xs, ys, mark],
      $('pareto-chart'),
    ),
  );
  $('pareto-note').textContent =
    top20 === null ? '' : `The top 20% of buyers bring ${percent(top20)} of revenue (the red point).`;
}

// ---- customer search ----------------------------------------------------------------------------

/** `GET /customers/{id}` and `GET /customers?email=`. */
type Profile = CustomerView;

async function search(query: string): Promise<void> {
  const q = query.trim();
  const path = q.includes('@')
    ? `/customers?${new URLSearchParams({ email: q })}`
    : `/customers/${encodeURIComponent(q)}`;
  const { status: code, body } = await api<Profile>(path);
  const target = $('profile');
  if (code === 404 || code === 400) {
    target.replaceChildren(el('p', { class: 'note' }, `No customer ${q}.`));
    return;
  }
  if (code !== 200) throw new ApiError(`GET ${path} answered ${code}.`);
  const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '—');
  const m = body.metrics;
  const rows: [string, string][] = [
    ['customer', body.customerId],
    ['name', [body.firstName, body.lastName].filter(Boolean).join(' ') || '—'],
    ['email', body.email ?? '—'],
    ['birthday', body.birthday ?? '—'],
    ['time zone', body.timeZone],
    ['interests', body.interests.join(', ') || '—'],
    ['consent', `email ${body.consent.email.status} · sms ${body.consent.sms.status}`],
    ['suppressed', suppressionText(body.suppression)],
    ['orders', `${m.orderCount} · spend ${money(m.totalSpend)} · average ${money(m.averageOrderValue)}`],
    ['first / last order', `${day(m.firstOrderAt)} / ${day(m.lastOrderAt)}`],
    ['satisfaction', m.satisfaction ? `${m.satisfaction.mean} (${m.satisfaction.count} answers)` : '—'],
    ['predicted CLV (12 m)', money(body.ltv?.clv12m)],
    ['historical CLV', money(body.ltv?.historicalClv)],
    ['P(alive)', percent(body.ltv?.pAlive)],
    ['next order', day(body.ltv?.nextOrderDate)],
  ];
  const s = body.segments;
  if (s) {
    rows.push(
      ['RFM', s.rfm ? `${s.rfm.name.replace(/_/g, ' ')} (${s.rfm.r}${s.rfm.f}${s.rfm.m})` : '—'],
      ['value tier', s.valueTier],
      ['lifecycle', s.lifecycle],
      ['matrix', s.matrix ? (STRATEGY_LABELS[s.matrix.strategy] ?? s.matrix.strategy) : '—'],
      ['rule segments', s.rules.join(', ') || '—'],
    );
  }
  target.replaceChildren(
    el(
      'dl',
      { class: 'profile', 'data-customer-id': body.customerId },
      ...rows.flatMap(([label, value]) => [el('dt', {}, label), el('dd', { 'data-field': label }, value)]),
    ),
    messageHistory(body.messages),
  );
}

// ---- wiring -------------------------------------------------------------------------------------

const fail = (error: unknown) => status(error instanceof Error ? error.message : String(error), true);

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, $<HTMLInputElement>('admin-key').value.trim());
  loadSummary().catch(fail);
});
$('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  search($<HTMLInputElement>('search').value).catch(fail);
});

/** Deployed (a config.json beside the page): sign in through the Cognito managed login, then load. */
async function start(): Promise<void> {
  const config = await loadConfig();
  if (!config) {
    if (sessionStorage.getItem(KEY_STORAGE)) await loadSummary();
    return;
  }
  const session = new CognitoSession(config, sessionStorage);
  const signIn = async () => location.assign(await session.signInUrl());
  $('key-form').hidden = true;
  $('sign-in').addEventListener('click', () => signIn().catch(fail));
  $('sign-out').addEventListener('click', () => location.assign(session.signOutUrl()));
  apiBase = config.apiUrl;
  credentials = () => ({ kind: 'bearer', token: session.accessToken() ?? '' });
  refused = () => {
    session.forget();
    $('sign-in').hidden = false;
    $('sign-out').hidden = true;
    return 'Your session has ended: sign in again.';
  };
  try {
    // Back from the managed login: take the code out of the address bar whatever happens.
    if (await session.complete(location.href)) history.replaceState(null, '', config.auth.redirectUri);
  } catch (error) {
    history.replaceState(null, '', config.auth.redirectUri);
    if (!(error instanceof SignInError)) throw error;
    $('sign-in').hidden = false;
    throw error;
  }
  if (!session.accessToken()) return signIn();
  $('sign-out').hidden = false;
  await loadSummary();
}
start().catch(fail);
