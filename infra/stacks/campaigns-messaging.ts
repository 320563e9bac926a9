import { ArnFormat, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { HttpMethod, HttpRoute, HttpRouteKey, type IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { CfnConfigurationSet } from 'aws-cdk-lib/aws-ses';
import { CfnConfigurationSet as CfnSmsConfigurationSet } from 'aws-cdk-lib/aws-smsvoice';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../lib/config/env-names';
import { packJson } from '../../lib/config/packed-json';
import { TRIGGER_STREAM_FILTERS } from '../../lib/config/stream-filters';
import { SMS_FEEDBACK_EVENT_TYPES } from '../../lib/domain/campaigns/feedback';
import type { PrecisConfig } from '../config';
import { FailureQueue } from '../constructs/failure-queue';
import { PrecisFunction } from '../constructs/precis-function';
import { StreamConsumer } from '../constructs/stream-consumer';
import { acknowledge, nagPseudo } from '../nag';
import { grantIdentities, type IdentityStore } from './identity-grants';

export interface CampaignsMessagingProps extends IdentityStore {
  config: PrecisConfig;
  logRetention: RetentionDays;
  customers: ITable;
  deliveries: ITable;
  /** Orders (its stream feeds attribution) and the measurement counters. */
  orders: ITable;
  campaignStats: ITable;
  /** Campaigns as data: every function that uses the campaigns reads them through the catalog. */
  campaignsTable: ITable;
  /** The Models table: the segment summary's overall 80/20 share, shown next to each campaign's. */
  models: ITable;
  /** The app's bus, where the profile stream announces SegmentEntered. */
  bus: IEventBus;
  configurationSet: CfnConfigurationSet;
  /** The link-signing key's secret: the sender signs unsubscribe and confirmation links with it. */
  linkSigningKey: ISecret;
  httpApi: IHttpApi;
  /** Where links in messages point (ApiStack.publicBaseUrl). */
  publicBaseUrl: string;
}

/** The SES event types (EventBridge detail-types) the feedback function handles. */
export const SES_FEEDBACK_DETAIL_TYPES = [
  // SES accepted the email: resolves a row a crash left `unknown` (domain/campaigns/feedback.ts).
  'Email Sent',
  'Email Bounced',
  'Email Complaint Received',
  'Email Delivered',
  'Email Delivery Delayed',
  'Email Opened',
  'Email Clicked',
  'Email Rejected',
] as const;

/** The sender's Lambda timeout; the queue's visibility timeout is six times it (AWS's advice). */
const SENDER_TIMEOUT = Duration.seconds(30);

/**
 * Campaigns: the hourly planner (EventBridge Scheduler) finds who is due through the sparse indexes,
 * claims each occasion in the Deliveries ledger and queues the message; the sender (SQS consumer,
 * reserved concurrency = the SES/SMS quota's throttle) renders and sends it. `POST /planner/runs`
 * runs one pass on demand (`precis planner`).
 */
export class CampaignsMessaging extends Construct {
  readonly sendQueue: Queue;
  readonly planner: PrecisFunction;
  readonly sender: PrecisFunction;
  /** `GET /campaigns` and `GET /campaigns/{id}/report` (also routed to by the dashboard API). */
  readonly reports: PrecisFunction;

  constructor(scope: Construct, id: string, props: CampaignsMessagingProps) {
    super(scope, id);
    const { config, logRetention } = props;
    const campaignEnv = {
      ...campaignCatalogEnv(config, props.campaignsTable),
      [ENV.campaignSettings]: JSON.stringify(config.campaignSettings),
    };

    const deadLetters = new FailureQueue(this, 'SendDeadLetters');
    this.sendQueue = new Queue(this, 'SendQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(SENDER_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
    });

    const plannerEnv = {
      [ENV.customersTable]: props.customers.tableName,
      // The planner reads every write shard of the day-keyed indexes.
      [ENV.indexShards]: String(config.indexShards),
      [ENV.deliveriesTable]: props.deliveries.tableName,
      [ENV.sendQueueUrl]: this.sendQueue.queueUrl,
      ...campaignEnv,
    };
    this.planner = new PrecisFunction(this, 'Planner', {
      role: 'campaign-planner',
      logRetention,
      timeout: Duration.minutes(5),
      environment: plannerEnv,
    });
    grantPlanning(this.planner, props, this.sendQueue);
    grantCampaignCatalog(props.campaignsTable, this.planner);
    // Fan-out: a pass with more people due for a campaign than a page puts pages of them on this
    // queue, and the planner itself claims them, several pages at once (each idempotent: the ledger's
    // conditional claim). A page failing 3 times is kept for the operator.
    const pageFailures = new FailureQueue(this, 'PlannerPageFailures');
    const pages = new Queue(this, 'PlannerPages', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.minutes(30),
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: pageFailures, maxReceiveCount: 3 },
    });
    pages.grantSendMessages(this.planner);
    this.planner.addEnvironment(ENV.plannerPagesQueueUrl, pages.queueUrl);
    this.planner.addEnvironment(ENV.plannerPageSize, String(config.plannerPageSize));
    this.planner.addEventSource(
      new SqsEventSource(pages, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: 10 }),
    );
    const plannerFailures = new FailureQueue(this, 'PlannerFailures');
    // A pass is repeatable (the ledger makes it idempotent): one retry, then kept for the operator.
    this.planner.configureAsyncInvoke({
      retryAttempts: 1,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(plannerFailures),
    });
    new Schedule(this, 'PlannerSchedule', {
      description: 'Hourly campaign planner: birthdays and repurchase windows in each local send window',
      schedule: ScheduleExpression.expression(config.schedules.planner, TimeZone.ETC_UTC),
      target: new LambdaInvoke(this.planner, {
        input: ScheduleTargetInput.fromObject({ time: ContextAttribute.scheduledTime }),
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    });

    this.sender = new PrecisFunction(this, 'Sender', {
      role: 'message-sender',
      logRetention,
      timeout: SENDER_TIMEOUT,
      environment: {
        [ENV.customersTable]: props.customers.tableName,
        [ENV.deliveriesTable]: props.deliveries.tableName,
        [ENV.senderEmail]: config.senderEmail,
        [ENV.sesConfigurationSet]: props.configurationSet.ref,
        [ENV.linkSigningSecret]: linkSigningSecretId(props.linkSigningKey),
        // A message not due yet (outside the person's send window) goes back on the queue, delayed.
        [ENV.sendQueueUrl]: this.sendQueue.queueUrl,
        [ENV.publicBaseUrl]: props.publicBaseUrl,
        // The provider's rate: each of the at most `sendConcurrency` senders paces to its share.
        [ENV.sendRates]: JSON.stringify(config.sendRates),
        [ENV.sendRateInstances]: String(config.sendConcurrency),
        ...campaignEnv,
      },
    });
    this.sendQueue.grantSendMessages(this.sender);
    grantCampaignCatalog(props.campaignsTable, this.sender);
    // At most this many senders at once: the rate is split between them (send-rate.ts).
    (this.sender.node.defaultChild as CfnFunction).reservedConcurrentExecutions = config.sendConcurrency;
    this.sender.addEventSource(
      new SqsEventSource(this.sendQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: config.sendConcurrency,
      }),
    );
    // Reads the profile; moves its ledger row (queued → unknown → sent/failed/skipped); records
    // when a confirmation email went out (a nested update of the consent).
    props.customers.grant(this.sender, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    props.deliveries.grant(this.sender, 'dynamodb:UpdateItem');
    // A number that replied STOP is suppressed on its keyed identity too (outlives erasure).
    grantIdentities(props, this.sender, 'dynamodb:UpdateItem');
    grantLinkSigningKey(props.linkSigningKey, this.sender);
    grantSendEmail(this.sender, config, props.configurationSet.ref);
    // The account's SES sending rate (SendQuota.MaxSendRate), read once per cold start unless
    // `sendRates.email` is configured. GetAccount has no resource-level permissions.
    if (config.sendRates.email === undefined) {
      this.sender.addToRolePolicy(
        new PolicyStatement({ effect: Effect.ALLOW, actions: ['ses:GetAccount'], resources: ['*'] }),
      );
      if (this.sender.role) {
        acknowledge(
          this.sender.role,
          'AwsSolutions-IAM5[Resource::*]',
          'ses:GetAccount has no resource-level permissions.',
        );
      }
    }
    // SES feedback: the configuration set publishes to the default bus (data stack); this rule
    // takes the events that matter to the ledger and to suppression. An event the function cannot
    // handle is retried, then kept whole in a failure queue.
    const feedbackFailures = new FailureQueue(this, 'FeedbackFailures');
    const feedback = new PrecisFunction(this, 'SesFeedback', {
      role: 'ses-feedback',
      logRetention,
      environment: {
        [ENV.customersTable]: props.customers.tableName,
        [ENV.deliveriesTable]: props.deliveries.tableName,
      },
    });
    feedback.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(feedbackFailures),
    });
    // Reads and moves the ledger row; suppresses the profile's channel and the hashed address.
    props.deliveries.grant(feedback, 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem');
    props.customers.grant(feedback, 'dynamodb:UpdateItem');
    grantIdentities(props, feedback, 'dynamodb:UpdateItem');
    new Rule(this, 'SesFeedbackRule', {
      description: 'SES events of campaign emails: ledger status, bounce and complaint suppression',
      eventPattern: { source: ['aws.ses'], detailType: [...SES_FEEDBACK_DETAIL_TYPES] },
      targets: [new LambdaFunction(feedback, { retryAttempts: 4, maxEventAge: Duration.hours(6) })],
    });

    // SMS through AWS End User Messaging SMS: the sender's texts go through this configuration set,
    // whose event destination publishes every text's events (with our ids in `context`) to an SNS
    // topic the feedback function is subscribed to. The events carry the destination number, so the
    // topic is encrypted with a key of ours that End User Messaging may use (the AWS managed SNS key
    // cannot be used by a service principal).
    const stack = Stack.of(this);
    const smsService = new ServicePrincipal('sms-voice.amazonaws.com');
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': stack.account } };
    const smsEventsKey = new Key(this, 'SmsEventsKey', {
      description: 'Precis SMS events topic (End User Messaging SMS publishes to it)',
      enableKeyRotation: true,
    });
    smsEventsKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [smsService],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromThisAccount,
      }),
    );
    const smsEvents = new Topic(this, 'SmsEvents', {
      displayName: 'Precis SMS events',
      masterKey: smsEventsKey,
      enforceSSL: true,
    });
    smsEvents.addToResourcePolicy(
      new PolicyStatement({
        principals: [smsService],
        actions: ['sns:Publish'],
        resources: [smsEvents.topicArn],
        conditions: fromThisAccount,
      }),
    );
    // SNS invokes the function asynchronously: the same retries and failure queue as the SES events.
    smsEvents.addSubscription(new LambdaSubscription(feedback));
    const smsConfigurationSet = new CfnSmsConfigurationSet(this, 'SmsConfigurationSet', {
      eventDestinations: [
        {
          eventDestinationName: 'precis-feedback',
          enabled: true,
          matchingEventTypes: [...SMS_FEEDBACK_EVENT_TYPES],
          snsDestination: { topicArn: smsEvents.topicArn },
        },
      ],
    });
    // The service checks it may publish when the destination is created: the topic policy first.
    smsConfigurationSet.node.addDependency(smsEvents);
    this.sender.addEnvironment(ENV.smsConfigurationSet, smsConfigurationSet.ref);
    this.sender.addEnvironment(ENV.smsOptOutList, config.sms.optOutList);
    if (config.sms.originationIdentity) {
      this.sender.addEnvironment(ENV.smsOriginationIdentity, config.sms.originationIdentity);
    }
    grantSendText(this.sender, config, smsConfigurationSet.attrArn);

    // The Customers stream's second consumer (profile-stream is the first): the double opt-in
    // confirmation email on a new request, the welcome on confirmation. Same claim → queue path.
    const triggers = new PrecisFunction(this, 'Triggers', {
      role: 'campaign-triggers',
      logRetention,
      timeout: Duration.seconds(30),
      environment: plannerEnv,
    });
    grantTriggering(triggers, props, this.sendQueue);
    grantCampaignCatalog(props.campaignsTable, triggers);
    // The confirmation emails per mailbox: a counter item under the mailbox's keyed pseudonym.
    grantIdentities(props, triggers, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    // Wakes for the person's facts only (stream-filters.ts).
    new StreamConsumer(this, 'TriggersConsumer', {
      table: props.customers,
      fn: triggers,
      filters: TRIGGER_STREAM_FILTERS,
    });

    // Campaigns on entering a segment (win-back on lifecycle:at_risk): a rule on the app's bus for
    // every SegmentEntered. Campaigns are data (the Campaigns table): one on any segment can be
    // created or resumed after the deploy, so the function, not the rule, picks the events a campaign
    // is on (onSegmentEntered, through the campaign catalog); an event no campaign is on costs one
    // invocation that reads the catalog's cache and writes nothing.
    const segmentFailures = new FailureQueue(this, 'SegmentTriggerFailures');
    const segmentTriggers = new PrecisFunction(this, 'SegmentTriggers', {
      role: 'segment-triggers',
      logRetention,
      environment: plannerEnv,
    });
    segmentTriggers.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(segmentFailures),
    });
    grantTriggering(segmentTriggers, props, this.sendQueue);
    grantCampaignCatalog(props.campaignsTable, segmentTriggers);
    new Rule(this, 'SegmentTriggersRule', {
      eventBus: props.bus,
      description: 'Campaigns on entering a segment (win-back on entering At Risk)',
      eventPattern: { source: ['precis'], detailType: ['SegmentEntered'] },
      targets: [new LambdaFunction(segmentTriggers, { retryAttempts: 4, maxEventAge: Duration.hours(6) })],
    });

    // Measurement (lib/domain/measurement): the Deliveries stream counts each ledger row's funnel
    // stages; the Orders stream's second consumer (orders-stream is the first) attributes orders to
    // the most recent delivery whose window holds them. Each counter change is one transaction with
    // a conditional write on its marker item (UpdateItem/PutItem are what TransactWriteItems checks).
    const deliveryStream = new PrecisFunction(this, 'DeliveryStream', {
      role: 'delivery-stream',
      logRetention,
      environment: {
        [ENV.campaignStatsTable]: props.campaignStats.tableName,
        // Counters rows are written and read over the same number of shards.
        [ENV.counterShards]: String(config.counterShards),
        [ENV.defaultTimeZone]: config.defaultTimeZone,
      },
    });
    props.campaignStats.grant(deliveryStream, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    new StreamConsumer(this, 'DeliveryStreamConsumer', { table: props.deliveries, fn: deliveryStream });

    const attributionStream = new PrecisFunction(this, 'AttributionStream', {
      role: 'attribution-stream',
      logRetention,
      environment: {
        [ENV.deliveriesTable]: props.deliveries.tableName,
        [ENV.campaignStatsTable]: props.campaignStats.tableName,
        // Counters rows are written and read over the same number of shards.
        [ENV.counterShards]: String(config.counterShards),
        [ENV.defaultTimeZone]: config.defaultTimeZone,
        ...campaignEnv,
      },
    });
    // The customer's ledger rows (one query), then the markers and counters.
    props.deliveries.grant(attributionStream, 'dynamodb:Query');
    grantCampaignCatalog(props.campaignsTable, attributionStream);
    props.campaignStats.grant(
      attributionStream,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    );
    new StreamConsumer(this, 'AttributionStreamConsumer', { table: props.orders, fn: attributionStream });

    // `POST /planner/runs`: one pass on demand, waiting for the sender (precis planner --at …), by
    // the planner itself (API Gateway ends the request at 29 s: the route waits 20 s at most).
    new HttpRoute(this, 'PlannerRunsRoute', {
      httpApi: props.httpApi,
      routeKey: HttpRouteKey.with('/planner/runs', HttpMethod.POST),
      integration: new HttpLambdaIntegration('PlannerRunsIntegration', this.planner),
      authorizer: new HttpIamAuthorizer(),
    });

    // `GET /campaigns` and `GET /campaigns/{id}/report` (precis report, the dashboard): reports from
    // the pre-aggregated counters. Reads only: Query on a campaign's counters partition, one
    // BatchGet for every campaign's all-time rows, and the segment summary.
    const reports = new PrecisFunction(this, 'CampaignReports', {
      role: 'campaign-reports-api',
      logRetention,
      environment: {
        [ENV.campaignStatsTable]: props.campaignStats.tableName,
        // Counters rows are written and read over the same number of shards.
        [ENV.counterShards]: String(config.counterShards),
        [ENV.modelsTable]: props.models.tableName,
        [ENV.reportSettings]: JSON.stringify(config.reportSettings),
        [ENV.reportingCurrency]: config.reportingCurrency,
        [ENV.defaultTimeZone]: config.defaultTimeZone,
        ...campaignEnv,
      },
    });
    this.reports = reports;
    props.campaignStats.grant(reports, 'dynamodb:Query', 'dynamodb:BatchGetItem');
    props.models.grant(reports, 'dynamodb:GetItem');
    grantCampaignCatalog(props.campaignsTable, reports);
    const reportsIntegration = new HttpLambdaIntegration('CampaignReportsIntegration', reports);
    for (const [routeId, path] of [
      ['CampaignsRoute', '/campaigns'],
      ['CampaignReportRoute', '/campaigns/{id}/report'],
    ] as const) {
      new HttpRoute(this, routeId, {
        httpApi: props.httpApi,
        routeKey: HttpRouteKey.with(path, HttpMethod.GET),
        integration: reportsIntegration,
        authorizer: new HttpIamAuthorizer(),
      });
    }
  }
}

