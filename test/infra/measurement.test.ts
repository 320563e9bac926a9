import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/config/env-names';
import { actionsOn, allActions, functionId, synthStacks } from './support';

// Campaign measurement's write path in the deployment: the CampaignStats table, the Deliveries
// stream, and its two consumers (funnel on the Deliveries stream, attribution as the Orders
// stream's second consumer) with exactly the actions they need.

let data: Template;
let api: Template;
let messaging: Template;
beforeAll(() => {
  ({ data, api, messaging } = synthStacks());
});

const roleOf = (template: Template, entry: string): string => {
  const fn = template.toJSON().Resources[functionId(template, entry)];
  return fn.Properties.Role['Fn::GetAtt'][0] as string;
};

describe('the CampaignStats table', () => {
  it('has generic pk/sk string keys, on demand, encrypted, recoverable, retained', () => {
    data.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('the Deliveries ledger streams new and old images', () => {
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'customerId', KeyType: 'HASH' },
        { AttributeName: 'deliveryKey', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });
});

describe.each([
  ['functions/delivery-stream/handler.ts', 'Deliveries'],
  ['functions/attribution-stream/handler.ts', 'Orders'],
])('%s', (entry, table) => {
  it(`consumes the ${table} stream with partial batch responses, bisect, bounded retries and a failure queue`, () => {
    messaging.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId(messaging, entry) },
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp(`${table}[0-9A-F]{8}StreamArn`) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('knows the counters table and the operator time zone', () => {
    const fn = messaging.toJSON().Resources[functionId(messaging, entry)];
    expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining([ENV.campaignStatsTable, ENV.defaultTimeZone]),
    );
  });
});

describe('least privilege', () => {
  it('the funnel counter reads and transactionally updates CampaignStats, nothing else in the database', () => {
    const role = roleOf(messaging, 'functions/delivery-stream/handler.ts');
    expect(actionsOn(messaging, role, 'CampaignStats')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    const dynamo = allActions(messaging, role).filter((a) => a.startsWith('dynamodb:'));
    // Besides the stream reads the event source grants.
    expect(dynamo.filter((a) => !/Stream|GetRecords|GetShardIterator/.test(a))).toEqual([
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
    ]);
  });

  it('attribution queries the ledger and writes markers and counters only', () => {
    const role = roleOf(messaging, 'functions/attribution-stream/handler.ts');
    expect(actionsOn(messaging, role, 'Deliveries')).toEqual(['dynamodb:Query']);
    expect(actionsOn(messaging, role, 'CampaignStats')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(actionsOn(messaging, role, 'Orders')).toEqual([]);
    expect(allActions(messaging, role)).not.toContain('dynamodb:Scan');
  });

  it('the consent pages may mark the ledger row of the message whose unsubscribe link was used, and read the ledger for the data download', () => {
    const role = roleOf(api, 'functions/consent-api/handler.ts');
    expect(actionsOn(api, role, 'Deliveries')).toEqual(['dynamodb:Query', 'dynamodb:UpdateItem']);
  });
});

describe('counterShards', () => {
  it('reaches the two functions that write the counters rows and the one that reads them, the same number', () => {
    const sharded = synthStacks({ counterShards: '8' });
    for (const entry of [
      'functions/delivery-stream/handler.ts',
      'functions/attribution-stream/handler.ts',
      'functions/campaign-reports-api/handler.ts',
    ]) {
      const variables = (template: Template) =>
        (
          template.toJSON().Resources[functionId(template, entry)] as {
            Properties: { Environment: { Variables: Record<string, unknown> } };
          }
        ).Properties.Environment.Variables;
      expect(variables(sharded.messaging)[ENV.counterShards], entry).toBe('8');
      expect(variables(messaging)[ENV.counterShards], entry).toBe('1');
    }
  });
});
