import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config';
import { buildStacks } from '../../infra/stacks';
import { TRIGGER_STREAM_FILTERS } from '../../lib/config/stream-filters';
import { SMS_FEEDBACK_EVENT_TYPES } from '../../lib/domain/campaigns/feedback';

// The campaigns side of the deployment: the Deliveries ledger, the configuration set, the send
// queue and its DLQ, the hourly planner schedule, the sender's concurrency, the admin route, and
// exactly what each function may do.

let data: Template;
let api: Template;
let messaging: Template;

beforeAll(() => {
  const app = new App({
    context: { [BUNDLING_STACKS]: [], senderEmail: 'hello@shop.example', sendConcurrency: '4' },
  });
  const [d, a, m] = buildStacks(
    app,
    loadConfig((key) => app.node.tryGetContext(key), '/nonexistent'),
  ) as [Stack, Stack, Stack];
  [data, api, messaging] = [Template.fromStack(d), Template.fromStack(a), Template.fromStack(m)];
});

const smsConfigurationSetId = (): string => {
  const [id] = Object.keys(messaging.findResources('AWS::SMSVOICE::ConfigurationSet'));
  if (!id) throw new Error('no SMS configuration set');
  return id;
};

const functionId = (entry: string): string => {
  const found = Object.entries(
    messaging.toJSON().Resources as Record<string, { Metadata?: Record<string, string> }>,
  ).find(([, resource]) => resource.Metadata?.['precis:entry'] === entry);
  if (!found) throw new Error(`no function for ${entry}`);
  return found[0];
};

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of a function's role. */
function statements(entry: string): Statement[] {
  const fn = messaging.toJSON().Resources[functionId(entry)];
  const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
  const policies = messaging.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: role }] },
  });
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** Allowed actions on one data-stack resource (by logical id prefix). */
const actionsOn = (entry: string, resource: string): string[] =>
  statements(entry)
    .filter(
      (s) =>
        s.Effect === 'Allow' &&
        new RegExp(`GetAtt${resource}[0-9A-F]{8}Arn`).test(JSON.stringify(s.Resource)),
    )
    .flatMap((s) => [s.Action].flat())
    .sort();

const allActions = (entry: string): string[] =>
  [
    ...new Set(
      statements(entry)
        .filter((s) => s.Effect === 'Allow')
        .flatMap((s) => [s.Action].flat()),
    ),
  ].sort();

describe('the Deliveries ledger', () => {
  it('is keyed by customer and campaign#occasion, on demand, encrypted, recoverable and retained', () => {
    data.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'customerId', KeyType: 'HASH' },
          { AttributeName: 'deliveryKey', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
    });
  });

  it('has an SES configuration set every campaign email goes through', () => {
    data.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'precis-campaigns' });
  });
});

describe('the send queue', () => {
  it('is encrypted, TLS-only, and moves a message that failed 5 times to a dead-letter queue', () => {
    messaging.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    messaging.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('feeds the sender with partial batch responses, at most the configured concurrency at once', () => {
    const sender = functionId('functions/message-sender/handler.ts');
    messaging.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 4,
      Timeout: 30,
    });
    messaging.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: sender },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 4 },
    });
  });
});