/** Where a function reads the campaigns: the store, and the config file's campaigns as its seed. */
export const campaignCatalogEnv = (config: PrecisConfig, table: ITable): Record<string, string> => ({
  [ENV.campaigns]: packJson(config.campaigns),
  [ENV.campaignsTable]: table.tableName,
});

/**
 * The campaign catalog (campaign-catalog.ts): one Query of the heads, and the conditional puts that
 * seed a config campaign the store does not have yet as its version 1 (GetItem: who got there first).
 */
export function grantCampaignCatalog(table: ITable, fn: IFunction): void {
  table.grant(fn, 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem');
}

/** An event-driven trigger: read the profile, add to its recent-sends list, claim, queue. */
function grantTriggering(fn: IFunction, props: CampaignsMessagingProps, queue: Queue): void {
  // Read only: a trigger writes no profile (the survey's index keys are the orders stream's).
  props.customers.grant(fn, 'dynamodb:GetItem');
  props.deliveries.grant(fn, 'dynamodb:BatchGetItem', 'dynamodb:PutItem');
  queue.grantSendMessages(fn);
}

/**
 * A planner pass: query the two sparse indexes (keys only), read profiles, add to their recent-sends
 * list, read and claim ledger rows, queue messages. Nothing else, and no scans.
 */
function grantPlanning(fn: IFunction, props: CampaignsMessagingProps, queue: Queue): void {
  props.customers.grant(fn, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
  fn.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['dynamodb:Query'],
      resources: [
        `${props.customers.tableArn}/index/byBirthday`,
        `${props.customers.tableArn}/index/byNextOrder`,
        `${props.customers.tableArn}/index/byLastOrder`,
      ],
    }),
  );
  // UpdateItem: a row an interrupted send left `unknown` past its quiet period goes back to `queued`.
  props.deliveries.grant(fn, 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
  queue.grantSendMessages(fn);
}

