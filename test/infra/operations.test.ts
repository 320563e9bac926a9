import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config';
import { buildStacks } from '../../infra/stacks';

type Resource = { Type: string; Properties: Record<string, unknown> };

let messaging: Template;
let api: Template;
let operations: Template;
let alarms: Resource[];
const topicRef = () => ({ Ref: Object.keys(operations.findResources('AWS::SNS::Topic'))[0] });

beforeAll(() => {
  const app = new App({
    context: {
      [BUNDLING_STACKS]: [],
      operatorEmail: 'ops@example.com',
      alarms: JSON.stringify({ iteratorAgeSeconds: 600, bounceRate: 0.03 }),
    },
  });
  const stacks = buildStacks(
    app,
    loadConfig((key) => app.node.tryGetContext(key), '/nonexistent'),
  );
  const byName = (name: string) => Template.fromStack(stacks.find((s) => s.stackName === name) as Stack);
  messaging = byName('PrecisMessaging');
  api = byName('PrecisApi');
  operations = byName('PrecisOperations');
  alarms = Object.values(operations.findResources('AWS::CloudWatch::Alarm')) as Resource[];
});

const alarmsOn = (metricName: string, logicalId: string) =>
  alarms.filter(
    (a) =>
      a.Properties.MetricName === metricName && JSON.stringify(a.Properties.Dimensions).includes(logicalId),
  );

describe('operations: alarms and the operator topic', () => {
  it('alarms on every failure queue and dead-letter queue as soon as it holds a message', () => {
    // Work queues (a function consumes them: the send queue, the planner's pages) hold messages by
    // design; every other queue is a failure or dead-letter queue.
    const consumed = JSON.stringify(
      Object.values(messaging.findResources('AWS::Lambda::EventSourceMapping')).map(
        (m) => (m as Resource).Properties.EventSourceArn,
      ),
    );
    const queues = Object.keys(messaging.findResources('AWS::SQS::Queue')).filter(
      (id) => !consumed.includes(`"${id}"`),
    );
    expect(queues.some((id) => id.includes('SendQueue') || /PlannerPages[0-9A-F]{8}$/.test(id))).toBe(false);
    expect(queues.some((id) => id.includes('PlannerPageFailures'))).toBe(true);
    expect(queues.length).toBeGreaterThanOrEqual(8);
    for (const queue of queues) {
      const found = alarmsOn('ApproximateNumberOfMessagesVisible', queue);
      expect(found, queue).toHaveLength(1);
      expect(found[0]?.Properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Statistic: 'Maximum',
      });
    }
  });

  it('alarms on the iterator age of every stream consumer, at the configured lag', () => {
    const mappings = Object.values(messaging.findResources('AWS::Lambda::EventSourceMapping')) as Resource[];
    const streamFns = mappings
      .filter((m) => JSON.stringify(m.Properties.EventSourceArn).includes('StreamArn'))
      .map((m) => (m.Properties.FunctionName as { Ref: string }).Ref);
    expect(streamFns.length).toBeGreaterThanOrEqual(4);
    for (const fn of streamFns) {
      const found = alarmsOn('IteratorAge', fn);
      expect(found, fn).toHaveLength(1);
      expect(found[0]?.Properties).toMatchObject({ Threshold: 600_000, Statistic: 'Maximum' });
    }
  });

  it('alarms on the errors of every function of the API and messaging stacks, and on API 5xx', () => {
    const fns = [
      ...Object.keys(api.findResources('AWS::Lambda::Function')),
      ...Object.keys(messaging.findResources('AWS::Lambda::Function')),
    ];
    for (const fn of fns) expect(alarmsOn('Errors', fn), fn).toHaveLength(1);
    operations.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Threshold: 1,
    });
  });

  it('alarms on SES reputation before the SES review thresholds (5% bounces, 0.1% complaints)', () => {
    operations.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.BounceRate',
      Threshold: 0.03,
    });
    operations.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.ComplaintRate',
      Threshold: 0.0008,
    });
  });

  it('alarms on the first message whose fate is unknown (sender metric MessagesUnknown)', () => {
    operations.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        Match.objectLike({
          MetricStat: {
            Metric: {
              Namespace: 'Precis',
              MetricName: 'MessagesUnknown',
              Dimensions: [{ Name: 'service', Value: 'message-sender' }],
            },
            Period: 300,
            Stat: 'Sum',
          },
        }),
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topicRef()],
    });
  });

  it('sends every alarm to one SSL-only topic, with the operator email subscribed', () => {
    expect(alarms.length).toBeGreaterThan(20);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topicRef()]);
      expect(alarm.Properties.OKActions).toEqual([topicRef()]);
    }
    operations.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: topicRef(),
    });
    operations.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('has a dashboard with the custom metrics, queue depth, stream lag and errors', () => {
    const [dashboard] = Object.values(operations.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const title of [
      'Signups',
      'Orders',
      'Messages sent per channel',
      'Bounces, complaints, suppressions',
    ]) {
      expect(body).toContain(title);
    }
    for (const metric of ['NewSignups', 'OrdersIngested', 'MessagesSent', 'Suppressions', 'IteratorAge']) {
      expect(body).toContain(metric);
    }
  });
});