describe('the planner', () => {
  it('runs every hour on the hour with the scheduled time as its input', () => {
    messaging.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 * * * ? *)',
      Target: Match.objectLike({ Input: '{"time":"<aws.scheduler.scheduled-time>"}' }),
    });
  });

  it('may query the three sparse indexes, read and update profiles, read, claim and requeue ledger rows, queue messages: nothing else', () => {
    const entry = 'functions/campaign-planner/handler.ts';
    expect(actionsOn(entry, 'Customers')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(actionsOn(entry, 'Deliveries')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    const query = statements(entry).find((s) => s.Action === 'dynamodb:Query');
    // Query on the three indexes only, never on the table itself.
    expect(query?.Resource).toEqual([
      { 'Fn::Join': ['', [expect.anything(), '/index/byBirthday']] },
      { 'Fn::Join': ['', [expect.anything(), '/index/byNextOrder']] },
      { 'Fn::Join': ['', [expect.anything(), '/index/byLastOrder']] },
    ]);
    expect(allActions(entry)).not.toContain('dynamodb:Scan');
    expect(allActions(entry)).toEqual(expect.arrayContaining(['sqs:SendMessage', 'dynamodb:Query']));
    expect(allActions(entry).filter((a) => a.startsWith('ses:') || a.startsWith('sns:'))).toEqual([]);
  });

  it('fans a large due set out: the planner sends pages to its page queue and consumes them, one a time, ≤ 10 at once, failures kept', () => {
    const planner = functionId('functions/campaign-planner/handler.ts');
    messaging.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: planner },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    messaging.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 1800,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
    messaging.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ PLANNER_PAGE_SIZE: '1000', PLANNER_PAGES_QUEUE_URL: Match.anyValue() }),
      },
    });
    expect(allActions('functions/campaign-planner/handler.ts')).toEqual(
      expect.arrayContaining(['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']),
    );
  });

  it('answers POST /planner/runs for operators only (IAM), by the planner itself', () => {
    messaging.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /planner/runs',
      AuthorizationType: 'AWS_IAM',
    });
    messaging.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationUri: { 'Fn::GetAtt': [functionId('functions/campaign-planner/handler.ts'), 'Arn'] },
    });
    expect(
      Object.values(messaging.toJSON().Resources as Record<string, { Metadata?: Record<string, string> }>)
        .map((r) => r.Metadata?.['precis:entry'])
        .filter((e) => e?.startsWith('functions/campaigns-api')),
    ).toEqual([]);
  });
});

describe('the sender', () => {
  const entry = 'functions/message-sender/handler.ts';

  it('reads profiles (and records a confirmation email on the consent) and updates ledger rows only', () => {
    expect(actionsOn(entry, 'Customers')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(actionsOn(entry, 'Deliveries')).toEqual(['dynamodb:UpdateItem']);
  });

  it('may send email only from the sender identity through the configuration set', () => {
    const ses = statements(entry).find((s) => s.Action === 'ses:SendEmail');
    const resources = JSON.stringify(ses?.Resource);
    expect(resources).toContain(':identity/hello@shop.example');
    expect(resources).toContain(':identity/shop.example');
    expect(resources).toMatch(/:configuration-set\//);
    expect(resources).not.toContain('"*"');
  });

  it("may read the account's SES sending rate (GetAccount) and paces to its share of it", () => {
    const getAccount = statements(entry).filter((s) => [s.Action].flat().includes('ses:GetAccount'));
    expect(getAccount).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'ses:GetAccount' })]);
    messaging.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SEND_RATES: JSON.stringify({ sms: { default: 1 } }),
          SEND_RATE_INSTANCES: '4',
        }),
      },
    });
    messaging.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 4 },
    });
  });

  it('texts through End User Messaging SMS: SendTextMessage on the SMS configuration set only, no SNS at all', () => {
    const send = statements(entry).filter((s) => [s.Action].flat().includes('sms-voice:SendTextMessage'));
    expect(send).toHaveLength(1);
    expect(send[0]?.Effect).toBe('Allow');
    const resources = JSON.stringify(send[0]?.Resource);
    expect(resources).toContain(smsConfigurationSetId());
    // No origination identity configured: the account's numbers, pools and sender IDs, nothing else.
    for (const kind of ['phone-number/*', 'pool/*', 'sender-id/*']) expect(resources).toContain(`:${kind}`);
    expect(allActions(entry).filter((a) => a.startsWith('sns:'))).toEqual([]);
    expect(allActions(entry)).toEqual(
      expect.arrayContaining([
        'ses:SendEmail',
        'sms-voice:SendTextMessage',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
      ]),
    );
    messaging.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SMS_CONFIGURATION_SET: { Ref: smsConfigurationSetId() },
          SMS_OPT_OUT_LIST: 'Default',
        }),
      },
    });
  });

  it('with an origination identity ARN configured, may send from that identity only', () => {
    const arn = 'arn:aws:sms-voice:eu-west-1:123456789012:phone-number/phone-1234567890abcdef';
    const [, , m] = buildStacks(
      new App({ context: { [BUNDLING_STACKS]: [] } }),
      loadConfig((key) => (key === 'sms' ? { originationIdentity: arn } : undefined), '/nonexistent'),
    );
    const template = Template.fromStack(m as Stack);
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain(arn);
    expect(policies).not.toContain('phone-number/*');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SMS_ORIGINATION_IDENTITY: arn }) },
    });
  });
});

