import { Duration, Stack, type StackProps, TimeZone } from 'aws-cdk-lib';
import { HttpMethod, HttpRoute, HttpRouteKey, type IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
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
import type { Construct } from 'constructs';
import { ENV } from '../../lib/config/env-names';
import { PROFILE_STREAM_FILTERS } from '../../lib/config/stream-filters';
import type { PrecisConfig } from '../config';
import { FailureQueue } from '../constructs/failure-queue';
import { PrecisFunction } from '../constructs/precis-function';
import { StreamConsumer } from '../constructs/stream-consumer';
import { grantOrderIngest, orderEnvironment } from './api-stack';
import { CampaignsMessaging } from './campaigns-messaging';
import type { IdentityStore } from './identity-grants';

export interface MessagingStackProps extends StackProps, IdentityStore {
  config: PrecisConfig;
  logRetention: RetentionDays;
  customers: ITable;
  orders: ITable;
  orderIds: ITable;
  surveys: ITable;
  models: ITable;
  /** Who is in each segment: kept by the profile stream, backfilled by a reindexing refit. */
  segmentMembers: ITable;
  bus: IEventBus;
  deliveries: ITable;
  /** Campaign measurement counters (kept by the Deliveries and Orders stream consumers). */
  campaignStats: ITable;
  /** Campaigns as data (heads and versions): what the planner, triggers, sender and reports read. */
  campaignsTable: ITable;
  configurationSet: CfnConfigurationSet;
  /** The link-signing key's secret (the sender signs unsubscribe and confirmation links). */
  linkSigningKey: ISecret;
  /** The HTTP API, for the campaigns admin route (`POST /planner/runs`). */
  httpApi: IHttpApi;
  /** Where links in messages point (ApiStack.publicBaseUrl: config, else the edge, else the API). */
  publicBaseUrl: string;
}

/** Where a function that scores profiles finds the model and the operator's scoring config. */
export function scoringEnvironment(models: ITable, config: PrecisConfig): Record<string, string> {
  return {
    [ENV.modelsTable]: models.tableName,
    [ENV.ruleSegments]: JSON.stringify(config.ruleSegments),
    [ENV.scoringConfig]: JSON.stringify(config.scoring),
    // Whoever writes the day-keyed index keys shards them as the planner reads them.
    [ENV.indexShards]: String(config.indexShards),
  };
}

/** Stream consumers and event-driven functions (and, with the campaigns, schedules, queues and senders). */
export class MessagingStack extends Stack {
  readonly campaigns: CampaignsMessaging;

  constructor(scope: Construct, id: string, props: MessagingStackProps) {
    super(scope, id, props);
    const { logRetention } = props;

    const scoring = scoringEnvironment(props.models, props.config);
    const profileStream = new PrecisFunction(this, 'ProfileStream', {
      role: 'profile-stream',
      logRetention,
      environment: {
        [ENV.customersTable]: props.customers.tableName,
        [ENV.eventBusName]: props.bus.eventBusName,
        [ENV.segmentMembersTable]: props.segmentMembers.tableName,
        ...scoring,
      },
    });
    // Writes scores and derived keys only (the event source grants the stream reads); reads the
    // current model; announces segment changes on the app's bus and records them in SegmentMembers.
    props.customers.grant(profileStream, 'dynamodb:UpdateItem');
    props.segmentMembers.grant(profileStream, 'dynamodb:BatchWriteItem');
    props.models.grant(profileStream, 'dynamodb:GetItem');
    props.bus.grantPutEventsTo(profileStream);
    // Wakes for the person's facts and for segment changes, never for send bookkeeping or a derived
    // write that moved no segment (stream-filters.ts).
    new StreamConsumer(this, 'ProfileStreamConsumer', {
      table: props.customers,
      fn: profileStream,
      filters: PROFILE_STREAM_FILTERS,
    });

    const ordersStream = new PrecisFunction(this, 'OrdersStream', {
      role: 'orders-stream',
      logRetention,
      environment: {
        [ENV.customersTable]: props.customers.tableName,
        [ENV.ordersTable]: props.orders.tableName,
        [ENV.orderIdsTable]: props.orderIds.tableName,
        ...scoring,
      },
    });
    // Reads the profile, the customer's order history and the current model; writes the metrics,
    // scores and next-order keys back in one update.
    props.customers.grant(ordersStream, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    props.orders.grant(ordersStream, 'dynamodb:Query');
    props.models.grant(ordersStream, 'dynamodb:GetItem');
    new StreamConsumer(this, 'OrdersStreamConsumer', { table: props.orders, fn: ordersStream });

    const surveysStream = new PrecisFunction(this, 'SurveysStream', {
      role: 'surveys-stream',
      logRetention,
      environment: {
        [ENV.customersTable]: props.customers.tableName,
        [ENV.surveysTable]: props.surveys.tableName,
      },
    });
    // Reads the profile and the customer's survey history, writes the satisfaction back; removes the
    // comment of an answer that raced its person's erasure.
    props.customers.grant(surveysStream, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    props.surveys.grant(surveysStream, 'dynamodb:Query', 'dynamodb:UpdateItem');
    new StreamConsumer(this, 'SurveysStreamConsumer', { table: props.surveys, fn: surveysStream });

    // Shops publish OrderPlaced / OrderCancelled on the app's bus. An event the function rejects is
    // retried twice, then kept whole in a failure queue for the operator to fix and replay.
    const orderEventFailures = new FailureQueue(this, 'OrderEventFailures');
    const orderEvents = new PrecisFunction(this, 'OrderEvents', {
      role: 'order-events',
      logRetention,
      environment: orderEnvironment(props, props.config),
    });
    orderEvents.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(orderEventFailures),
    });
    grantOrderIngest(orderEvents, props);
    new Rule(this, 'OrderEventsRule', {
      eventBus: props.bus,
      description: 'Orders from the shop into the customer database',
      eventPattern: { detailType: ['OrderPlaced', 'OrderCancelled'] },
      targets: [new LambdaFunction(orderEvents, { retryAttempts: 4, maxEventAge: Duration.hours(6) })],
    });

    // The nightly model refit: reads every profile (two parallel scans), fits, stores the version
    // and the segment summary, re-scores the profiles that changed. 15 minutes and 2 GB cover a few
    // million profiles (see lib/use-cases/refit-model.ts for what runs beyond that).
    const refitFailures = new FailureQueue(this, 'ModelRefitFailures');
    const modelRefit = new PrecisFunction(this, 'ModelRefit', {
      role: 'model-refit',
      logRetention,
      memorySize: 2048,
      timeout: Duration.minutes(15),
      environment: {
        [ENV.customersTable]: props.customers.tableName,
        // Order histories of a sample of buyers, for the model choice by time split.
        [ENV.ordersTable]: props.orders.tableName,
        [ENV.orderIdsTable]: props.orderIds.tableName,
        // `POST /model/refit` puts ModelRefitRequested here (see below).
        [ENV.eventBusName]: props.bus.eventBusName,
        // `precis segments reindex`: a refit that also writes every profile's segment memberships.
        [ENV.segmentMembersTable]: props.segmentMembers.tableName,
        ...scoring,
      },
    });
    // A refit is repeatable: one retry, then the failure is kept for the operator.
    modelRefit.configureAsyncInvoke({
      retryAttempts: 1,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(refitFailures),
    });
    props.customers.grant(modelRefit, 'dynamodb:Scan', 'dynamodb:UpdateItem');
    props.segmentMembers.grant(modelRefit, 'dynamodb:BatchWriteItem');
    props.models.grant(modelRefit, 'dynamodb:GetItem', 'dynamodb:PutItem');
    props.orders.grant(modelRefit, 'dynamodb:Query');
    new Schedule(this, 'ModelRefitSchedule', {
      description: 'Nightly refit of the LTV model, RFM/value/volume thresholds and segments',
      schedule: ScheduleExpression.expression(props.config.schedules.modelRefit, TimeZone.ETC_UTC),
      // The scheduled time, so a late, retried or simulated run refits as of its day.
      target: new LambdaInvoke(modelRefit, {
        input: ScheduleTargetInput.fromObject({ time: ContextAttribute.scheduledTime }),
        retryAttempts: 1,
        maxEventAge: Duration.hours(6),
      }),
    });
    // `POST /model/refit` (precis model refit) asks for one now: the refit function owns the route,
    // answers 202 and puts ModelRefitRequested on the bus, whose rule invokes it in the background.
    props.bus.grantPutEventsTo(modelRefit);
    new HttpRoute(this, 'ModelRefitRoute', {
      httpApi: props.httpApi,
      routeKey: HttpRouteKey.with('/model/refit', HttpMethod.POST),
      integration: new HttpLambdaIntegration('ModelRefitIntegration', modelRefit),
      authorizer: new HttpIamAuthorizer(),
    });
    new Rule(this, 'ModelRefitRequestedRule', {
      eventBus: props.bus,
      description: 'A refit asked for by an operator',
      eventPattern: { source: ['precis'], detailType: ['ModelRefitRequested'] },
      targets: [new LambdaFunction(modelRefit, { retryAttempts: 1, maxEventAge: Duration.hours(1) })],
    });

    this.campaigns = new CampaignsMessaging(this, 'Campaigns', props);
  }
}