/** How a function names the link-signing secret: its full ARN, or its name when imported by name. */
export const linkSigningSecretId = (secret: ISecret): string => secret.secretFullArn ?? secret.secretName;

/**
 * End User Messaging SMS: SendTextMessage through the SMS configuration set from the configured
 * origination identity (without one, the service picks among the account's phone numbers, pools
 * and sender IDs, so those are granted); DescribeOptedOutNumbers on the opt-out list STOP replies
 * land on.
 */
export function grantSendText(fn: PrecisFunction, config: PrecisConfig, configurationSetArn: string): void {
  const stack = Stack.of(fn);
  const smsArn = (resource: string, resourceName: string) =>
    stack.formatArn({
      service: 'sms-voice',
      resource,
      resourceName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  const identity = config.sms.originationIdentity;
  const origination = identity?.startsWith('arn:')
    ? [identity]
    : [smsArn('phone-number', '*'), smsArn('pool', '*'), smsArn('sender-id', '*')];
  fn.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['sms-voice:SendTextMessage'],
      resources: [configurationSetArn, ...origination],
    }),
  );
  const optOutList = config.sms.optOutList;
  fn.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['sms-voice:DescribeOptedOutNumbers'],
      resources: [optOutList.startsWith('arn:') ? optOutList : smsArn('opt-out-list', optOutList)],
    }),
  );
  if (!identity?.startsWith('arn:') && fn.role) {
    // As cdk-nag names them: pseudo parameters, or their values when the stack is pinned to a region.
    const { partition, region } = nagPseudo(stack);
    for (const resource of ['phone-number', 'pool', 'sender-id']) {
      acknowledge(
        fn.role,
        `AwsSolutions-IAM5[Resource::arn:${partition}:sms-voice:${region}:<AWS::AccountId>:${resource}/*]`,
        "No origination identity ARN is configured (sms.originationIdentity): End User Messaging picks one of the account's phone numbers, pools or sender IDs.",
      );
    }
  }
}

