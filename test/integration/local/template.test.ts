import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  buildLocalModel,
  type CfnTemplate,
  constructIdOf,
  ensureTables,
  resolveEnvironment,
  TemplateError,
} from '../../../lib/local/template';
import { fixtureTemplates } from '../../fixtures/local/templates';
import { uniquePrefix } from '../../support/runtime';

const byId = <T extends { id: { logicalId: string } }>(items: T[], prefix: string): T => {
  const found = items.find((item) => item.id.logicalId.startsWith(prefix));
  if (!found) throw new Error(`no ${prefix}`);
  return found;
};

describe('local model from the synthesized templates', () => {
  const model = buildLocalModel(fixtureTemplates());

  it('reads tables with keys, GSIs, billing and streams', () => {
    const customers = byId(model.tables, 'Customers');
    expect(customers.baseName).toBe('Customers');
    expect(customers.streamViewType).toBe('NEW_AND_OLD_IMAGES');
    expect(customers.definition).toMatchObject({
      KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(customers.definition.GlobalSecondaryIndexes?.map((gsi) => gsi.IndexName)).toEqual([
      'byBirthday',
      'byNextOrder',
    ]);
    expect(model.tables.map((t) => t.baseName).sort()).toEqual([
      'Customers',
      'Deliveries',
      'Models',
      'Orders',
    ]);
  });

  it('reads only functions with a precis:entry, with timeout and memory', () => {
    expect(model.functions.map((fn) => fn.name).sort()).toEqual([
      'DeliveriesRecorder',
      'EchoFn',
      'ModelsRecorder',
      'OrderPlacedFn',
      'OrdersRecorder',
      'PlannerFn',
      'ProfileRecorder',
      'QueueRecorder',
      'ScheduleRecorder',
    ]);
    expect(byId(model.functions, 'EchoFn')).toMatchObject({
      entry: 'test/fixtures/local/functions/echo-api/handler.ts',
      timeoutSeconds: 10,
      memoryMb: 128,
    });
  });

  it('reads stream mappings across stacks with their retry settings and filters', () => {
    const profile = byId(model.streamMappings, 'ProfileRecorder');
    expect(profile).toMatchObject({
      functionKey: expect.stringMatching(/^PrecisMessaging\/ProfileRecorder/),
      tableKey: expect.stringMatching(/^PrecisData\/Customers/),
      batchSize: 10,
      maxBatchingWindowSeconds: 1,
      maxRetryAttempts: 2,
      bisectOnError: false,
      maxRecordAgeSeconds: -1,
      reportBatchItemFailures: true,
      startingPosition: 'TRIM_HORIZON',
      onFailure: expect.stringMatching(/^AWS::SQS::Queue PrecisMessaging\/StreamFailures/),
    });
    expect(byId(model.streamMappings, 'OrdersRecorder')).toMatchObject({
      bisectOnError: true,
      maxRetryAttempts: 1,
    });
    expect(byId(model.streamMappings, 'DeliveriesRecorder').filters).toEqual([
      { eventName: ['INSERT'], dynamodb: { NewImage: { status: { S: ['queued'] } } } },
    ]);
  });

  it('reads queues with their redrive policy, and queue mappings', () => {
    expect(model.queues.map((q) => q.name).sort()).toEqual([
      'SendDlq',
      'SendQueue',
      'SignupQueue',
      'StreamFailures',
    ]);
    const send = model.queues.find((q) => q.name === 'SendQueue');
    expect(send).toMatchObject({
      fifo: false,
      visibilityTimeoutSeconds: 60,
      redrive: { deadLetterQueueKey: expect.stringMatching(/^PrecisMessaging\/SendDlq/), maxReceiveCount: 2 },
    });
    expect(model.queueMappings).toEqual([
      expect.objectContaining({
        functionKey: expect.stringMatching(/QueueRecorder/),
        queueKey: send?.id.key,
        batchSize: 5,
        reportBatchItemFailures: true,
        maxConcurrency: 2,
        filters: [{ body: { kind: [{ 'anything-but': ['ignore'] }] } }],
      }),
    ]);
  });

  it('reads routes, their auth and the API CORS configuration', () => {
    expect(model.routes.map((r) => `${r.routeKey} ${r.authorizationType}`).sort()).toEqual([
      'ANY /admin/{proxy+} AWS_IAM',
      'GET /customers/export NONE',
      'GET /customers/{id} NONE',
      'POST /signups NONE',
    ]);
    expect(model.apis[0]?.cors).toEqual({
      allowOrigins: ['https://shop.example.com'],
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['content-type', 'x-api-key'],
      exposeHeaders: [],
      allowCredentials: false,
      maxAge: 600,
    });
  });

  it('reads rules, schedules and async invoke settings', () => {
    expect(model.buses.map((bus) => bus.name)).toEqual(['precis']);
    expect(model.rules.map((rule) => rule.name).sort()).toEqual(['CampaignQueuedRule', 'OrderPlacedRule']);
    expect(model.rules.find((rule) => rule.name === 'OrderPlacedRule')).toMatchObject({
      busName: 'precis',
      pattern: { source: ['precis.shop'], 'detail-type': ['OrderPlaced'] },
      targets: [{ kind: 'function', functionKey: expect.stringMatching(/OrderPlacedFn/) }],
    });
    expect(model.rules.find((rule) => rule.name === 'CampaignQueuedRule')?.targets).toEqual([
      {
        kind: 'queue',
        queueKey: expect.stringMatching(/SendQueue/),
        targetId: 'Target0',
        inputPath: '$.detail',
      },
    ]);
    expect(model.schedules.map((s) => [s.name, s.kind, s.expression, s.timezone])).toEqual([
      ['NightlyModel', 'rule', 'cron(0 3 * * ? *)', 'UTC'],
      ['hourly-planner', 'scheduler', 'rate(1 hour)', 'Etc/UTC'],
    ]);
    const [config] = [...model.asyncConfigs.values()];
    expect(config).toEqual({ maxRetryAttempts: 1, maxEventAgeSeconds: 21_600 });
  });

  it("reads SES configuration sets' EventBridge event destinations (what the local SES publishes)", () => {
    const templates: Record<string, CfnTemplate> = {
      Data: {
        Resources: {
          Set: { Type: 'AWS::SES::ConfigurationSet', Properties: { Name: 'precis-campaigns' } },
          ToBus: {
            Type: 'AWS::SES::ConfigurationSetEventDestination',
            Properties: {
              ConfigurationSetName: { Ref: 'Set' },
              EventDestination: {
                Name: 'feedback',
                Enabled: true,
                MatchingEventTypes: ['SEND', 'bounce'],
                EventBridgeDestination: {
                  EventBusArn: {
                    'Fn::Join': [
                      '',
                      [
                        'arn:',
                        { Ref: 'AWS::Partition' },
                        ':events:',
                        { Ref: 'AWS::Region' },
                        ':',
                        { Ref: 'AWS::AccountId' },
                        ':event-bus/default',
                      ],
                    ],
                  },
                },
              },
            },
          },
          Off: {
            Type: 'AWS::SES::ConfigurationSetEventDestination',
            Properties: {
              ConfigurationSetName: 'precis-campaigns',
              EventDestination: { Enabled: false, MatchingEventTypes: ['SEND'], EventBridgeDestination: {} },
            },
          },
        },
      },
    };
    expect(buildLocalModel(templates).sesEventDestinations).toEqual([
      {
        id: { stack: 'Data', logicalId: 'ToBus', key: 'Data/ToBus' },
        configurationSet: 'precis-campaigns',
        eventTypes: ['SEND', 'BOUNCE'],
        busName: 'default',
      },
    ]);
  });

  it('takes the construct id from the CDK path, or from the logical id without one', () => {
    const resource = { Type: 'AWS::DynamoDB::Table', Properties: {}, Metadata: {} };
    expect(
      constructIdOf('X', { ...resource, Metadata: { 'aws:cdk:path': 'PrecisData/Customers/Resource' } }),
    ).toBe('Customers');
    expect(constructIdOf('Customers6955EA0A', resource)).toBe('Customers');
  });
});

describe('environment resolution', () => {
  const template = (variables: Record<string, unknown>): Record<string, CfnTemplate> => ({
    S: {
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { Environment: { Variables: variables } },
          Metadata: { 'precis:entry': 'x.ts', 'aws:cdk:path': 'S/Fn/Resource' },
        },
        Pool: {
          Type: 'AWS::Cognito::UserPool',
          Properties: {},
          Metadata: { 'aws:cdk:path': 'S/Pool/Resource' },
        },
        Table: {
          Type: 'AWS::DynamoDB::Table',
          Properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] },
          Metadata: { 'aws:cdk:path': 'S/Table/Resource' },
        },
      },
    },
  });
  const resolve = (variables: Record<string, unknown>) => {
    const model = buildLocalModel(template(variables));
    return resolveEnvironment(model, model.functions[0] as never, { tablePrefix: 'p_' });
  };

  it('resolves Ref, GetAtt, Join, Select and Sub locally', () => {
    expect(
      resolve({
        TABLE: { Ref: 'Table' },
        ARN: { 'Fn::GetAtt': ['Table', 'Arn'] },
        JOINED: { 'Fn::Join': ['-', ['a', { Ref: 'AWS::Region' }, { Ref: 'AWS::StackName' }]] },
        PICKED: { 'Fn::Select': [1, ['x', { Ref: 'Table' }]] },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax.
        SUBBED: { 'Fn::Sub': 'tbl=${Table} arn=${Table.Arn} ${!Literal}' },
      }),
    ).toEqual({
      TABLE: 'p_Table',
      ARN: 'arn:aws:dynamodb:local:000000000000:table/p_Table',
      JOINED: 'a-local-S',
      PICKED: 'p_Table',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${!Literal} resolves to a literal ${Literal}.
      SUBBED: 'tbl=p_Table arn=arn:aws:dynamodb:local:000000000000:table/p_Table ${Literal}',
    });
  });

  it.each([
    [
      { POOL_ID: { Ref: 'Pool' } },
      /Function Fn \(S\/Fn\): environment variable POOL_ID: Ref of AWS::Cognito::UserPool/,
    ],
    [
      { MISSING: { 'Fn::ImportValue': 'Other:Export' } },
      /environment variable MISSING: Fn::ImportValue Other:Export/,
    ],
    [
      { STREAM: { 'Fn::GetAtt': ['Table', 'StreamArn'] } },
      /environment variable STREAM: Table S\/Table has no stream/,
    ],
    [{ ODD: { 'Fn::If': ['c', 'a', 'b'] } }, /environment variable ODD: unsupported intrinsic Fn::If/],
  ])('fails naming the variable it cannot resolve (%j)', (variables, message) => {
    expect(() => resolve(variables)).toThrow(TemplateError);
    expect(() => resolve(variables)).toThrow(message);
  });

  it('fails when a wired function has no precis:entry', () => {
    const templates = template({});
    const resources = templates.S?.Resources as Record<string, { Metadata: Record<string, unknown> }>;
    delete resources.Fn?.Metadata['precis:entry'];
    (templates.S as CfnTemplate).Resources = {
      ...resources,
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] }, FunctionName: { Ref: 'Fn' } },
      },
    };
    expect(() => buildLocalModel(templates)).toThrow(/function S\/Fn has no Metadata\["precis:entry"\]/);
  });
});

