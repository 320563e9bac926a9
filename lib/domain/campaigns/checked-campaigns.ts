import * as z from '../../zod';
import { CampaignsSchema } from './campaign';
import { type TemplateKind, templateProblems } from './templates';

/**
 * CampaignsSchema with every template parsed and every field it uses checked: what the config load
 * (synth, `npm start`) validates with, so a template using a field that does not exist fails the
 * deploy naming it. Functions read the synthesized config with CampaignsSchema alone, so liquidjs
 * (~82 KB) is only in the bundles that render (the sender).
 */
export const CheckedCampaignsSchema = CampaignsSchema.check(
  z.superRefine((campaigns, ctx) => {
    campaigns.forEach((campaign, i) => {
      for (const [locale, { email, sms }] of Object.entries(campaign.templates)) {
        const sources: [channel: string, field: string, kind: TemplateKind, source: string][] = [];
        if (email) {
          sources.push(['email', 'subject', 'text', email.subject], ['email', 'html', 'html', email.html]);
          sources.push(['email', 'text', 'text', email.text]);
        }
        if (sms) sources.push(['sms', 'text', 'text', sms.text]);
        for (const [channel, field, kind, source] of sources) {
          for (const message of templateProblems(source, kind))
            ctx.addIssue({ code: 'custom', message, path: [i, 'templates', locale, channel, field] });
        }
      }
    });
  }),
);
