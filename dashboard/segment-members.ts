import type { SegmentRow } from '../lib/domain/segment-summary';
import type { MembersPageView } from '../lib/use-cases/segment-members';
import { type ApiCall, el } from './dom';

// A segment's people (GET /segments/{segment}/count, /members, /export: the segment membership
// index, never a scan): pick a segment, see its count and its members a page at a time, and export
// them as CSV (every page fetched with the same credentials, saved as one file).

const PAGE = 25;

/** How the CSV export is fetched: the text of one page and the cursor of the next. */
export type TextCall = (path: string) => Promise<{ status: number; text: string; next: string | null }>;

const money = (n: number | null) =>
  n === null
    ? '—'
    : n.toLocaleString('en-GB', { style: 'currency', currency: 'GBP', maximumFractionDigits: 0 });

export function loadSegmentMembers(api: ApiCall, text: TextCall, rows: readonly SegmentRow[]): void {
  const select = document.getElementById('member-segment') as HTMLSelectElement;
  const keys = [
    ...rows.filter((row) => row.customers > 0).map((row) => `${row.kind}:${row.segment}`),
    'consent:email',
    'consent:sms',
  ];
  const chosen = select.value;
  select.replaceChildren(...keys.map((key) => el('option', { value: key }, key)));
  if (keys.includes(chosen)) select.value = chosen;
  select.onchange = () => void show(api, select.value).catch(failed);
  (document.getElementById('member-export') as HTMLButtonElement).onclick = () =>
    void exportCsv(text, select.value).catch(failed);
  void show(api, select.value).catch(failed);
}

const failed = (error: unknown) => {
  (document.getElementById('member-note') as HTMLElement).textContent =
    error instanceof Error ? error.message : String(error);
};

const segmentPath = (segment: string, what: string) => `/segments/${encodeURIComponent(segment)}/${what}`;

async function show(api: ApiCall, segment: string, cursor?: string): Promise<void> {
  const counted = await api<{ count: number }>(segmentPath(segment, 'count'));
  (document.getElementById('member-count') as HTMLElement).textContent =
    counted.status === 200
      ? `${counted.body.count.toLocaleString('en-GB')} members`
      : `count: ${counted.status}`;
  const query = new URLSearchParams({ limit: String(PAGE), ...(cursor && { cursor }) });
  const { status, body } = await api<MembersPageView>(`${segmentPath(segment, 'members')}?${query}`);
  const table = document.getElementById('members') as HTMLTableElement;
  const note = document.getElementById('member-note') as HTMLElement;
  if (status !== 200) {
    table.replaceChildren();
    note.textContent = `GET ${segmentPath(segment, 'members')} answered ${status}.`;
    return;
  }
  table.replaceChildren(
    el(
      'tr',
      {},
      ...['customer', 'name', 'email', 'phone', 'RFM', 'tier', 'lifecycle', 'CLV 12m'].map((h) =>
        el('th', {}, h),
      ),
    ),
    ...body.members.map((m) =>
      el(
        'tr',
        { 'data-customer': m.customerId },
        el('td', {}, m.customerId),
        el('td', {}, [m.firstName, m.lastName].filter(Boolean).join(' ') || '—'),
        el('td', {}, m.email ?? '—'),
        el('td', {}, m.phone ?? '—'),
        el('td', {}, m.segments?.rfm?.name ?? '—'),
        el('td', {}, m.segments?.valueTier ?? '—'),
        el('td', {}, m.segments?.lifecycle.replace(/_/g, ' ') ?? '—'),
        el('td', {}, money(m.clv12m)),
      ),
    ),
  );
  note.textContent = body.members.length === 0 ? 'No members on this page.' : '';
  const next = document.getElementById('member-next') as HTMLButtonElement;
  next.hidden = body.cursor === undefined;
  next.onclick = () => void show(api, segment, body.cursor).catch(failed);
}

/** Every page of the export, saved as one `<segment>.csv`. */
async function exportCsv(text: TextCall, segment: string): Promise<void> {
  const parts: string[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '1000', ...(cursor && { cursor }) });
    const page = await text(`${segmentPath(segment, 'export')}?${query}`);
    if (page.status !== 200)
      throw new Error(`GET ${segmentPath(segment, 'export')} answered ${page.status}.`);
    parts.push(page.text);
    cursor = page.next;
  } while (cursor);
  const link = el('a', {
    href: URL.createObjectURL(new Blob(parts, { type: 'text/csv' })),
    download: `${segment.replace(/[^\w-]+/g, '-')}.csv`,
  }) as HTMLAnchorElement;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
