import type { MessageView } from '../lib/use-cases/view-customer';
import { el, instant } from './dom';

// A customer's message history (the Deliveries ledger rows the profile view carries): campaign,
// occasion, channel, status and dates, newest first. Held-out rows are the control group.

/** A ledger row as the profile view carries it (the server's MessageView). */
export type MessageRow = MessageView;

/** The status cell: `skipped (frequency cap)`, `queued (deferred: send window, until …)`. */
export function statusText(m: Pick<MessageRow, 'status' | 'reason' | 'deferReason' | 'notBefore'>): string {
  const words = (code: string) => code.replace(/_/g, ' ');
  if (m.reason) return `${words(m.status)} (${words(m.reason)})`;
  if (m.status === 'queued' && m.deferReason && m.notBefore)
    return `${words(m.status)} (deferred: ${words(m.deferReason)}, until ${instant(m.notBefore)})`;
  return words(m.status);
}

export function messageHistory(messages: MessageRow[] | undefined): HTMLElement {
  if (!messages || messages.length === 0)
    return el('p', { class: 'note', id: 'messages' }, 'No messages yet.');
  const head = el(
    'tr',
    {},
    ...['campaign', 'occasion', 'channel', 'status', 'planned', 'sent'].map((h) => el('th', {}, h)),
  );
  const rows = messages.map((m) =>
    el(
      'tr',
      { 'data-campaign': m.campaignId, 'data-status': m.status },
      el('td', {}, m.campaignId),
      el('td', {}, m.occasion),
      el('td', {}, m.channel),
      el('td', {}, statusText(m)),
      el('td', {}, instant(m.plannedAt)),
      el('td', {}, instant(m.sentAt)),
    ),
  );
  return el(
    'div',
    { id: 'messages' },
    el('h3', {}, `Messages (${messages.length})`),
    el('table', { class: 'messages' }, head, ...rows),
  );
}
