// Environment variable names, defined once: infra/ sets them on each function, lib/config reads them.
export const ENV = {
  customersTable: 'CUSTOMERS_TABLE',
  identitiesTable: 'IDENTITIES_TABLE',
  ordersTable: 'ORDERS_TABLE',
  orderIdsTable: 'ORDER_IDS_TABLE',
  surveysTable: 'SURVEYS_TABLE',
  /** The SegmentMembers table: one item per segment membership (lib/domain/segment-members.ts). */
  segmentMembersTable: 'SEGMENT_MEMBERS_TABLE',
  /** The Models table: fitted scoring model versions and the segment summary. */
  modelsTable: 'MODELS_TABLE',
  /** The app's EventBridge bus, where Precis publishes its own events (SegmentEntered, …). */
  eventBusName: 'EVENT_BUS_NAME',
  /** JSON array of operator-defined rule segments (validated with RuleSegmentsSchema). */
  ruleSegments: 'RULE_SEGMENTS',
  /** JSON object of scoring settings: { ltv, lifecycle } (validated with ScoringSettingsSchema). */
  scoringConfig: 'SCORING_CONFIG',
  /** Write shards of the day-keyed indexes (occasion-keys.ts): the same number where keys are written and read. */
  indexShards: 'INDEX_SHARDS',
  /** Write shards of the campaign counters rows (campaign-stats.ts): the same where they are written and read. */
  counterShards: 'COUNTER_SHARDS',
  /** The planner's page queue (fan-out of a large due set) and the people per page. */
  plannerPagesQueueUrl: 'PLANNER_PAGES_QUEUE_URL',
  plannerPageSize: 'PLANNER_PAGE_SIZE',
  reportingCurrency: 'REPORTING_CURRENCY',
  /** JSON object: units of the reporting currency per unit of each other accepted currency. */
  exchangeRates: 'EXCHANGE_RATES',
  defaultTimeZone: 'DEFAULT_TIME_ZONE',
  defaultLocale: 'DEFAULT_LOCALE',
  thankYouUrl: 'THANK_YOU_URL',
  /**
   * Where links in messages and the default thank-you page point: the configured
   * `campaignSettings.publicBaseUrl`, else the public edge's URL (`publicEdge`), else the HTTP API's own
   * URL (locally http://localhost:PORT).
   */
  publicBaseUrl: 'PUBLIC_BASE_URL',
  /** Comma-separated ISO 3166 alpha-2 codes whose mobile numbers may be given SMS consent. */
  smsAllowedCountries: 'SMS_ALLOWED_COUNTRIES',
  /** Optional: the signup answer's time floor in ms (default SIGNUP_ANSWER_FLOOR_MS; tests set 0). */
  signupAnswerFloorMs: 'SIGNUP_ANSWER_FLOOR_MS',
  /** The Deliveries ledger (pk customerId, sk `campaign#occasion`). */
  deliveriesTable: 'DELIVERIES_TABLE',
  /** Campaigns as data: heads and immutable versions (lib/adapters/dynamodb/dynamo-campaign-store.ts). */
  campaignsTable: 'CAMPAIGNS_TABLE',
  /** Campaign measurement counters (pk/sk; layout in lib/domain/measurement/campaign-stats.ts). */
  campaignStatsTable: 'CAMPAIGN_STATS_TABLE',
  /** The SQS queue between the campaign planner and the message sender. */
  sendQueueUrl: 'SEND_QUEUE_URL',
  /** JSON object of send rates in messages per second (SendRateSettingsSchema): email, SMS per country. */
  sendRates: 'SEND_RATES',
  /**
   * How many senders may run at once (the send queue's maxConcurrency): each paces to this share of
   * every rate. The local runtime sets 1 (one container serves every invocation there).
   */
  sendRateInstances: 'SEND_RATE_INSTANCES',
  /**
   * The config file's campaigns (CampaignsSchema), JSON deflated and base64-encoded (Lambda env is
   * 4 KB in all): the seed of the campaign store (a campaign it has no head for becomes version 1).
   */
  campaigns: 'CAMPAIGNS',
  /** JSON object of campaign settings (CampaignSettingsSchema). */
  campaignSettings: 'CAMPAIGN_SETTINGS',
  /** JSON object of campaign report settings: sending prices, gross margin, thresholds (ReportSettingsSchema). */
  reportSettings: 'REPORT_SETTINGS',
  /** The verified SES identity campaigns are sent from, and the configuration set they go through. */
  senderEmail: 'SENDER_EMAIL',
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  /**
   * End User Messaging SMS: the configuration set texts go through (its SNS event destination feeds
   * the feedback function), the opt-out list STOP replies land on, and the origination identity
   * (phone number, pool or sender ID; unset: the service picks one of the account's).
   */
  smsConfigurationSet: 'SMS_CONFIGURATION_SET',
  smsOptOutList: 'SMS_OPT_OUT_LIST',
  smsOriginationIdentity: 'SMS_ORIGINATION_IDENTITY',
  /**
   * ARN (or name) of the Secrets Manager secret holding the HMAC key(s) of unsubscribe and
   * confirmation links; the key itself is never in the environment.
   */
  linkSigningSecret: 'LINK_SIGNING_SECRET',
  /**
   * ARN (or name) of the Secrets Manager secret holding the HMAC key(s) of the Identities table's
   * pseudonyms (set with IDENTITIES_TABLE, always); `IDENTITY_LEGACY_LOOKUP=false` stops looking up
   * the plain-hash items of earlier versions.
   */
  identityKeySecret: 'IDENTITY_KEY_SECRET',
  identityLegacyLookup: 'IDENTITY_LEGACY_LOOKUP',
  /**
   * ARN of the Secrets Manager secret whose value CloudFront sends in the origin-verify header (set
   * on the public functions only when `publicEdge` is on): requests without it are refused 403.
   */
  edgeOriginSecret: 'EDGE_ORIGIN_SECRET',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  /** CloudWatch namespace of the custom metrics (Powertools Metrics). */
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  /** `true` turns the metrics' EMF output off (the local runtime sets it). */
  metricsDisabled: 'POWERTOOLS_METRICS_DISABLED',
  region: 'AWS_REGION',
  endpointDynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  endpointSesv2: 'AWS_ENDPOINT_URL_SESV2',
  endpointSmsVoice: 'AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2',
  endpointEventbridge: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
  endpointSqs: 'AWS_ENDPOINT_URL_SQS',
  endpointSecretsManager: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  /** The local runtime's stand-in for IAM on admin routes (`x-api-key`), also read by the CLI. */
  adminKey: 'PRECIS_ADMIN_KEY',
  /** The local runtime's API port, also read by the CLI. */
  port: 'PORT',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
export type Env = Record<string, string | undefined>;

/**
 * The header CloudFront adds to every request it forwards when `publicEdge` is on, its value the
 * secret named by EDGE_ORIGIN_SECRET (lower case: HTTP API events' header names are).
 */
export const ORIGIN_VERIFY_HEADER = 'x-precis-origin-verify';
