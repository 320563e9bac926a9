import * as z from '../../zod';
import { RuleSchema } from '../rule-segments';

// Campaigns as code: each campaign says when it fires (trigger), who it is for (audience, a rule
// over the profile as in rule-segments.ts), on which channel, with which templates per locale,
// inside which local send window, with which holdout and attribution window, and which offer each
// segment gets. Validated at synth, at `npm start` and at every cold start: a bad campaign fails
// naming the path. Templates are parsed and their fields checked at synth and `npm start`
// (checked-campaigns.ts), so only the functions that render carry liquidjs.

const TIME_OF_DAY = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const TimeOfDaySchema = z
  .string()
  .check(
    z.regex(TIME_OF_DAY, { error: 'must be a time of day HH:MM (24 h; 24:00 ends a window at midnight)' }),
  );

/** Minutes since local midnight of an `HH:MM`. */
export const minutesOfDay = (time: string): number => {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
};

/** A local time-of-day range, start inclusive, end exclusive, within one day (`24:00`: until midnight). */
export const TimeWindowSchema = z.strictObject({ start: TimeOfDaySchema, end: TimeOfDaySchema }).check(
  z.refine((w) => minutesOfDay(w.start) < minutesOfDay(w.end), {
    error: 'start must be before end (windows do not cross midnight)',
    path: ['end'],
  }),
);
export type TimeWindow = z.infer<typeof TimeWindowSchema>;

/**
 * The widest SMS allowance any deployment may configure: the TCPA's 8 a.m. to 9 p.m. at the called
 * party's location (47 U.S.C. § 227(c)(5), 47 C.F.R. § 64.1200(c)(1)).
 */
export const TCPA_SMS_HOURS: TimeWindow = { start: '08:00', end: '21:00' };

export const CampaignTriggerSchema = z.discriminatedUnion('type', [
  /** On the customer's birthday in their own zone (Feb 29 on Feb 28 in non-leap years). */
  z.strictObject({ type: z.literal('birthday') }),
  /** On the expected date of the next order (the repurchase window, from the LTV model). */
  z.strictObject({ type: z.literal('next-order') }),
  /** After the email address is confirmed (double opt-in). */
  z.strictObject({ type: z.literal('email-confirmed') }),
  /** On entering a segment, as `kind:segment` (e.g. `lifecycle:at_risk`, `rfm:At Risk`). */
  z.strictObject({
    type: z.literal('segment-entered'),
    segment: z.string().check(z.regex(/^[a-zA-Z]+:.+$/)),
  }),
  /** Some days after the most recent order (e.g. the satisfaction survey), in the send window. */
  z.strictObject({ type: z.literal('after-order'), days: z.int().check(z.gte(1), z.lte(90)) }),
]);
export type CampaignTrigger = z.infer<typeof CampaignTriggerSchema>;

/** Triggers the hourly planner finds through an index; the others come from events. */
export const SCHEDULED_TRIGGERS = ['birthday', 'next-order', 'after-order'] as const;
export type ScheduledTrigger = Extract<CampaignTrigger, { type: (typeof SCHEDULED_TRIGGERS)[number] }>;
export const isScheduledTrigger = (trigger: CampaignTrigger): trigger is ScheduledTrigger =>
  (SCHEDULED_TRIGGERS as readonly string[]).includes(trigger.type);

