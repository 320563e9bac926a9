import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../infra/config';
import { renderMessage, templateContext } from '../../../lib/domain/campaigns/message';
import type { Customer } from '../../../lib/domain/customer';

// Personal messages from the shipped templates: the person's own data, escaped in HTML, a plain
// text version, the unsubscribe link, and the SMS opt-out line.

const { campaigns, campaignSettings } = loadConfig(() => undefined, '/nonexistent');
const birthday = campaigns.find((c) => c.id === 'birthday')!;
const repurchase = campaigns.find((c) => c.id === 'repurchase')!;
const UNSUBSCRIBE = 'https://shop.example/unsubscribe?token=abc';

const ana: Customer = {
  customerId: 'cus_ana',
  firstName: '<b>Ana</b> & co',
  email: 'ana@example.com',
  timeZone: 'Europe/Lisbon',
  locale: 'en-GB',
  interests: [],
  consent: {
    email: { status: 'confirmed', updatedAt: '2026-01-01T00:00:00Z', source: 'form' },
    sms: { status: 'opted_in', updatedAt: '2026-01-01T00:00:00Z', source: 'form' },
  },
  source: 'form',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  version: 1,
  metrics: {
    orderCount: 3,
    repeatOrderCount: 2,
    totalSpend: 144,
    averageOrderValue: 48,
    firstOrderAt: '2026-01-01T00:00:00Z',
    lastOrderAt: '2026-03-01T00:00:00Z',
    meanInterPurchaseDays: 30,
    medianInterPurchaseDays: 30,
    categories: {
      'cat food': {
        lastPurchasedAt: '2026-03-01T00:00:00Z',
        purchaseCount: 3,
        typicalCycleDays: 30,
        lastSku: 'CF-2KG',
        replenishmentDue: '2026-03-31',
      },
      toys: {
        lastPurchasedAt: '2026-03-02T00:00:00Z',
        purchaseCount: 1,
        typicalCycleDays: null,
        lastSku: 'MOUSE',
      },
    },
    ltvInputs: null,
  },
};
const occasion = { key: '2026', date: '2026-03-14' };

describe('a birthday email', () => {
  const message = renderMessage(
    birthday,
    'email',
    templateContext(ana, birthday, occasion, campaignSettings, UNSUBSCRIBE),
  );

  it('greets the person by name, escaped in HTML and as typed in the text version', () => {
    expect(message).toMatchObject({ channel: 'email', subject: 'Happy birthday, <b>Ana</b> & co!' });
    if (message.channel !== 'email') throw new Error('email expected');
    expect(message.html).toContain('Happy birthday, &lt;b&gt;Ana&lt;/b&gt; &amp; co!');
    expect(message.html).not.toContain('<b>Ana</b>');
    expect(message.text).toContain('Happy birthday, <b>Ana</b> & co!');
  });

  it('carries the default offer, and a visible unsubscribe link in both versions', () => {
    if (message.channel !== 'email') throw new Error('email expected');
    expect(message.text).toContain('10% off anything this week. Use code BDAY10.');
    expect(message.html).toContain(`<a href="${UNSUBSCRIBE}">Unsubscribe</a>`);
    expect(message.text).toContain(`Unsubscribe: ${UNSUBSCRIBE}`);
  });

  it('gives a VIP the VIP offer', () => {
    const vip: Customer = {
      ...ana,
      segments: { rfm: null, valueTier: 'vip', matrix: null, lifecycle: 'active', rules: [] },
    };
    const context = templateContext(vip, birthday, occasion, campaignSettings, UNSUBSCRIBE);
    expect(context.offer).toEqual({ code: 'BDAYVIP25', description: '25% off anything this week' });
  });
});

describe('a birthday SMS', () => {
  it('is plain text ending with the opt-out line', () => {
    const message = renderMessage(
      birthday,
      'sms',
      templateContext({ ...ana, firstName: 'Ana' }, birthday, occasion, campaignSettings, UNSUBSCRIBE),
    );
    expect(message).toEqual({
      channel: 'sms',
      text: 'Happy birthday Ana from Precis! 10% off anything this week: code BDAY10. Reply STOP to opt out',
    });
  });
});

describe('a repurchase email', () => {
  it('names the product the person buys again (the category due for a restock)', () => {
    const message = renderMessage(
      repurchase,
      'email',
      templateContext({ ...ana, firstName: 'Ana' }, repurchase, occasion, campaignSettings, UNSUBSCRIBE),
    );
    if (message.channel !== 'email') throw new Error('email expected');
    expect(message.subject).toBe('Running low on CF-2KG, Ana?');
    expect(message.text).toContain('your cat food is about to run out. Order CF-2KG again');
  });
});

describe('templates per locale', () => {
  // The shipped birthday campaign, plus French and Brazilian Portuguese versions of its email.
  const french = {
    subject: 'Joyeux anniversaire, {{ customer.firstName }} !',
    html: '<p>Bon anniversaire</p>',
    text: 'Bon anniversaire',
  };
  const brazilian = {
    subject: 'Feliz aniversário, {{ customer.firstName }}!',
    html: '<p>Parabéns</p>',
    text: 'Parabéns',
  };
  const multilingual = {
    ...birthday,
    templates: {
      ...birthday.templates,
      fr: { ...birthday.templates.en, email: french },
      'pt-BR': { ...birthday.templates.en, email: brazilian },
    },
  };
  const subjectFor = (locale: string) => {
    const message = renderMessage(
      multilingual,
      'email',
      templateContext(
        { ...ana, firstName: 'Ana', locale },
        multilingual,
        occasion,
        campaignSettings,
        UNSUBSCRIBE,
      ),
    );
    if (message.channel !== 'email') throw new Error('email expected');
    return message.subject;
  };

  it.each([
    ['fr', 'Joyeux anniversaire, Ana !'], // exact
    ['fr-CA', 'Joyeux anniversaire, Ana !'], // the language
    ['pt-BR', 'Feliz aniversário, Ana!'], // exact, with a region
    ['pt-PT', 'Feliz aniversário, Ana!'], // another region of the same language
    ['en-GB', 'Happy birthday, Ana!'], // the language
    ['de-DE', 'Happy birthday, Ana!'], // no German: the first locale
  ])('a customer in %s gets "%s"', (locale, subject) => {
    expect(subjectFor(locale)).toBe(subject);
  });
});
