import type { OutboxMessage } from '../lib/local/outbox';
import { type ApiCall, el, instant } from './dom';

// The recent outbox of the local runtime (GET /local/outbox: the SES v2 emulator's mail and the SMS
// sink, newest first). Each email's rendered HTML is shown in a sandboxed iframe (`sandbox=""`: no
// scripts, no forms, a unique origin), never in the dashboard's own document. A deployed API has no
// such endpoint: the panel says so.

const LIMIT = 12;

export async function loadOutbox(api: ApiCall): Promise<void> {
  const target = document.getElementById('outbox') as HTMLElement;
  const { status, body } = await api<OutboxMessage[]>(`/local/outbox?limit=${LIMIT}`);
  if (status === 404) {
    target.replaceChildren(
      el(
        'p',
        { class: 'note' },
        'The outbox is only available on the local runtime (npm start): deployed, emails go through SES and texts through SNS.',
      ),
    );
    return;
  }
  if (status !== 200) {
    target.replaceChildren(el('p', { class: 'note' }, `GET /local/outbox answered ${status}.`));
    return;
  }
  if (body.length === 0) {
    target.replaceChildren(
      el('p', { class: 'note' }, 'Nothing sent yet: run `precis planner` or wait for the hourly planner.'),
    );
    return;
  }
  target.replaceChildren(
    ...body.map((m, i) => {
      const meta = el(
        'div',
        { class: 'meta' },
        el('span', { class: `tag ${m.channel}` }, m.channel),
        ` ${m.to} · ${m.campaign ?? '—'} ${m.occasion ?? ''} · ${instant(m.sentAt)}`,
      );
      if (m.channel === 'sms') {
        return el(
          'li',
          { class: 'sms', 'data-channel': 'sms' },
          meta,
          el('p', { class: 'sms-text' }, m.text),
        );
      }
      const frame = el('iframe', {
        sandbox: '',
        referrerpolicy: 'no-referrer',
        title: `Preview of ${m.subject ?? 'an email'}`,
      }) as HTMLIFrameElement;
      frame.srcdoc = m.html ?? `<pre>${m.text.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</pre>`;
      const details = el(
        'details',
        i === 0 ? { open: '' } : {},
        el('summary', {}, el('strong', { class: 'subject' }, m.subject ?? '(no subject)'), meta),
        frame,
      );
      return el('li', { class: 'email', 'data-channel': 'email' }, details);
    }),
  );
}