export const CAMPAIGN_STATUSES = ['active', 'paused', 'archived'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const CHANNEL_PREFERENCES = ['email', 'sms', 'email-then-sms'] as const;
export type ChannelPreference = (typeof CHANNEL_PREFERENCES)[number];
export type Channel = 'email' | 'sms';

const TemplateTextSchema = z.string().check(z.minLength(1));

export const EmailTemplateSchema = z.strictObject({
  subject: TemplateTextSchema,
  html: TemplateTextSchema,
  text: TemplateTextSchema,
});
export const SmsTemplateSchema = z.strictObject({ text: TemplateTextSchema });
export const LocaleTemplatesSchema = z.strictObject({
  email: z.optional(EmailTemplateSchema),
  sms: z.optional(SmsTemplateSchema),
});
export type LocaleTemplates = z.infer<typeof LocaleTemplatesSchema>;

export const OfferSchema = z.strictObject({
  code: z.string().check(z.minLength(1), z.maxLength(64)),
  description: z.string().check(z.minLength(1), z.maxLength(200)),
});
export type Offer = z.infer<typeof OfferSchema>;

export const CampaignSchema = z
  .strictObject({
    id: z.string().check(
      z.regex(/^[a-z0-9][a-z0-9-]{0,39}$/, {
        error: 'id must be 1-40 lowercase letters, digits or - (it is part of the ledger key)',
      }),
    ),
    name: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
    enabled: z._default(z.boolean(), true),
    /**
     * `paused`: nothing new is planned and queued messages are skipped when they would leave;
     * `archived`: the same, for good (kept for its reports). Checked by the sender at send time.
     */
    status: z._default(z.enum(CAMPAIGN_STATUSES), 'active'),
    trigger: CampaignTriggerSchema,
    /** Who the campaign is for (a rule over the profile); everyone when absent. */
    audience: z.optional(RuleSchema),
    channel: z._default(z.enum(CHANNEL_PREFERENCES), 'email'),
    /** Locale (e.g. `en`, `en-GB`) → templates; a person's locale falls back to its language, then the first. */
    templates: z.record(z.string().check(z.regex(/^[a-z]{2,3}(-[A-Z]{2})?$/)), LocaleTemplatesSchema),
    /** In the recipient's local time. */
    sendWindow: z._default(TimeWindowSchema, { start: '09:00', end: '11:00' }),
    holdoutPercent: z._default(z.number().check(z.gte(0), z.lte(50)), 10),
    attributionDays: z._default(z.int().check(z.gte(1), z.lte(90)), 7),
    /** Differentiated offers: by segment membership (`valueTier:vip`, `rfm:Champions`, `rule:<id>`). */
    offers: z.optional(
      z.strictObject({
        default: z.optional(OfferSchema),
        bySegment: z._default(z.record(z.string().check(z.regex(/^[a-zA-Z]+:.+$/)), OfferSchema), {}),
      }),
    ),
  })
  .check(
    z.superRefine((campaign, ctx) => {
      const locales = Object.keys(campaign.templates);
      if (locales.length === 0) {
        ctx.addIssue({ code: 'custom', message: 'at least one locale is needed', path: ['templates'] });
      }
      const needs: Channel[] = campaign.channel === 'email-then-sms' ? ['email', 'sms'] : [campaign.channel];
      for (const locale of locales) {
        for (const channel of needs) {
          if (!campaign.templates[locale]?.[channel]) {
            ctx.addIssue({
              code: 'custom',
              message: `channel ${campaign.channel} needs an ${channel} template`,
              path: ['templates', locale, channel],
            });
          }
        }
      }
    }),
  );
export type Campaign = z.infer<typeof CampaignSchema>;

/** Settings every campaign shares. */
export const CampaignSettingsSchema = z.strictObject({
  /** Marketing messages per person (all campaigns, all channels) within `days`. */
  frequencyCap: z._default(
    z.strictObject({
      messages: z.int().check(z.gte(1), z.lte(50)),
      days: z.int().check(z.gte(1), z.lte(60)),
    }),
    { messages: 2, days: 7 },
  ),
  /**
   * SMS only inside these local hours, whatever the campaign's window; never wider than the TCPA's
   * 08:00–21:00 (and Florida numbers are held to 08:00–20:00 on top: see send-window.ts).
   */
  smsQuietHours: z
    ._default(TimeWindowSchema, { start: '09:00', end: '20:00' })
    .check(
      z.refine(
        (w) =>
          minutesOfDay(w.start) >= minutesOfDay(TCPA_SMS_HOURS.start) &&
          minutesOfDay(w.end) <= minutesOfDay(TCPA_SMS_HOURS.end),
        { error: `must lie within ${TCPA_SMS_HOURS.start}–${TCPA_SMS_HOURS.end} (the TCPA's calling hours)` },
      ),
    ),
  brandName: z._default(z.string().check(z.minLength(1), z.maxLength(60)), 'Precis'),
  /**
   * How long a row left `unknown` by an interrupted send waits for the provider's own event before it
   * is sent again (delivery.ts). Email: longer than SES takes to publish its `Send` event (seconds;
   * 15 minutes leaves a wide margin). SMS: likewise longer than End User Messaging takes to publish
   * its own TEXT_QUEUED event through the SNS destination (seconds; the carriers' later events may
   * lag by hours, but any one resolves the row); null: never sent again, only reported.
   */
  unknownQuietPeriod: z.prefault(
    z.strictObject({
      emailMinutes: z._default(z.int().check(z.gte(5), z.lte(1440)), 15),
      smsMinutes: z._default(z.nullable(z.int().check(z.gte(5), z.lte(1440))), 15),
    }),
    {},
  ),
  /**
   * Where the links in messages (confirm, unsubscribe, manage your details) and the default
   * thank-you page point. Default: the deployment's own HTTP API URL (locally
   * `http://localhost:<PORT>`), handed to the functions as PUBLIC_BASE_URL.
   */
  publicBaseUrl: z.optional(z.url()),
});
export type CampaignSettings = z.infer<typeof CampaignSettingsSchema>;
/** Campaign settings as the functions that build links see them: the public base URL resolved. */
export type LinkingSettings = CampaignSettings & { publicBaseUrl: string };

/** An absolute link to one of our public pages, e.g. `publicUrl(base, '/unsubscribe', { token })`. */
export function publicUrl(baseUrl: string, path: string, query: Record<string, string> = {}): string {
  const url = new URL(`${baseUrl.replace(/\/$/, '')}${path}`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url.toString();
}

export const CampaignsSchema = z.array(CampaignSchema).check(
  z.superRefine((campaigns, ctx) => {
    const seen = new Set<string>();
    campaigns.forEach((campaign, i) => {
      if (campaign.id === 'confirmation') {
        ctx.addIssue({
          code: 'custom',
          message: 'the id "confirmation" is reserved for the double opt-in email',
          path: [i, 'id'],
        });
      }
      if (seen.has(campaign.id)) {
        ctx.addIssue({ code: 'custom', message: `duplicate campaign id "${campaign.id}"`, path: [i, 'id'] });
      }
      seen.add(campaign.id);
    });
  }),
);

/** The templates for a person's locale: exact, then the language (`en-GB` → `en`), then the first. */
export function templatesFor(campaign: Campaign, locale: string): LocaleTemplates {
  const exact = campaign.templates[locale];
  if (exact) return exact;
  const language = locale.split('-')[0] ?? locale;
  const byLanguage =
    campaign.templates[language] ??
    Object.entries(campaign.templates).find(([key]) => key.split('-')[0] === language)?.[1];
  return byLanguage ?? (Object.values(campaign.templates)[0] as LocaleTemplates);
}
