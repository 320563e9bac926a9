import type { Customer } from '../customer';
import { memberships } from '../scoring';
import { type Campaign, type CampaignSettings, type Channel, templatesFor } from './campaign';
import { renderTemplate, type TemplateContext } from './templates';

// Personalisation: the template context from the person's own data, and the rendered message.

export const SMS_OPT_OUT = 'Reply STOP to opt out';

// Every marketing email carries a visible unsubscribe link (and the List-Unsubscribe headers), and
// next to it the signed link to the person's manage-your-details page (preference centre).
const HTML_FOOTER =
  '<hr><p style="font-size:12px;color:#666">You receive this because you subscribed to {{ brand.name }}. ' +
  '<a href="{{ unsubscribeUrl }}">Unsubscribe</a>' +
  '{% if manageUrl %} · <a href="{{ manageUrl }}">Manage your details and preferences</a>{% endif %}</p>';
const TEXT_FOOTER =
  '\n\n--\nYou receive this because you subscribed to {{ brand.name }}.\nUnsubscribe: {{ unsubscribeUrl }}\n' +
  '{% if manageUrl %}Manage your details and preferences: {{ manageUrl }}\n{% endif %}';

export interface OccasionInfo {
  /** The occasion part of the ledger key (e.g. `2026`, `2026-03-14`). */
  key: string;
  /** The local date it is celebrated on. */
  date: string;
}

export function templateContext(
  customer: Customer,
  campaign: Campaign,
  occasion: OccasionInfo,
  settings: Pick<CampaignSettings, 'brandName'>,
  unsubscribeUrl: string,
  manageUrl: string | null = null,
  survey: TemplateContext['survey'] = null,
): TemplateContext {
  return {
    customer: {
      firstName: customer.firstName ?? '',
      lastName: customer.lastName ?? null,
      locale: customer.locale,
      timeZone: customer.timeZone,
    },
    campaign: { id: campaign.id, name: campaign.name },
    occasion: { key: occasion.key, date: occasion.date },
    offer: offerFor(customer, campaign),
    product: productOf(customer),
    brand: { name: settings.brandName },
    unsubscribeUrl,
    manageUrl,
    survey,
  };
}

/** The offer of the first of the person's segments that has one (config order), else the default. */
export function offerFor(customer: Customer, campaign: Campaign): TemplateContext['offer'] {
  const offers = campaign.offers;
  if (!offers) return null;
  const mine = new Set(memberships(customer.segments));
  const bySegment = Object.entries(offers.bySegment).find(([segment]) => mine.has(segment))?.[1];
  const offer = bySegment ?? offers.default;
  return offer ? { code: offer.code, description: offer.description } : null;
}

/**
 * The product the person buys again: the last SKU of the category whose restock is due first,
 * else of the category bought most recently.
 */
export function productOf(customer: Customer): TemplateContext['product'] {
  const categories = Object.entries(customer.metrics?.categories ?? {});
  if (categories.length === 0) return null;
  const due = categories
    .filter(([, c]) => c.replenishmentDue)
    .sort(([, a], [, b]) => String(a.replenishmentDue).localeCompare(String(b.replenishmentDue)));
  const [category, data] =
    due[0] ?? [...categories].sort(([, a], [, b]) => b.lastPurchasedAt.localeCompare(a.lastPurchasedAt))[0]!;
  return { sku: data.lastSku, category };
}

export type RenderedMessage =
  | { channel: 'email'; subject: string; html: string; text: string }
  | { channel: 'sms'; text: string };

export function renderMessage(
  campaign: Campaign,
  channel: Channel,
  context: TemplateContext,
): RenderedMessage {
  const templates = templatesFor(campaign, context.customer.locale);
  if (channel === 'email') {
    const email = templates.email;
    if (!email)
      throw new Error(`campaign ${campaign.id} has no email template for ${context.customer.locale}`);
    return {
      channel,
      subject: renderTemplate(email.subject, context, 'text').trim(),
      html: `${renderTemplate(email.html, context, 'html')}${renderTemplate(HTML_FOOTER, context, 'html')}`,
      text: `${renderTemplate(email.text, context, 'text').trimEnd()}${renderTemplate(TEXT_FOOTER, context, 'text')}`,
    };
  }
  const sms = templates.sms;
  if (!sms) throw new Error(`campaign ${campaign.id} has no sms template for ${context.customer.locale}`);
  const text = renderTemplate(sms.text, context, 'text').trim();
  return { channel, text: text.endsWith(SMS_OPT_OUT) ? text : `${text} ${SMS_OPT_OUT}` };
}
