import { Duration } from 'aws-cdk-lib';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type HorizontalAnnotation,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { METRIC, METRIC_SERVICES } from '../../lib/config/metric-names';
import type { PrecisConfig } from '../config';
import { acknowledge } from '../nag';
import { FailureQueue } from './failure-queue';
import { METRICS_NAMESPACE } from './precis-function';
import { StreamConsumer } from './stream-consumer';

export interface OperationsProps {
  config: Pick<PrecisConfig, 'alarms' | 'operatorEmail'>;
  /** The scopes (stacks) to watch: every function, failure queue, stream consumer and HTTP API in them. */
  watch: IConstruct[];
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * The operator's view of a deployment: one SNS topic every alarm notifies (with an optional email
 * subscription), alarms found by walking the construct tree (so functions, failure queues and
 * stream consumers added later are covered without touching this file), and one dashboard.
 */
export class Operations extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { alarms: thresholds } = props.config;
    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'Precis alarms', enforceSSL: true });
    acknowledge(
      this.topic,
      'AwsSolutions-SNS2',
      'Alarm notifications carry alarm names and metric values, no personal data; CloudWatch cannot ' +
        'publish to a topic encrypted with the AWS managed SNS key, and publishing requires SSL.',
    );
    if (props.config.operatorEmail) {
      this.topic.addSubscription(new EmailSubscription(props.config.operatorEmail));
    }

    const found = props.watch.flatMap((s) => s.node.findAll());
    const functions = found.filter((c): c is LambdaFunction => c instanceof LambdaFunction);
    const consumers = found.filter(StreamConsumer.isStreamConsumer);
    const apis = found.filter((c): c is HttpApi => c instanceof HttpApi);
    // Failure queues, and any queue some other queue sends its dead letters to.
    const failureQueues = [
      ...new Set([
        ...found.filter(FailureQueue.isFailureQueue),
        ...found.flatMap((c) => (c instanceof Queue && c.deadLetterQueue ? [c.deadLetterQueue.queue] : [])),
      ]),
    ].filter((q): q is Queue => q instanceof Queue);

    for (const queue of failureQueues) {
      this.alarm(`Dlq${idOf(queue)}`, {
        description: `${queue.node.path} holds failed work: inspect the messages, fix the cause, replay them`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: FIVE_MINUTES,
        }),
        threshold: 1,
      });
    }
    for (const consumer of consumers) {
      this.alarm(`IteratorAge${idOf(consumer)}`, {
        description: `${consumer.node.path} is more than ${thresholds.iteratorAgeSeconds} s behind its stream`,
        metric: consumer.fn.metric('IteratorAge', { statistic: 'Maximum', period: FIVE_MINUTES }),
        threshold: thresholds.iteratorAgeSeconds * 1000,
      });
    }
    for (const fn of functions) {
      this.alarm(`Errors${idOf(fn)}`, {
        description: `${fn.node.path} failed ${thresholds.functionErrors} or more times in 5 minutes`,
        metric: fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: thresholds.functionErrors,
      });
    }
    for (const api of apis) {
      this.alarm(`Api5xx${idOf(api)}`, {
        description: `${api.node.path} answered ${thresholds.api5xx} or more 5xx in 5 minutes`,
        metric: api.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: thresholds.api5xx,
      });
    }
    // Account-wide SES reputation (fractions, 0..1), ahead of SES's review thresholds (5%, 0.1%).
    const bounceRate = sesMetric('Reputation.BounceRate');
    const complaintRate = sesMetric('Reputation.ComplaintRate');
    this.alarm('SesBounceRate', {
      description: `SES bounce rate at or above ${pct(thresholds.bounceRate)} (SES reviews the account at 5%)`,
      metric: bounceRate,
      threshold: thresholds.bounceRate,
    });
    this.alarm('SesComplaintRate', {
      description: `SES complaint rate at or above ${pct(thresholds.complaintRate)} (SES reviews the account at 0.1%)`,
      metric: complaintRate,
      threshold: thresholds.complaintRate,
    });

    // A message possibly sent and not recorded (its ledger row left `unknown`; never re-sent).
    this.alarm('MessagesUnknown', {
      description:
        'A message may or may not have been sent (the provider was called, the ledger not updated; it is ' +
        'never re-sent): find "message state unknown" in the message-sender logs for the customer and campaign',
      metric: customWith(METRIC.messagesUnknown, 'message-sender'),
      threshold: 1,
    });

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: 'Precis' });
    const graph = (
      title: string,
      left: IMetric[],
      extra: Partial<{ leftAnnotations: HorizontalAnnotation[] }> = {},
    ) => new GraphWidget({ title, left, width: 8, height: 6, ...extra });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          '# Precis\nCustom metrics (namespace `Precis`), failure queues, stream lag and errors. Alarms notify the `Precis alarms` SNS topic.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Signups', [
        ...custom(METRIC.signups, METRIC_SERVICES.signups),
        ...custom(METRIC.newSignups, METRIC_SERVICES.signups),
        ...custom(METRIC.repeatSignups, METRIC_SERVICES.signups),
      ]),
      graph('Orders', [
        ...custom(METRIC.ordersIngested, METRIC_SERVICES.orders),
        ...custom(METRIC.ordersCancelled, METRIC_SERVICES.orders),
      ]),
      graph('Messages sent per channel', [
        ...['email', 'sms'].map((channel) => customWith(METRIC.messagesSent, 'message-sender', { channel })),
        ...custom(METRIC.messagesFailed, METRIC_SERVICES.sender),
        ...custom(METRIC.messagesUnknown, METRIC_SERVICES.sender),
        ...custom(METRIC.messagesRetried, METRIC_SERVICES.sender),
        ...custom(METRIC.messagesResolved, METRIC_SERVICES.feedback),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Messages skipped per reason', [
        new MathExpression({
          expression: `SEARCH('{${METRICS_NAMESPACE},service,reason} MetricName="${METRIC.messagesSkipped}"', 'Sum', 300)`,
          label: '',
          period: FIVE_MINUTES,
        }),
      ]),
      graph('Bounces, complaints, suppressions', [
        ...custom(METRIC.bounces, METRIC_SERVICES.feedback),
        ...custom(METRIC.complaints, METRIC_SERVICES.feedback),
        ...custom(METRIC.suppressions, METRIC_SERVICES.feedback),
      ]),
      graph('SES reputation (account)', [bounceRate, complaintRate], {
        leftAnnotations: [
          { value: thresholds.bounceRate, label: 'bounce alarm' },
          { value: thresholds.complaintRate, label: 'complaint alarm' },
        ],
      }),
    );
    this.dashboard.addWidgets(
      graph(
        'Failure queue depth',
        failureQueues.map((q) =>
          q.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label: q.node.id }),
        ),
      ),
      graph(
        'Stream iterator age (ms)',
        consumers.map((c) => c.fn.metric('IteratorAge', { statistic: 'Maximum', label: c.node.id })),
      ),
      graph(
        'Function errors',
        functions.map((fn) => fn.metricErrors({ statistic: 'Sum', label: fn.node.id })),
      ),
    );
  }

  private alarm(id: string, props: { description: string; metric: IMetric; threshold: number }): void {
    const alarm = new Alarm(this, id, {
      alarmDescription: props.description,
      metric: props.metric,
      threshold: props.threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }
}

/** A construct's path as an id: `PrecisMessaging/Campaigns/PlannerFailures` → `CampaignsPlannerFailures`. */
const idOf = (c: IConstruct): string =>
  c.node.scopes
    .slice(2)
    .map((s) => s.node.id.replace(/[^A-Za-z0-9]/g, ''))
    .join('');

const pct = (fraction: number): string => `${+(fraction * 100).toFixed(4)}%`;

const sesMetric = (name: string): Metric =>
  new Metric({ namespace: 'AWS/SES', metricName: name, statistic: 'Maximum', period: Duration.hours(1) });

const customWith = (metricName: string, service: string, dimensions: Record<string, string> = {}): Metric =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service, ...dimensions },
    statistic: 'Sum',
    period: FIVE_MINUTES,
    label: [metricName, service, ...Object.values(dimensions)].join(' '),
  });

const custom = (metricName: string, services: readonly string[]): Metric[] =>
  services.map((service) => customWith(metricName, service));
