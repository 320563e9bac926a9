import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config';
import { PROFILE_STREAM_FILTERS } from '../../lib/config/stream-filters';
import { actionsOn, allActions, functionId, grants, synthStacks } from './support';

// The scoring side of the deployment: the Models table, the next-order index, the nightly refit
// and its schedule, the segment routes, and exactly what each function may do.

let data: Template;
let api: Template;
let messaging: Template;

beforeAll(() => {
  ({ data, api, messaging } = synthStacks());
});

describe('the Models table', () => {
  it('is keyed by model id and version number, on demand, encrypted, recoverable and retained', () => {
    data.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'modelId', KeyType: 'HASH' },
          { AttributeName: 'version', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'modelId', AttributeType: 'S' },
          { AttributeName: 'version', AttributeType: 'N' },
        ]),
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
    });
  });
});

describe('the next-order index', () => {
  it('is a sparse keys-only GSI on Customers: local date of the next order, UTC offset as sort key', () => {
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: 'byNextOrder',
          KeySchema: [
            { AttributeName: 'nextOrderKey', KeyType: 'HASH' },
            { AttributeName: 'nextOrderOffset', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ]),
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'nextOrderKey', AttributeType: 'S' },
        { AttributeName: 'nextOrderOffset', AttributeType: 'N' },
      ]),
    });
  });
});

describe('the nightly refit', () => {
  it('runs at 03:00 UTC every day on EventBridge Scheduler, as of its scheduled time, with a retry', () => {
    const refit = functionId(messaging, 'functions/model-refit/handler.ts');
    messaging.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [refit, 'Arn'] },
        Input: '{"time":"<aws.scheduler.scheduled-time>"}',
        RetryPolicy: { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 21600 },
      }),
    });
  });

  it('also runs when an operator asks (ModelRefitRequested from Precis on the app bus)', () => {
    const refit = functionId(messaging, 'functions/model-refit/handler.ts');
    messaging.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { 'Fn::ImportValue': Match.stringLikeRegexp('Bus') },
      EventPattern: { source: ['precis'], 'detail-type': ['ModelRefitRequested'] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [refit, 'Arn'] } })],
    });
  });

  it('has 15 minutes and 2 GB, the scoring config, and a failure queue', () => {
    const refit = functionId(messaging, 'functions/model-refit/handler.ts');
    messaging.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 900,
      MemorySize: 2048,
      Environment: {
        Variables: Match.objectLike({
          CUSTOMERS_TABLE: Match.anyValue(),
          MODELS_TABLE: Match.anyValue(),
          RULE_SEGMENTS: Match.stringLikeRegexp('"id":"cat-lovers"'),
          SCORING_CONFIG: Match.stringLikeRegexp('"horizonMonths":12'),
        }),
      },
    });
    messaging.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: refit },
      MaximumRetryAttempts: 1,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('ModelRefitFailures'), 'Arn'] } },
      },
    });
  });

  it('may scan and update customers, read and write models, query order histories and ask for itself on the bus, nothing else', () => {
    expect(actionsOn(messaging, 'ModelRefitServiceRole', 'Customers')).toEqual([
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
    ]);
    expect(actionsOn(messaging, 'ModelRefitServiceRole', 'Models')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    // The order histories of a sample of buyers, for the model choice by time split (read only).
    expect(actionsOn(messaging, 'ModelRefitServiceRole', 'Orders')).toEqual(['dynamodb:Query']);
    expect(allActions(messaging, 'ModelRefitServiceRole')).toEqual([
      'dynamodb:BatchWriteItem', // SegmentMembers, only when asked to reindex
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'events:PutEvents', // POST /model/refit: ModelRefitRequested on the app bus
      'sqs:GetQueueAttributes', // its own failure queue
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
  });
});

describe('the stream consumers that score', () => {
  it('the profile stream may read the model, put events on the app bus and write segment members only', () => {
    expect(actionsOn(messaging, 'ProfileStreamServiceRole', 'Models')).toEqual(['dynamodb:GetItem']);
    expect(actionsOn(messaging, 'ProfileStreamServiceRole', 'SegmentMembers')).toEqual([
      'dynamodb:BatchWriteItem',
    ]);
    const puts = grants(messaging, 'ProfileStreamServiceRole').filter((g) =>
      g.actions.includes('events:PutEvents'),
    );
    expect(puts).toEqual([
      {
        actions: ['events:PutEvents'],
        resources: expect.stringMatching(/^\{"Fn::ImportValue":"PrecisData:\S+Bus\S+Arn\S+"\}$/),
      },
    ]);
    messaging.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'profile-stream',
          EVENT_BUS_NAME: { 'Fn::ImportValue': Match.stringLikeRegexp('Bus') },
          MODELS_TABLE: Match.anyValue(),
        }),
      },
    });
  });

  it('the profile stream wakes for facts and segment changes only (FilterCriteria on the change a write stored)', () => {
    const fn = functionId(messaging, 'functions/profile-stream/handler.ts');
    const mapping = Object.values(
      messaging.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { FunctionName: { Ref: fn } },
      }),
    )[0] as { Properties: { FilterCriteria: { Filters: { Pattern: string }[] } } };
    expect(mapping.Properties.FilterCriteria.Filters.map((f) => JSON.parse(f.Pattern))).toEqual(
      PROFILE_STREAM_FILTERS,
    );
  });

  it('the orders stream may also read the model, and nothing new besides', () => {
    expect(actionsOn(messaging, 'OrdersStreamServiceRole', 'Models')).toEqual(['dynamodb:GetItem']);
    expect(actionsOn(messaging, 'OrdersStreamServiceRole', 'Customers')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
    ]);
    expect(allActions(messaging, 'OrdersStreamServiceRole')).not.toContain('events:PutEvents');
  });

  it('no function other than the refit may scan the customers', () => {
    for (const template of [api, messaging]) {
      const policies = template.findResources('AWS::IAM::Policy');
      for (const [id, policy] of Object.entries(policies)) {
        const actions = (
          policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]
        ).flatMap((s) => [s.Action].flat());
        if (actions.includes('dynamodb:Scan')) expect(id).toMatch(/^ModelRefit/);
      }
    }
  });
});

