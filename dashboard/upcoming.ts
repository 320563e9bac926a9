import type { UpcomingDay } from '../lib/use-cases/upcoming-occasions';
import { type ApiCall, el } from './dom';

// The next 7 days' birthdays and repurchase windows (GET /customers/upcoming: the sparse indexes the
// planner reads, one query per day, never a scan): a strip of days, each with its counts and the
// first people due, from the browser's own date.

const DAYS = 7;
const PER_DAY = 6;

const localToday = (): string => {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
};

const weekday = (date: string): string =>
  new Date(`${date}T12:00:00Z`).toLocaleDateString('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  });

export async function loadUpcoming(api: ApiCall): Promise<void> {
  const target = document.getElementById('upcoming') as HTMLElement;
  const query = new URLSearchParams({ days: String(DAYS), from: localToday(), perDay: String(PER_DAY) });
  const { status, body } = await api<{ from: string; days: UpcomingDay[] }>(`/customers/upcoming?${query}`);
  if (status !== 200) {
    target.replaceChildren(el('p', { class: 'note' }, `GET /customers/upcoming answered ${status}.`));
    return;
  }
  target.replaceChildren(
    ...body.days.map((day, i) => {
      const more = day.birthdays + day.repurchases - day.customers.length;
      return el(
        'li',
        {
          class: 'day',
          'data-date': day.date,
          'data-birthdays': String(day.birthdays),
          'data-repurchases': String(day.repurchases),
        },
        el('div', { class: 'date' }, i === 0 ? `Today · ${weekday(day.date)}` : weekday(day.date)),
        el(
          'div',
          { class: 'counts' },
          `${day.birthdays} birthday${day.birthdays === 1 ? '' : 's'} · ${day.repurchases} repurchase${day.repurchases === 1 ? '' : 's'}`,
        ),
        el(
          'ul',
          {},
          ...day.customers.map((c) =>
            el(
              'li',
              { 'data-customer-id': c.customerId, 'data-due': c.due },
              el('span', { class: `tag ${c.due}` }, c.due === 'birthday' ? 'birthday' : 'repurchase'),
              ` ${c.firstName ?? c.customerId}`,
              c.product
                ? el('span', { class: 'product' }, ` · ${c.product.category} (${c.product.sku})`)
                : '',
            ),
          ),
          ...(more > 0 ? [el('li', { class: 'more' }, `and ${more} more`)] : []),
        ),
      );
    }),
  );
}
