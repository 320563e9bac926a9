import type {
  CampaignHeadline,
  CampaignReport,
  GroupReport,
  Verdict,
} from '../lib/domain/measurement/report';
import { type ApiCall, el } from './dom';

// Campaign measurement: for each configured campaign (GET /campaigns), its all-time report
// (GET /campaigns/{id}/report): the treated group's funnel next to the holdout, and the conversion
// uplift drawn as a point with its 95% interval on a scale through zero, with the verdict. A
// campaign whose sample is too small says so instead of drawing an interval.

const FUNNEL: (keyof GroupReport)[] = ['audience', 'sent', 'delivered', 'opened', 'clicked', 'conversions'];
const VERDICTS: Record<Verdict, string> = {
  'insufficient-data': 'insufficient data',
  'not-significant': 'not significant',
  positive: 'positive',
  negative: 'negative',
};

const count = (n: number) => n.toLocaleString('en-GB');
const rate = (n: number | null) => (n === null ? '—' : `${(n * 100).toFixed(1)}%`);
const points = (n: number | null) => (n === null ? '—' : `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)} pts`);

export async function loadCampaigns(api: ApiCall): Promise<void> {
  const target = document.getElementById('campaigns') as HTMLElement;
  const list = await api<{ campaigns: CampaignHeadline[] }>('/campaigns');
  if (list.status !== 200) {
    target.replaceChildren(el('p', { class: 'note' }, `GET /campaigns answered ${list.status}.`));
    return;
  }
  const reports = await Promise.all(
    list.body.campaigns.map((c) =>
      api<CampaignReport>(`/campaigns/${encodeURIComponent(c.campaignId)}/report?period=all`),
    ),
  );
  target.replaceChildren(
    ...list.body.campaigns.map((campaign, i) => {
      const report = reports[i];
      return report?.status === 200
        ? campaignCard(campaign, report.body)
        : el(
            'article',
            { class: 'campaign' },
            el('h3', {}, campaign.campaignName),
            el('p', { class: 'note' }, 'No report.'),
          );
    }),
  );
}

function campaignCard(campaign: CampaignHeadline, r: CampaignReport): HTMLElement {
  const t = r.groups.treated;
  const h = r.groups.holdout;
  const top = Math.max(1, t.audience);
  const funnel = el(
    'table',
    { class: 'funnel' },
    el('tr', {}, el('th', {}, ''), el('th', {}, 'treated'), el('th', {}, ''), el('th', {}, 'holdout')),
    ...FUNNEL.map((stage) => {
      const value = t[stage] as number;
      const bar = el('span', { class: 'bar' });
      bar.style.width = `${Math.round((value / top) * 100)}%`;
      return el(
        'tr',
        { 'data-stage': stage, 'data-treated': String(value), 'data-holdout': String(h[stage] as number) },
        el('th', {}, stage),
        el('td', { class: 'num' }, count(value)),
        el('td', { class: 'track' }, bar),
        el('td', { class: 'num' }, count(h[stage] as number)),
      );
    }),
    el(
      'tr',
      { 'data-stage': 'conversion rate' },
      el('th', {}, 'conversion rate'),
      el('td', { class: 'num' }, rate(t.conversionRate)),
      el('td', {}, ''),
      el('td', { class: 'num' }, rate(h.conversionRate)),
    ),
  );
  const { difference, low, high } = r.uplift.conversionRate;
  return el(
    'article',
    { class: `campaign ${r.verdict}`, 'data-campaign-id': campaign.campaignId, 'data-verdict': r.verdict },
    el(
      'h3',
      {},
      campaign.campaignName,
      campaign.enabled ? '' : el('small', {}, ' (disabled)'),
      el(
        'small',
        { class: 'version', 'data-status': campaign.status },
        ` v${campaign.version ?? 1}${campaign.status === 'active' ? '' : ` · ${campaign.status}`}`,
      ),
      el('span', { class: `verdict ${r.verdict}` }, VERDICTS[r.verdict]),
    ),
    funnel,
    el(
      'p',
      { class: 'uplift' },
      `Conversion uplift ${points(difference)}`,
      low !== null && high !== null ? ` (95% CI ${points(low)} to ${points(high)})` : '',
    ),
    intervalChart(difference, low, high),
    el(
      'p',
      { class: 'note' },
      r.incrementalRevenue.estimate === null
        ? r.note
        : `Incremental revenue ${money(r.incrementalRevenue.estimate, r.currency)} (${money(r.incrementalRevenue.low, r.currency)} to ${money(r.incrementalRevenue.high, r.currency)}) · cost ${money(r.cost.total, r.currency)} · ROI ${r.roi.estimate === null ? '—' : `${Math.round(r.roi.estimate * 100)}%`}`,
    ),
  );
}

const money = (n: number | null, currency: string) =>
  n === null ? '—' : n.toLocaleString('en-GB', { style: 'currency', currency, maximumFractionDigits: 0 });

/** The uplift and its 95% interval on a symmetric scale through zero (SVG, no chart library needed). */
function intervalChart(difference: number | null, low: number | null, high: number | null): Element {
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', '0 0 300 36');
  svg.setAttribute('class', 'interval');
  const line = (x1: number, x2: number, y: number, cls: string) => {
    const node = document.createElementNS(svgNs, 'line');
    for (const [k, v] of Object.entries({ x1, x2, y1: y, y2: y })) node.setAttribute(k, String(v));
    node.setAttribute('class', cls);
    svg.append(node);
    return node;
  };
  const zero = line(150, 150, 0, 'zero');
  zero.setAttribute('y1', '4');
  zero.setAttribute('y2', '32');
  if (difference === null || low === null || high === null) {
    svg.setAttribute('data-empty', 'true');
    return svg;
  }
  const span = Math.max(Math.abs(low), Math.abs(high), 0.01) * 1.15;
  const x = (value: number) => 150 + (value / span) * 140;
  const range = line(x(low), x(high), 18, 'ci');
  range.setAttribute('data-low', String(low));
  range.setAttribute('data-high', String(high));
  const point = document.createElementNS(svgNs, 'circle');
  point.setAttribute('cx', String(x(difference)));
  point.setAttribute('cy', '18');
  point.setAttribute('r', '4');
  point.setAttribute('class', 'estimate');
  svg.append(point);
  return svg;
}
