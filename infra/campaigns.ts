// The campaigns a deployment ships with (override any of them with `campaigns` in
// precis.config.json). Templates are liquid: see lib/domain/campaigns/templates.ts for the fields
// they may use. The sender adds the unsubscribe footer to every email and "Reply STOP to opt out"
// to every SMS, so templates need not.

import type { CampaignSchema } from '../lib/domain/campaigns/campaign';
import type * as z from '../lib/zod';

const footerNote = '{{ brand.name }}';

export const DEFAULT_CAMPAIGNS: z.input<typeof CampaignSchema>[] = [
  {
    id: 'birthday',
    name: 'Birthday greeting',
    trigger: { type: 'birthday' },
    channel: 'email-then-sms',
    templates: {
      en: {
        email: {
          subject: 'Happy birthday, {{ customer.firstName }}!',
          html:
            '<h1>Happy birthday, {{ customer.firstName }}!</h1>' +
            '{% if offer %}<p>Our present to you: {{ offer.description }}. Use code <strong>{{ offer.code }}</strong>.</p>{% endif %}' +
            `<p>With love from ${footerNote}</p>`,
          text:
            'Happy birthday, {{ customer.firstName }}!\n\n' +
            '{% if offer %}Our present to you: {{ offer.description }}. Use code {{ offer.code }}.\n\n{% endif %}' +
            `With love from ${footerNote}`,
        },
        sms: {
          text: 'Happy birthday {{ customer.firstName }} from {{ brand.name }}!{% if offer %} {{ offer.description }}: code {{ offer.code }}.{% endif %}',
        },
      },
    },
    offers: {
      default: { code: 'BDAY10', description: '10% off anything this week' },
      bySegment: { 'valueTier:vip': { code: 'BDAYVIP25', description: '25% off anything this week' } },
    },
  },
  {
    id: 'repurchase',
    name: 'Time to restock',
    trigger: { type: 'next-order' },
    channel: 'email',
    templates: {
      en: {
        email: {
          subject:
            '{% if product %}Running low on {{ product.sku }}, {{ customer.firstName }}?{% else %}Time for a top-up, {{ customer.firstName }}?{% endif %}',
          html:
            '<p>Hi {{ customer.firstName }},</p>' +
            '{% if product %}<p>By our count your {{ product.category }} is about to run out. Order {{ product.sku }} again in one click.</p>{% endif %}' +
            '{% if offer %}<p>{{ offer.description }}: code <strong>{{ offer.code }}</strong>.</p>{% endif %}',
          text:
            'Hi {{ customer.firstName }},\n\n' +
            '{% if product %}By our count your {{ product.category }} is about to run out. Order {{ product.sku }} again in one click.\n\n{% endif %}' +
            '{% if offer %}{{ offer.description }}: code {{ offer.code }}.{% endif %}',
        },
      },
    },
    offers: { bySegment: { 'valueTier:vip': { code: 'FREESHIP', description: 'Free delivery on us' } } },
  },
  {
    id: 'welcome',
    name: 'Welcome after confirmation',
    trigger: { type: 'email-confirmed' },
    channel: 'email',
    // At once after the click by day; a confirmation at night is welcomed at 08:00 local.
    sendWindow: { start: '08:00', end: '21:00' },
    holdoutPercent: 0,
    templates: {
      en: {
        email: {
          subject: 'Welcome to {{ brand.name }}, {{ customer.firstName }}',
          html: '<p>Welcome, {{ customer.firstName }}! Thanks for confirming your address.</p>',
          text: 'Welcome, {{ customer.firstName }}! Thanks for confirming your address.',
        },
      },
    },
  },
  {
    id: 'win-back',
    name: 'We miss you',
    trigger: { type: 'segment-entered', segment: 'lifecycle:at_risk' },
    channel: 'email',
    // Entering At Risk happens at any hour (a nightly re-score): the email waits for 09:00–11:00 local.
    templates: {
      en: {
        email: {
          subject: 'We miss you, {{ customer.firstName }}',
          html:
            '<p>It has been a while, {{ customer.firstName }}.</p>' +
            '{% if offer %}<p>{{ offer.description }}: code <strong>{{ offer.code }}</strong>.</p>{% endif %}',
          text:
            'It has been a while, {{ customer.firstName }}.\n\n' +
            '{% if offer %}{{ offer.description }}: code {{ offer.code }}.{% endif %}',
        },
      },
    },
    offers: { default: { code: 'COMEBACK15', description: '15% off your next order' } },
  },
  {
    id: 'survey',
    name: 'Post-purchase survey',
    trigger: { type: 'after-order', days: 7 },
    channel: 'email',
    holdoutPercent: 0,
    templates: {
      en: {
        email: {
          subject: 'How did we do, {{ customer.firstName }}?',
          // One click on a score opens our survey page with it chosen (survey-links.ts): the answer
          // is recorded when the person sends it from there, once per order.
          html:
            '<p>Hi {{ customer.firstName }}, how happy are you with your order?</p>' +
            '<p>{% for link in survey.scoreLinks %}<a href="{{ link.url }}" style="display:inline-block;' +
            'min-width:2.5em;padding:0.5em;margin:0 0.25em 0.25em 0;border:1px solid #888;border-radius:4px;' +
            'text-align:center;text-decoration:none;font-weight:bold">{{ link.score }}</a>{% endfor %}</p>' +
            '<p style="font-size:13px;color:#555">1 = not happy at all, 5 = delighted. ' +
            '<a href="{{ survey.commentUrl }}">Add a comment</a></p>',
          text:
            'Hi {{ customer.firstName }}, how happy are you with your order, from 1 (not at all) to 5 (delighted)?\n\n' +
            '{% for link in survey.scoreLinks %}{{ link.score }}: {{ link.url }}\n{% endfor %}' +
            '\nAdd a comment: {{ survey.commentUrl }}',
        },
      },
    },
  },
];