describe('ensureTables', () => {
  const client = new DynamoDBClient({
    endpoint: inject('dynamoEndpoint'),
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  afterAll(() => client.destroy());

  const tableTemplate = (gsi: string): Record<string, CfnTemplate> => ({
    Data: {
      Resources: {
        Things: {
          Type: 'AWS::DynamoDB::Table',
          Metadata: { 'aws:cdk:path': 'Data/Things/Resource' },
          Properties: {
            BillingMode: 'PAY_PER_REQUEST',
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            AttributeDefinitions: [
              { AttributeName: 'pk', AttributeType: 'S' },
              { AttributeName: gsi, AttributeType: 'S' },
            ],
            GlobalSecondaryIndexes: [
              {
                IndexName: gsi,
                KeySchema: [{ AttributeName: gsi, KeyType: 'HASH' }],
                Projection: { ProjectionType: 'ALL' },
              },
            ],
            StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
          },
        },
      },
    },
  });

  it('creates missing tables, keeps existing ones, and refuses ones that drifted from the template', async () => {
    const prefix = uniquePrefix();
    const created = await ensureTables(client, buildLocalModel(tableTemplate('byA')), prefix);
    const [entry] = [...created.values()];
    expect(entry).toMatchObject({
      name: `${prefix}Things`,
      created: true,
      streamArn: expect.stringContaining('/stream/'),
    });
    const { Table } = await client.send(new DescribeTableCommand({ TableName: `${prefix}Things` }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('byA');

    const again = await ensureTables(client, buildLocalModel(tableTemplate('byA')), prefix);
    expect([...again.values()][0]).toMatchObject({ created: false, streamArn: entry?.streamArn });

    await expect(ensureTables(client, buildLocalModel(tableTemplate('byB')), prefix)).rejects.toThrow(
      /global secondary indexes are \[byA\(byA:HASH\)\], template says \[byB\(byB:HASH\)\].*Delete the local data directory/,
    );
  });

  it('switches on, in place, a stream the template added since the table was created (an older data folder)', async () => {
    const prefix = uniquePrefix();
    const withStream = tableTemplate('byA');
    const older = structuredClone(withStream);
    const things = older.Data?.Resources?.Things as { Properties: Record<string, unknown> };
    delete things.Properties.StreamSpecification;
    const before = await ensureTables(client, buildLocalModel(older), prefix);
    expect([...before.values()][0]?.streamArn).toBeUndefined();
    await client.send(
      new PutItemCommand({ TableName: `${prefix}Things`, Item: { pk: { S: 'kept' }, byA: { S: 'a' } } }),
    );

    const after = await ensureTables(client, buildLocalModel(withStream), prefix);
    expect([...after.values()][0]).toMatchObject({
      created: false,
      streamAdded: true,
      streamArn: expect.stringContaining('/stream/'),
    });
    const { Table } = await client.send(new DescribeTableCommand({ TableName: `${prefix}Things` }));
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    const { Item } = await client.send(
      new GetItemCommand({ TableName: `${prefix}Things`, Key: { pk: { S: 'kept' } } }),
    );
    expect(Item?.byA).toEqual({ S: 'a' });
    // A third start finds it as the template says: nothing to do.
    expect(
      [...(await ensureTables(client, buildLocalModel(withStream), prefix)).values()][0]?.streamAdded,
    ).toBeUndefined();
  });
});
