import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config';
import { buildStacks } from '../../infra/stacks';

let data: Template;
let api: Template;
let messaging: Template;

beforeAll(() => {
  const app = new App({
    context: { [BUNDLING_STACKS]: [], allowedOrigins: 'https://shop.example,https://www.shop.example' },
  });
  const [d, a, m] = buildStacks(
    app,
    loadConfig((key) => app.node.tryGetContext(key)),
  ) as [Stack, Stack, Stack];
  [data, api, messaging] = [Template.fromStack(d), Template.fromStack(a), Template.fromStack(m)];
});

/** The IAM actions a function's role may perform, per statement. */
function allowedActions(template: Template, rolePrefix: string): string[][] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${rolePrefix}`) }] },
  });
  return Object.values(policies).flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).map((s) =>
      [s.Action].flat().sort(),
    ),
  );
}

describe('the customer database', () => {
  it('keeps customers on demand, streamed with both images, recoverable, encrypted and retained', () => {
    data.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('indexes birthdays sparsely by MM-DD with the UTC offset as sort key', () => {
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'byBirthday',
          KeySchema: [
            { AttributeName: 'birthdayKey', KeyType: 'HASH' },
            { AttributeName: 'birthdayOffset', KeyType: 'RANGE' },
          ],
        }),
      ]),
    });
  });

  it('keeps the identity lookup in its own encrypted, recoverable table', () => {
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'identity', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });
});

describe('the signup API', () => {
  it('routes POST /signups to the signup function on Node.js 22, arm64', () => {
    api.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /signups' });
    api.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          CUSTOMERS_TABLE: Match.anyValue(),
          IDENTITIES_TABLE: Match.anyValue(),
        }),
      },
    });
    expect(api.toJSON().Resources).toSatisfy(
      (resources: Record<string, { Metadata?: Record<string, string> }>) =>
        Object.values(resources).some(
          (r) => r.Metadata?.['precis:entry'] === 'functions/signup-api/handler.ts',
        ),
    );
  });

  it('allows CORS only from the configured origins', () => {
    api.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://shop.example', 'https://www.shop.example'],
      }),
    });
  });

  it('throttles the whole API', () => {
    api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('grants the signup function exactly the item reads and writes a signup needs', () => {
    expect(allowedActions(api, 'SignupApiServiceRole')).toEqual([
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      // The identity claim is an update, so a suppression mark on an erased person's address stays;
      // a condition check on the address's items under older pseudonym keys (rotation).
      ['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
      // The pseudonym key of the Identities table.
      ['secretsmanager:GetSecretValue'],
      // The link-signing key: the phone verification page's token.
      ['secretsmanager:GetSecretValue'],
    ]);
  });
});

describe('the profile stream consumer', () => {
  it('reports partial batch failures, bisects, bounds retries and record age, and keeps failures', () => {
    messaging.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 21600,
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('Failures'), 'Arn'] } },
      },
    });
    messaging.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
  });

  it('may only update profiles, read the stream and report failures', () => {
    const statements = allowedActions(messaging, 'ProfileStreamServiceRole');
    expect(statements).toContainEqual(['dynamodb:UpdateItem']);
    expect(statements).toContainEqual(['dynamodb:ListStreams']);
    expect(statements).toContainEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
    ]);
    expect(statements.flat()).not.toContain('dynamodb:PutItem');
    expect(statements.flat()).not.toContain('dynamodb:DeleteItem');
    // Besides DynamoDB and its failure queue, only announcing segment changes (test/infra/scoring.test.ts).
    expect(
      statements
        .flat()
        .every(
          (action) =>
            action.startsWith('dynamodb:') || action.startsWith('sqs:') || action === 'events:PutEvents',
        ),
    ).toBe(true);
  });
});

describe('config', () => {
  it('fails synth naming every bad key', () => {
    const context: Record<string, unknown> = { senderEmail: 'not-an-email', allowedOrigins: 'nope' };
    expect(() => loadConfig((key) => context[key], '/nonexistent')).toThrow(
      /senderEmail.*allowedOrigins|allowedOrigins.*senderEmail/,
    );
  });
});
