import { existsSync, readFileSync } from 'node:fs';
import { CampaignSettingsSchema } from '../lib/domain/campaigns/campaign';
import { CheckedCampaignsSchema } from '../lib/domain/campaigns/checked-campaigns';
import { SendRateSettingsSchema } from '../lib/domain/campaigns/send-rate';
import { MAX_COUNTER_SHARDS } from '../lib/domain/measurement/campaign-stats';
import { ReportSettingsSchema } from '../lib/domain/measurement/report';
import { MAX_INDEX_SHARDS } from '../lib/domain/occasion-keys';
import { RuleSegmentsSchema } from '../lib/domain/rule-segments';
import { ScoringSettingsSchema } from '../lib/domain/scoring-model';
import { DEFAULT_SMS_COUNTRIES } from '../lib/domain/signup';
import { isValidTimeZone } from '../lib/domain/zoned-time';
import * as z from '../lib/zod';
import { DEFAULT_CAMPAIGNS } from './campaigns';

/** The AWS managed WAF rule groups `publicEdge.managedRules` may name. */
export const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesCommonRuleSet',
] as const;

const ScheduleExpressionSchema = z
  .string()
  .check(z.regex(/^(cron|rate)\(.+\)$/, 'must be an EventBridge Scheduler cron(…) or rate(…) expression'));

/**
 * Every tunable of a deployment, in one typed, validated object read at synth time. Sources, later
 * winning: the defaults below, `precis.config.json` beside cdk.json (or `-c configFile=…`), then
 * single `-c key=value` context values (lists comma-separated).
 */
