import { el, instant } from './dom';

// A customer's message history (the Deliveries ledger rows the profile view carries): campaign,
// occasion, channel, status and dates, newest first. Held-out rows are the control group.

export interface MessageRow {
  campaignId: string;
  occasion: string;
  channel: 'email' | 'sms';
  status: string;
  plannedAt: string;
  claimedAt: string;
  updatedAt: string;
  sentAt?: string;
  reason?: string;
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
      el('td', {}, m.reason ? `${m.status.replace(/_/g, ' ')} (${m.reason})` : m.status.replace(/_/g, ' ')),
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
