import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '../../lib/config/env-names';
import type { PrecisConfig } from '../config';
import { PrecisFunction } from '../constructs/precis-function';
import { StreamConsumer } from '../constructs/stream-consumer';
import { grantOrderIngest, orderEnvironment } from './api-stack';

export interface MessagingStackProps extends StackProps {
  config: PrecisConfig;
  logRetention: RetentionDays;
  customers: ITable;
  identities: ITable;
  orders: ITable;
  orderIds: ITable;
  surveys: ITable;
  bus: IEventBus;
}

/** Stream consumers and event-driven functions (and, with the campaigns, schedules, queues and senders). */
export class MessagingStack extends Stack {
  constructor(scope: Construct, id: string, props: MessagingStackProps) {
    super(scope, id, props);
    const { logRetention } = props;

    const profileStream = new PrecisFunction(this, 'ProfileStream', {
      role: 'profile-stream',
      logRetention,
      environment: { [ENV.customersTable]: props.customers.tableName },
    });
    // Writes derived keys only; the event source grants the stream reads.
    props.customers.grant(profileStream, 'dynamodb:UpdateItem');
    new StreamConsumer(this, 'ProfileStreamConsumer', { table: props.customers, fn: profileStream });

    const ordersStream = new PrecisFunction(this, 'OrdersStream', {
      role: 'orders-stream',
      logRetention,
      environment: {
        [ENV.customersTable]: props.customers.tableName,
        [ENV.ordersTable]: props.orders.tableName,
        [ENV.orderIdsTable]: props.orderIds.tableName,
      },
    });
    // Reads the profile and the customer's order history, writes the metrics back.
    props.customers.grant(ordersStream, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    props.orders.grant(ordersStream, 'dynamodb:Query');
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
    const orderEventFailures = new Queue(this, 'OrderEventFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
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
  }
}