export const PrecisConfigSchema = z.strictObject({
  /** The verified SES identity campaigns are sent from. */
  senderEmail: z._default(z.email(), 'hello@example.com'),
  /** Web origins whose forms may post signups (CORS); the admin API is never open to them. */
  allowedOrigins: z._default(z.array(z.url()).check(z.minLength(1)), ['http://localhost:3000']),
  /**
   * Where a plain HTML form is redirected after a signup (303). Default: Precis's own thank-you page,
   * `GET /thanks` under the public base URL (`campaignSettings.publicBaseUrl`, else the edge's or API's URL).
   */
  thankYouUrl: z.optional(z.url()),
  defaultTimeZone: z._default(
    z
      .string()
      .check(z.refine((zone) => isValidTimeZone(zone), 'must be an IANA time zone such as Europe/London')),
    'Europe/London',
  ),
  defaultLocale: z._default(z.string(), 'en-GB'),
  /** The one currency metrics and lifetime value are counted in (ISO 4217). */
  reportingCurrency: z._default(
    z
      .string()
      .check(
        z.refine((code) => Intl.supportedValuesOf('currency').includes(code), 'must be an ISO 4217 code'),
      ),
    'GBP',
  ),
  /** Units of the reporting currency per unit of each other currency orders may arrive in. */
  exchangeRates: z._default(z.record(z.string().check(z.length(3)), z.number().check(z.positive())), {
    EUR: 0.85,
    USD: 0.79,
  }),
  /** Steady-state requests per second and burst for the whole HTTP API. */
  apiRateLimit: z._default(z.number().check(z.positive()), 50),
  apiBurstLimit: z._default(z.number().check(z.int(), z.positive()), 100),
  logRetentionDays: z._default(z.number().check(z.int(), z.positive()), 30),
  /**
   * Operator-defined segments: rules over any profile field, metric, score or tag (see
   * lib/domain/rule-segments.ts). Entering or leaving one publishes SegmentEntered / SegmentExited.
   */
  ruleSegments: z._default(RuleSegmentsSchema, [
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
  scoring: z.prefault(ScoringSettingsSchema, {}),
  /**
   * Campaigns as code (see lib/domain/campaigns/campaign.ts and infra/campaigns.ts): validated here,
   * templates included, so a template using a field that does not exist fails synth naming it.
   */
  campaigns: z.prefault(CheckedCampaignsSchema, DEFAULT_CAMPAIGNS),
  /** Frequency cap, SMS quiet hours, brand name and the public base URL of links in messages. */
  campaignSettings: z.prefault(CampaignSettingsSchema, {}),
  /**
   * Campaign reports: sending prices in the reporting currency (SES per 1,000 emails, SNS per SMS by
   * destination country, a default for the others), the gross margin ROI is computed on (1 = on
   * revenue) and the sample sizes below which a report says `insufficient-data`.
   */
  reportSettings: z.prefault(ReportSettingsSchema, {}),
  /**
   * Sender Lambda's reserved concurrency and the send queue's maxConcurrency: at most this many
   * senders at once, each pacing to this share of `sendRates`.
   */
  sendConcurrency: z._default(z.number().check(z.int(), z.gte(2), z.lte(100)), 5),
  /**
   * Write shards of the day-keyed indexes (byBirthday, byNextOrder, byLastOrder): 1 = unsharded. Raise
   * it when one day's writes could pass a partition's 1,000 units a second (`npm run capacity`).
   */
  indexShards: z._default(z.number().check(z.int(), z.gte(1), z.lte(MAX_INDEX_SHARDS)), 1),
  /**
   * Write shards of each campaign's counters rows: 1 = one row per period and group. Raise it (never
   * lower it) when a campaign's funnel events could pass a partition's 1,000 writes a second.
   */
  /**
   * People per page when the hourly planner fans a large due set out (at most 10 pages claimed at once,
   * each in its own invocation); a campaign with fewer due is claimed by the pass itself.
   */
  plannerPageSize: z._default(z.number().check(z.int(), z.gte(100), z.lte(2_000)), 1_000),
  counterShards: z._default(z.number().check(z.int(), z.gte(1), z.lte(MAX_COUNTER_SHARDS)), 1),
  /**
   * Messages per second: `email` for the account (default: SES's MaxSendRate, read at each sender's
   * cold start), `sms` per destination country's origination identity (default 1 everywhere).
   */
  sendRates: z.prefault(SendRateSettingsSchema, {}),
  /**
   * The Secrets Manager secret (name or full ARN) holding the HMAC key of unsubscribe and
   * confirmation links: one key, or a JSON array of keys, newest first. Default: the data stack
   * creates one with a generated key (kept when the stack is deleted).
   */
  linkSigningSecret: z.optional(z.string().check(z.minLength(1))),
  /**
   * The Secrets Manager secret (name or full ARN) holding the HMAC key of the Identities table's
   * pseudonyms (emails and phones kept as keyed hashes): one key, or a JSON array, newest first.
   * Default: the data stack creates one (kept when the stack is deleted).
   */
  identityKeySecret: z.optional(z.string().check(z.minLength(1))),
  /** Look-ups also try the plain SHA-256 identity items of versions before keyed pseudonyms. */
  identityLegacyLookup: z._default(z.boolean(), true),
  /**
   * SMS from the public form: `allowedCountries` (ISO 3166 alpha-2) are the only countries whose
   * mobile numbers may be given SMS consent (any other → 400 on `phone`); see DEFAULT_SMS_COUNTRIES.
   * Texts go out through AWS End User Messaging SMS: `originationIdentity` is the phone number, pool
   * or sender ID they are sent from (its ID or ARN; unset: the service picks one of the account's),
   * `optOutList` the opt-out list that identity uses, where STOP replies land (default: the
   * account's `Default` list, which every number and pool uses unless set otherwise).
   */
  sms: z.prefault(
    z.strictObject({
      allowedCountries: z._default(
        z
          .array(z.string().check(z.regex(/^[A-Z]{2}$/, 'must be a two-letter country code such as GB')))
          .check(z.minLength(1)),
        DEFAULT_SMS_COUNTRIES,
      ),
      originationIdentity: z.optional(
        z
          .string()
          .check(
            z.regex(/^[A-Za-z0-9_:/+-]{1,256}$/, 'must be a phone number, pool or sender ID, or its ARN'),
          ),
      ),
      optOutList: z._default(
        z.string().check(z.regex(/^[A-Za-z0-9_:/-]{1,256}$/, 'must be an opt-out list name or ARN')),
        'Default',
      ),
    }),
    {},
  ),
  /** When the scheduled jobs run (EventBridge Scheduler `cron(…)` or `rate(…)` expressions, UTC). */
  schedules: z.prefault(
    z.strictObject({
      /** The campaign planner: each pass sends to the people whose local send window is now. */
      planner: z._default(ScheduleExpressionSchema, 'cron(0 * * * ? *)'),
      /** The model refit: LTV model, RFM/value thresholds, segments. */
      modelRefit: z._default(ScheduleExpressionSchema, 'cron(0 3 * * ? *)'),
    }),
    {},
  ),
  /**
   * The dashboard in AWS (PrecisDashboard stack): a CloudFront static site, a Cognito user pool of
   * admins and a JWT-authorized read API. `domain`: the prefix of the Cognito managed-login domain
   * (`<domain>.auth.<region>.amazoncognito.com`, unique in the region); default `precis-<account id>`.
   */
  dashboard: z.prefault(
    z.strictObject({
      enabled: z._default(z.boolean(), true),
      domain: z.optional(
        z.string().check(
          z.regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be lowercase letters, digits and hyphens'),
          z.refine((prefix) => !/aws|amazon|cognito/.test(prefix), 'must not contain aws, amazon or cognito'),
        ),
      ),
    }),
    {},
  ),
  /**
   * The public edge (off by default): CloudFront in front of the HTTP API with a WAF web ACL (in
   * us-east-1, as CloudFront requires) that limits the public routes per client address:
   * `rateLimitPer5Minutes` requests per address in any 5 minutes (WAF's minimum is 10), beyond that
   * 429. `managedRules`: the AWS managed rule groups evaluated too (each $1/month). When on, links in
   * messages point at the distribution (unless `campaignSettings.publicBaseUrl`), and the public
   * functions refuse requests that did not come through it.
   */
  publicEdge: z.prefault(
    z.strictObject({
      enabled: z._default(z.boolean(), false),
      rateLimitPer5Minutes: z._default(z.number().check(z.int(), z.gte(10), z.lte(2_000_000_000)), 300),
      managedRules: z._default(z.array(z.enum(MANAGED_RULE_GROUPS)), [
        'AWSManagedRulesAmazonIpReputationList',
        'AWSManagedRulesKnownBadInputsRuleSet',
      ]),
    }),
    {},
  ),
  /**
   * The AWS region every stack is pinned to. Needed by `publicEdge` (its web ACL lives in us-east-1,
   * referenced across regions); default there: the CLI's region (CDK_DEFAULT_REGION). Unset and no
   * edge: region-agnostic templates, deployed to the CLI's region.
   */
  region: z.optional(
    z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-2')),
  ),
  /** Who is told when an alarm fires: an email subscription to the alarm topic (confirm it once). */
  operatorEmail: z.optional(z.email()),
  /** Alarm thresholds (CloudWatch alarms in the PrecisOperations stack). */
  alarms: z.prefault(
    z.strictObject({
      /** SES bounce rate (0..1) that alarms; SES reviews an account at 5% and may pause sending at 10%. */
      bounceRate: z._default(z.number().check(z.gt(0), z.lt(1)), 0.04),
      /** SES complaint rate (0..1) that alarms; SES reviews an account at 0.1% and may pause at 0.5%. */
      complaintRate: z._default(z.number().check(z.gt(0), z.lt(1)), 0.0008),
      /** Oldest unprocessed stream record, in seconds, before a stream consumer is "behind". */
      iteratorAgeSeconds: z._default(z.number().check(z.int(), z.positive()), 300),
      /** Function errors within 5 minutes that alarm (any function). */
      functionErrors: z._default(z.number().check(z.int(), z.positive()), 1),
      /** HTTP API 5xx answers within 5 minutes that alarm. */
      api5xx: z._default(z.number().check(z.int(), z.positive()), 1),
    }),
    {},
  ),
});
export type PrecisConfig = z.infer<typeof PrecisConfigSchema>;

const LIST_KEYS = new Set(['allowedOrigins']);
const NUMBER_KEYS = new Set([
  'apiRateLimit',
  'apiBurstLimit',
  'logRetentionDays',
  'sendConcurrency',
  'indexShards',
  'counterShards',
  'plannerPageSize',
]);
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
  'publicEdge',
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
