import { existsSync, readFileSync } from 'node:fs';
import { IANAZone } from 'luxon';
import * as z from 'zod';
import { CampaignSettingsSchema, CampaignsSchema } from '../lib/domain/campaigns/campaign';
import { SendRateSettingsSchema } from '../lib/domain/campaigns/send-rate';
import { ReportSettingsSchema } from '../lib/domain/measurement/report';
import { RuleSegmentsSchema } from '../lib/domain/rule-segments';
import { ScoringSettingsSchema } from '../lib/domain/scoring-model';
import { DEFAULT_SMS_COUNTRIES } from '../lib/domain/signup';
import { DEFAULT_CAMPAIGNS } from './campaigns';

const ScheduleExpressionSchema = z
  .string()
  .regex(/^(cron|rate)\(.+\)$/, 'must be an EventBridge Scheduler cron(…) or rate(…) expression');

/**
 * Every tunable of a deployment, in one typed, validated object read at synth time. Sources, later
 * winning: the defaults below, `precis.config.json` beside cdk.json (or `-c configFile=…`), then
 * single `-c key=value` context values (lists comma-separated).
 */
export const PrecisConfigSchema = z.strictObject({
  /** The verified SES identity campaigns are sent from. */
  senderEmail: z.email().default('hello@example.com'),
  /** Web origins whose forms may post signups (CORS); the admin API is never open to them. */
  allowedOrigins: z.array(z.url()).min(1).default(['http://localhost:3000']),
  /**
   * Where a plain HTML form is redirected after a signup (303). Default: Precis's own thank-you page,
   * `GET /thanks` under the public base URL (`campaignSettings.publicBaseUrl`, else the API's URL).
   */
  thankYouUrl: z.url().optional(),
  defaultTimeZone: z
    .string()
    .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone')
    .default('Europe/London'),
  defaultLocale: z.string().default('en-GB'),
  /** The one currency metrics and lifetime value are counted in (ISO 4217). */
  reportingCurrency: z
    .string()
    .refine((code) => Intl.supportedValuesOf('currency').includes(code), 'must be an ISO 4217 code')
    .default('GBP'),
  /** Units of the reporting currency per unit of each other currency orders may arrive in. */
  exchangeRates: z.record(z.string().length(3), z.number().positive()).default({ EUR: 0.85, USD: 0.79 }),
  /** Steady-state requests per second and burst for the whole HTTP API. */
  apiRateLimit: z.number().positive().default(50),
  apiBurstLimit: z.number().int().positive().default(100),
  logRetentionDays: z.number().int().positive().default(30),
  /**
   * Operator-defined segments: rules over any profile field, metric, score or tag (see
   * lib/domain/rule-segments.ts). Entering or leaving one publishes SegmentEntered / SegmentExited.
   */
  ruleSegments: RuleSegmentsSchema.default([
    {
      id: 'cat-lovers',
      name: 'Cat lovers likely to buy again',
      rule: {
        all: [
          { field: 'interests', op: 'contains', value: 'cat food' },
          { field: 'ltv.pAlive', op: 'gt', value: 0.6 },
        ],
      },
    },
  ]),
  /** Lifetime-value horizon, discount and historical formula; lifecycle thresholds. Applied at the next refit. */
  scoring: ScoringSettingsSchema.prefault({}),
  /**
   * Campaigns as code (see lib/domain/campaigns/campaign.ts and infra/campaigns.ts): validated here,
   * templates included, so a template using a field that does not exist fails synth naming it.
   */
  campaigns: CampaignsSchema.prefault(DEFAULT_CAMPAIGNS),
  /** Frequency cap, SMS quiet hours, brand name and the public base URL of links in messages. */
  campaignSettings: CampaignSettingsSchema.prefault({}),
  /**
   * Campaign reports: sending prices in the reporting currency (SES per 1,000 emails, SNS per SMS by
   * destination country, a default for the others), the gross margin ROI is computed on (1 = on
   * revenue) and the sample sizes below which a report says `insufficient-data`.
   */
  reportSettings: ReportSettingsSchema.prefault({}),
  /**
   * Sender Lambda's reserved concurrency and the send queue's maxConcurrency: at most this many
   * senders at once, each pacing to this share of `sendRates`.
   */
  sendConcurrency: z.number().int().min(2).max(100).default(5),
  /**
   * Messages per second: `email` for the account (default: SES's MaxSendRate, read at each sender's
   * cold start), `sms` per destination country's origination identity (default 1 everywhere).
   */
  sendRates: SendRateSettingsSchema.prefault({}),
  /**
   * The Secrets Manager secret (name or full ARN) holding the HMAC key of unsubscribe and
   * confirmation links: one key, or a JSON array of keys, newest first. Default: the data stack
   * creates one with a generated key (kept when the stack is deleted).
   */
  linkSigningSecret: z.string().min(1).optional(),
  /**
   * The Secrets Manager secret (name or full ARN) holding the HMAC key of the Identities table's
   * pseudonyms (emails and phones kept as keyed hashes): one key, or a JSON array, newest first.
   * Default: the data stack creates one (kept when the stack is deleted).
   */
  identityKeySecret: z.string().min(1).optional(),
  /** Look-ups also try the plain SHA-256 identity items of versions before keyed pseudonyms. */
  identityLegacyLookup: z.boolean().default(true),
  /**
   * SMS from the public form: `allowedCountries` (ISO 3166 alpha-2) are the only countries whose
   * mobile numbers may be given SMS consent (any other → 400 on `phone`); see DEFAULT_SMS_COUNTRIES.
   */
  sms: z
    .strictObject({
      allowedCountries: z
        .array(z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter country code such as GB'))
        .min(1)
        .default(DEFAULT_SMS_COUNTRIES),
    })
    .prefault({}),
  /** When the scheduled jobs run (EventBridge Scheduler `cron(…)` or `rate(…)` expressions, UTC). */
  schedules: z
    .strictObject({
      /** The campaign planner: each pass sends to the people whose local send window is now. */
      planner: ScheduleExpressionSchema.default('cron(0 * * * ? *)'),
      /** The model refit: LTV model, RFM/value thresholds, segments. */
      modelRefit: ScheduleExpressionSchema.default('cron(0 3 * * ? *)'),
    })
    .prefault({}),
  /**
   * The dashboard in AWS (PrecisDashboard stack): a CloudFront static site, a Cognito user pool of
   * admins and a JWT-authorized read API. `domain`: the prefix of the Cognito managed-login domain
   * (`<domain>.auth.<region>.amazoncognito.com`, unique in the region); default `precis-<account id>`.
   */
  dashboard: z
    .strictObject({
      enabled: z.boolean().default(true),
      domain: z
        .string()
        .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be lowercase letters, digits and hyphens')
        .refine((prefix) => !/aws|amazon|cognito/.test(prefix), 'must not contain aws, amazon or cognito')
        .optional(),
    })
    .prefault({}),
  /** Who is told when an alarm fires: an email subscription to the alarm topic (confirm it once). */
  operatorEmail: z.email().optional(),
  /** Alarm thresholds (CloudWatch alarms in the PrecisOperations stack). */
  alarms: z
    .strictObject({
      /** SES bounce rate (0..1) that alarms; SES reviews an account at 5% and may pause sending at 10%. */
      bounceRate: z.number().gt(0).lt(1).default(0.04),
      /** SES complaint rate (0..1) that alarms; SES reviews an account at 0.1% and may pause at 0.5%. */
      complaintRate: z.number().gt(0).lt(1).default(0.0008),
      /** Oldest unprocessed stream record, in seconds, before a stream consumer is "behind". */
      iteratorAgeSeconds: z.number().int().positive().default(300),
      /** Function errors within 5 minutes that alarm (any function). */
      functionErrors: z.number().int().positive().default(1),
      /** HTTP API 5xx answers within 5 minutes that alarm. */
      api5xx: z.number().int().positive().default(1),
    })
    .prefault({}),
});
export type PrecisConfig = z.infer<typeof PrecisConfigSchema>;

const LIST_KEYS = new Set(['allowedOrigins']);
const NUMBER_KEYS = new Set(['apiRateLimit', 'apiBurstLimit', 'logRetentionDays', 'sendConcurrency']);
const JSON_KEYS = new Set([
  'ruleSegments',
  'scoring',
  'campaigns',
  'campaignSettings',
  'reportSettings',
  'sendRates',
  'schedules',
  'alarms',
  'dashboard',
  'sms',
  'identityLegacyLookup',
]);

export class InvalidConfigError extends Error {}

/** Validates the merged config; a bad value fails synth with every offending key named. */
export function loadConfig(context: (key: string) => unknown, cwd = process.cwd()): PrecisConfig {
  const file = String(context('configFile') ?? `${cwd}/precis.config.json`);
  const fromFile = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
    : {};
  const fromContext: Record<string, unknown> = {};
  for (const key of Object.keys(PrecisConfigSchema.shape)) {
    const value = context(key);
    if (value === undefined) continue;
    if (typeof value !== 'string') fromContext[key] = value;
    else if (LIST_KEYS.has(key)) fromContext[key] = value.split(',').map((item) => item.trim());
    else if (NUMBER_KEYS.has(key)) fromContext[key] = Number(value);
    else if (JSON_KEYS.has(key)) fromContext[key] = parseJsonContext(key, value);
    else fromContext[key] = value;
  }
  const parsed = PrecisConfigSchema.safeParse({ ...fromFile, ...fromContext });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new InvalidConfigError(`invalid Precis config: ${problems.join('; ')}`);
  }
  return parsed.data;
}

function parseJsonContext(key: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidConfigError(`invalid Precis config: ${key}: must be JSON`);
  }
}