describe('the consent pages', () => {
  it('answer GET /confirm, GET|POST /unsubscribe and (the survey page) GET|POST /survey publicly (the signed token is the key)', () => {
    for (const routeKey of [
      'GET /confirm',
      'GET /unsubscribe',
      'POST /unsubscribe',
      'GET /survey',
      'POST /survey',
    ]) {
      api.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'NONE',
      });
    }
  });

  it('may read and update a profile, find one by address, mark a ledger row unsubscribed and read what the data download holds, nothing else in the database', () => {
    const resources = api.toJSON().Resources as Record<
      string,
      { Metadata?: Record<string, string>; Properties: { Role: { 'Fn::GetAtt': string[] } } }
    >;
    const [fnId, fn] = Object.entries(resources).find(
      ([, r]) => r.Metadata?.['precis:entry'] === 'functions/consent-api/handler.ts',
    )!;
    expect(fnId).toBeTruthy();
    const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
    const policies = api.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } });
    const actions = Object.values(policies)
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => [s.Action].flat())
      .filter((a) => a.startsWith('dynamodb:'))
      .sort();
    // GetItem: the profile and the identity (the manage pages' "email me a link" form). UpdateItem:
    // the profile, and the Deliveries row (test/infra/measurement.test.ts). Query: the Deliveries,
    // Orders and Surveys of the person's data download (GET /manage/export). And the campaign
    // catalog (the campaigns the manage page offers): GetItem, PutItem (seeding), Query. No survey
    // answers: the survey page is a function of its own (test/infra/customer-routes.test.ts).
    expect(actions).toEqual([
      'dynamodb:GetItem',
      'dynamodb:GetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Query',
      'dynamodb:Query',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'dynamodb:UpdateItem',
    ]);
  });
});

describe('the Customers stream triggers (confirmation email, welcome)', () => {
  const entry = 'functions/campaign-triggers/handler.ts';

  it('consume the Customers stream with partial batch responses, bisect, bounded retries and a failure queue', () => {
    messaging.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId(entry) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('wake only for the person’s facts (FilterCriteria on the change a write stored)', () => {
    const mapping = Object.values(
      messaging.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { FunctionName: { Ref: functionId(entry) } },
      }),
    )[0] as { Properties: { FilterCriteria: { Filters: { Pattern: string }[] } } };
    expect(mapping.Properties.FilterCriteria.Filters.map((f) => JSON.parse(f.Pattern))).toEqual(
      TRIGGER_STREAM_FILTERS,
    );
  });

  it('read profiles (never write one), read and claim ledger rows, queue messages: nothing else', () => {
    expect(actionsOn(entry, 'Customers')).toEqual(['dynamodb:GetItem']);
    expect(actionsOn(entry, 'Deliveries')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:PutItem']);
    expect(allActions(entry)).not.toContain('dynamodb:Scan');
    expect(allActions(entry)).toEqual(expect.arrayContaining(['sqs:SendMessage']));
  });
});

describe('SES feedback', () => {
  const entry = 'functions/ses-feedback/handler.ts';

  it('the configuration set publishes send, bounce, complaint, delivery, delivery delay, open, click and reject events to the default bus', () => {
    data.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: Match.anyValue(),
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: [
          'SEND',
          'BOUNCE',
          'COMPLAINT',
          'DELIVERY',
          'DELIVERY_DELAY',
          'OPEN',
          'CLICK',
          'REJECT',
        ],
        EventBridgeDestination: {
          EventBusArn: Match.objectLike({
            'Fn::Join': Match.arrayWith([Match.arrayWith([':event-bus/default'])]),
          }),
        },
      }),
    });
  });

  it('a rule on the default bus sends those SES events to the feedback function, with retries and a failure queue', () => {
    messaging.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ses'],
        'detail-type': [
          'Email Sent',
          'Email Bounced',
          'Email Complaint Received',
          'Email Delivered',
          'Email Delivery Delayed',
          'Email Opened',
          'Email Clicked',
          'Email Rejected',
        ],
      },
      EventBusName: Match.absent(),
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId(entry), 'Arn'] } })],
    });
    messaging.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId(entry) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('may read and move ledger rows and suppress profiles and addresses: nothing else', () => {
    expect(actionsOn(entry, 'Deliveries')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:UpdateItem']);
    expect(actionsOn(entry, 'Customers')).toEqual(['dynamodb:UpdateItem']);
    expect(actionsOn(entry, 'Identities')).toEqual(['dynamodb:UpdateItem']);
    // … and read the pseudonym key the addresses are keyed with (test/infra/link-signing.test.ts).
    expect(allActions(entry).filter((a) => !a.startsWith('dynamodb:') && !a.startsWith('sqs:'))).toEqual([
      'secretsmanager:GetSecretValue',
    ]);
  });

  it('the sender checks the SMS opt-out list before texting, and marks an opted-out number on its identity', () => {
    const describe = statements('functions/message-sender/handler.ts').filter((s) =>
      [s.Action].flat().includes('sms-voice:DescribeOptedOutNumbers'),
    );
    expect(JSON.stringify(describe.map((s) => s.Resource))).toContain(':opt-out-list/Default');
    expect(actionsOn('functions/message-sender/handler.ts', 'Identities')).toEqual(['dynamodb:UpdateItem']);
  });
});