describe('the segment and refit routes, each with its owner', () => {
  const integrationOf = (template: Template, routeKey: string): string => {
    const routes = template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } });
    const [route] = Object.values(routes) as { Properties: { AuthorizationType: string; Target: unknown } }[];
    expect(route?.Properties.AuthorizationType).toBe('AWS_IAM');
    return JSON.stringify(route?.Properties.Target);
  };

  it("routes GET /segments and a segment's members, count and export to the segments function, which only reads", () => {
    integrationOf(api, 'GET /segments');
    integrationOf(api, 'GET /segments/{segment}/members');
    integrationOf(api, 'GET /segments/{segment}/count');
    integrationOf(api, 'GET /segments/{segment}/export');
    expect(functionId(api, 'functions/segments-api/handler.ts')).toBeDefined();
    expect(actionsOn(api, 'SegmentsApiServiceRole', 'Models')).toEqual(['dynamodb:GetItem']);
    // A segment's own partitions (Query, never a Scan), then its members' profiles by key.
    expect(actionsOn(api, 'SegmentsApiServiceRole', 'SegmentMembers')).toEqual(['dynamodb:Query']);
    expect(actionsOn(api, 'SegmentsApiServiceRole', 'Customers')).toEqual(['dynamodb:BatchGetItem']);
    expect(allActions(api, 'SegmentsApiServiceRole')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
  });

  it('routes POST /model/refit to the refit function, which may put its request on the app bus', () => {
    const refit = functionId(messaging, 'functions/model-refit/handler.ts');
    const target = integrationOf(messaging, 'POST /model/refit');
    const integrations = messaging.findResources('AWS::ApiGatewayV2::Integration');
    const [integrationId] = Object.keys(integrations).filter((id) => target.includes(id));
    expect(JSON.stringify(integrations[integrationId as string])).toContain(refit);
    expect(allActions(messaging, 'ModelRefitServiceRole')).toContain('events:PutEvents');
  });
});

describe('config', () => {
  it('validates rule segments at synth, naming the bad node', () => {
    const context: Record<string, unknown> = {
      ruleSegments: JSON.stringify([
        { id: 'x', name: 'X', rule: { all: [{ field: 'ltv.pAlive', op: 'gt', value: 'high' }] } },
      ]),
    };
    expect(() => loadConfig((key) => context[key], '/nonexistent')).toThrow(
      /ruleSegments\.0\.rule\.all\.0\.value/,
    );
  });

  it('takes scoring settings as JSON and refuses unknown keys', () => {
    const good = loadConfig((key) => ({ scoring: '{"ltv":{"horizonMonths":24}}' })[key], '/nonexistent');
    expect(good.scoring.ltv.horizonMonths).toBe(24);
    expect(good.scoring.lifecycle.lapsedAfterDays).toBe(365);
    expect(() => loadConfig((key) => ({ scoring: '{"ltv":{"months":24}}' })[key], '/nonexistent')).toThrow(
      /scoring\.ltv/,
    );
  });
});

describe('indexShards', () => {
  it('reaches every function that writes the day-keyed index keys and every one that reads them, the same number', () => {
    const sharded = synthStacks({ indexShards: '8' });
    const shardsOf = (template: Template, entry: string) => {
      const id = functionId(template, entry);
      const fn = template.toJSON().Resources[id] as {
        Properties: { Environment: { Variables: Record<string, unknown> } };
      };
      return fn.Properties.Environment.Variables.INDEX_SHARDS;
    };
    for (const entry of [
      'functions/orders-stream/handler.ts',
      'functions/profile-stream/handler.ts',
      'functions/model-refit/handler.ts',
      'functions/campaign-planner/handler.ts',
    ]) {
      expect(shardsOf(sharded.messaging, entry), entry).toBe('8');
      expect(shardsOf(messaging, entry), entry).toBe('1');
    }
    expect(shardsOf(sharded.api, 'functions/customers-api/handler.ts')).toBe('8');
  });

  it('is a whole number from 1 to 1,000, refused by name otherwise', () => {
    for (const bad of ['0', '1001', '2.5']) {
      expect(() => loadConfig((key) => (key === 'indexShards' ? bad : undefined), '/nonexistent')).toThrow(
        /indexShards/,
      );
    }
  });
});
