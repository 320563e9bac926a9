import * as z from '../../zod';
import { type Campaign, CampaignSchema, CampaignsSchema } from './campaign';
import { type TemplateKind, templateProblems, usesField } from './templates';

/** Every template of a campaign parsed and every field it uses checked: problems with their paths. */
export function campaignTemplateProblems(
  campaign: Campaign,
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const [locale, { email, sms }] of Object.entries(campaign.templates)) {
    const sources: [channel: string, field: string, kind: TemplateKind, source: string][] = [];
    if (email) {
      sources.push(['email', 'subject', 'text', email.subject], ['email', 'html', 'html', email.html]);
      sources.push(['email', 'text', 'text', email.text]);
    }
    if (sms) sources.push(['sms', 'text', 'text', sms.text]);
    for (const [channel, field, kind, source] of sources) {
      const path = ['templates', locale, channel, field];
      for (const message of templateProblems(source, kind)) problems.push({ message, path });
      // The survey links name the order a message is about: only an after-order campaign has one.
      if (campaign.trigger.type !== 'after-order' && usesField(source, kind, 'survey'))
        problems.push({
          message: 'survey links are only in after-order campaigns (the survey of an order)',
          path,
        });
    }
  }
  return problems;
}

/**
 * One campaign as the admin API saves it: CampaignSchema, every template field resolved, and the
 * id the double opt-in email uses refused. A bad campaign fails naming the field
 * (`templates.en.email.subject`); liquidjs is only in the functions that validate or render.
 */
export const CheckedCampaignSchema = CampaignSchema.check(
  z.superRefine((campaign, ctx) => {
    if (campaign.id === 'confirmation') {
      ctx.addIssue({
        code: 'custom',
        message: 'the id "confirmation" is reserved for the double opt-in email',
        path: ['id'],
      });
    }
    for (const { path, message } of campaignTemplateProblems(campaign))
      ctx.addIssue({ code: 'custom', message, path });
  }),
);

/**
 * CampaignsSchema with every template parsed and every field it uses checked: what the config load
 * (synth, `npm start`) and `precis campaigns apply` validate with, so a template using a field that
 * does not exist fails naming it. Functions read campaigns with CampaignSchema alone, so liquidjs
 * (~82 KB) is only in the bundles that render (the sender) or save campaigns (campaigns-admin).
 */
export const CheckedCampaignsSchema = CampaignsSchema.check(
  z.superRefine((campaigns, ctx) => {
    campaigns.forEach((campaign, i) => {
      for (const { path, message } of campaignTemplateProblems(campaign))
        ctx.addIssue({ code: 'custom', message, path: [i, ...path] });
    });
  }),
);