describe('SMS feedback', () => {
  const entry = 'functions/ses-feedback/handler.ts';

  it('the SMS configuration set publishes every text event the ledger uses to an encrypted SNS topic', () => {
    messaging.hasResourceProperties('AWS::SMSVOICE::ConfigurationSet', {
      EventDestinations: [
        {
          EventDestinationName: 'precis-feedback',
          Enabled: true,
          MatchingEventTypes: [...SMS_FEEDBACK_EVENT_TYPES],
          SnsDestination: { TopicArn: { Ref: Match.stringLikeRegexp('SmsEvents') } },
        },
      ],
    });
    messaging.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'Precis SMS events',
      KmsMasterKeyId: Match.anyValue(),
    });
    messaging.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('only End User Messaging, from this account, may publish to the topic and use its key', () => {
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': Match.anyValue() } };
    messaging.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'sms-voice.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: fromThisAccount,
          }),
        ]),
      }),
    });
    messaging.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'sms-voice.amazonaws.com' },
            Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
            Condition: fromThisAccount,
          }),
        ]),
      }),
    });
  });

  it('the feedback function is subscribed to the topic (asynchronous: its retries and failure queue apply)', () => {
    messaging.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: Match.stringLikeRegexp('SmsEvents') },
      Endpoint: { 'Fn::GetAtt': [functionId(entry), 'Arn'] },
    });
    messaging.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'sns.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [functionId(entry), 'Arn'] },
    });
  });
});

describe('event-driven triggers', () => {
  it('the post-purchase survey reads a sparse keys-only index of last-order dates, sorted by UTC offset', () => {
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: 'byLastOrder',
          KeySchema: [
            { AttributeName: 'lastOrderKey', KeyType: 'HASH' },
            { AttributeName: 'lastOrderOffset', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ]),
    });
  });

  it('win-back: a rule on the app bus sends every SegmentEntered to the segment triggers (campaigns are data)', () => {
    const entry = 'functions/segment-triggers/handler.ts';
    // No segment in the pattern: a campaign on another segment, created through the API after the
    // deploy, must get its events without a deploy (the function matches them to the catalog).
    messaging.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.anyValue(),
      EventPattern: Match.exact({ source: ['precis'], 'detail-type': ['SegmentEntered'] }),
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId(entry), 'Arn'] } })],
    });
    messaging.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId(entry) },
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    expect(actionsOn(entry, 'Customers')).toEqual(['dynamodb:GetItem']);
    expect(actionsOn(entry, 'Deliveries')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:PutItem']);
    // The campaign catalog: one Query of the campaign heads, and seeding (conditional puts).
    expect(actionsOn(entry, 'Campaigns')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    // No other Query: nothing scans or queries the customers.
    expect(allActions(entry).filter((a) => a === 'dynamodb:Query')).toHaveLength(1);
  });
});