/** SES SendEmail from the configured sender identity (address or its domain), through the configuration set. */
export function grantSendEmail(fn: IFunction, config: PrecisConfig, configurationSetName: string): void {
  const stack = Stack.of(fn);
  const domain = config.senderEmail.split('@')[1] as string;
  fn.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['ses:SendEmail'],
      resources: [
        stack.formatArn({ service: 'ses', resource: 'identity', resourceName: config.senderEmail }),
        stack.formatArn({ service: 'ses', resource: 'identity', resourceName: domain }),
        stack.formatArn({
          service: 'ses',
          resource: 'configuration-set',
          resourceName: configurationSetName,
        }),
      ],
    }),
  );
}

/**
 * Where the links in messages and the default thank-you page point: the configured
 * `campaignSettings.publicBaseUrl` (a custom domain), else `ownUrl`: the public edge's URL when
 * `publicEdge` is on, else the HTTP API's own URL — locally the runtime resolves that to
 * http://localhost:<PORT>.
 */
export const publicBaseUrlOf = (config: PrecisConfig, ownUrl: string): string =>
  config.campaignSettings.publicBaseUrl ?? ownUrl;

/**
 * Read access to the link-signing key's value, and nothing else of the secret. A secret named in
 * config has an ARN ending in 6 random characters only AWS knows: `-??????` matches that one.
 */
export function grantLinkSigningKey(secret: ISecret, fn: IFunction): void {
  const resource = secret.secretFullArn ?? `${secret.secretArn}-??????`;
  fn.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['secretsmanager:GetSecretValue'],
      resources: [resource],
    }),
  );
}
