import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOn, functionId, grants, synthStacks } from './support';

let data: Template;
let api: Template;
let messaging: Template;

beforeAll(() => {
  ({ data, api, messaging } = synthStacks());
});

const entryOf = (template: Template, entry: string) => functionId(template, entry);

describe('the Surveys table', () => {
  it('is keyed by customer and answer, streamed with both images, encrypted, recoverable and retained', () => {
    data.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'customerId', KeyType: 'HASH' },
          { AttributeName: 'surveyKey', KeyType: 'RANGE' },
        ],
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
});

describe('the survey and customer routes', () => {
  it.each([
    'POST /surveys',
    'GET /customers',
    'GET /customers/upcoming',
    'GET /customers/{id}',
    'GET /customers/{id}/export',
    'DELETE /customers/{id}',
  ])('routes %s with IAM authorization only', (routeKey) => {
    api.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey,
      AuthorizationType: 'AWS_IAM',
    });
  });

  it('leaves only the signup form, its thank-you page, the consent and survey pages (signed links) and the phone code form public', () => {
    const routes = Object.values(api.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => `${r.Properties.RouteKey} ${r.Properties.AuthorizationType ?? 'NONE'}`,
    );
    expect(routes.filter((r) => !r.endsWith('AWS_IAM')).sort()).toEqual([
      'GET /confirm NONE',
      'GET /manage NONE',
      'GET /manage/export NONE',
      'GET /manage/link NONE',
      'GET /survey NONE',
      'GET /thanks NONE',
      'GET /unsubscribe NONE',
      'GET /verify-phone NONE',
      'POST /manage NONE',
      'POST /manage/link NONE',
      'POST /signups NONE',
      'POST /survey NONE',
      'POST /unsubscribe NONE',
      'POST /verify-phone NONE',
    ]);
  });

  it('runs the surveys and customers handlers from their functions/ folders', () => {
    expect(entryOf(api, 'functions/surveys-api/handler.ts')).toBeDefined();
    expect(entryOf(api, 'functions/customers-api/handler.ts')).toBeDefined();
  });

  it('lets the surveys API look customers up and store answers, nothing more', () => {
    expect(grants(api, 'SurveysApiServiceRole').map((g) => g.actions)).toEqual([
      ['dynamodb:GetItem'],
      ['dynamodb:GetItem'],
      // The pseudonym key the Identities table is keyed with.
      ['secretsmanager:GetSecretValue'],
      ['dynamodb:GetItem', 'dynamodb:PutItem'],
    ]);
    expect(actionsOn(api, 'SurveysApiServiceRole', 'Customers')).toEqual(['dynamodb:GetItem']);
    expect(actionsOn(api, 'SurveysApiServiceRole', 'Identities')).toEqual(['dynamodb:GetItem']);
    expect(actionsOn(api, 'SurveysApiServiceRole', 'Surveys')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
  });

  it('lets the survey page read a profile and store answers as POST /surveys does, nothing more', () => {
    expect(entryOf(api, 'functions/survey-page/handler.ts')).toBeDefined();
    expect(actionsOn(api, 'SurveyPageServiceRole', 'Customers')).toEqual(['dynamodb:GetItem']);
    expect(actionsOn(api, 'SurveyPageServiceRole', 'Surveys')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    const all = grants(api, 'SurveyPageServiceRole').flatMap((g) => g.actions);
    // … and GetSecretValue on the link-signing key (test/infra/link-signing.test.ts).
    expect(all.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    expect(all.filter((a) => !a.startsWith('dynamodb:'))).toEqual(['secretsmanager:GetSecretValue']);
  });

  it('lets the customers API read (message history included), export and erase, but never delete items or scan', () => {
    const role = 'CustomersApiServiceRole';
    expect(actionsOn(api, role, 'Customers')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(actionsOn(api, role, 'Identities')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(actionsOn(api, role, 'Orders')).toEqual(['dynamodb:Query']);
    expect(actionsOn(api, role, 'Surveys')).toEqual(['dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(actionsOn(api, role, 'Deliveries')).toEqual(['dynamodb:Query']);
    const all = grants(api, role).flatMap((g) => g.actions);
    // … and GetSecretValue on the pseudonym key of the Identities table.
    expect(all).toHaveLength(10);
    expect(all.filter((a) => a.startsWith('secretsmanager:'))).toEqual(['secretsmanager:GetSecretValue']);
    expect(all).not.toContain('dynamodb:DeleteItem');
    expect(all).not.toContain('dynamodb:Scan');
    expect(all).not.toContain('dynamodb:PutItem');
  });
});

describe('GET /customers/upcoming and GET /customers?phone=', () => {
  it('may Query the byBirthday, byNextOrder and byPhone indexes, never the Customers table itself', () => {
    const queries = grants(api, 'CustomersApiServiceRole').filter(
      (g) => g.actions.includes('dynamodb:Query') && g.resources.includes('GetAttCustomers'),
    );
    expect(queries).toHaveLength(1);
    const resources = JSON.parse(queries[0]!.resources) as unknown[];
    expect(resources).toEqual([
      { 'Fn::Join': ['', [expect.anything(), '/index/byBirthday']] },
      { 'Fn::Join': ['', [expect.anything(), '/index/byNextOrder']] },
      { 'Fn::Join': ['', [expect.anything(), '/index/byPhone']] },
    ]);
    expect(queries[0]!.actions).toEqual(['dynamodb:Query']);
  });
});

describe('the surveys stream consumer', () => {
  it('consumes the Surveys stream with partial batch responses, bisection, bounded retries and a failure queue', () => {
    const logicalId = entryOf(messaging, 'functions/surveys-stream/handler.ts');
    expect(logicalId).toBeDefined();
    messaging.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId },
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('Surveys') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 21600,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('SurveysStreamConsumerFailures'), 'Arn'] },
        },
      },
    });
  });

  it('may read profiles and survey histories and write the satisfaction, nothing more', () => {
    const role = 'SurveysStreamServiceRole';
    expect(actionsOn(messaging, role, 'Customers')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(actionsOn(messaging, role, 'Surveys')).toEqual(['dynamodb:Query', 'dynamodb:UpdateItem']);
    const streamReads = grants(messaging, role).filter((g) => /Surveys.*StreamArn/.test(g.resources));
    expect(streamReads.flatMap((g) => g.actions).sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
    ]);
    const all = grants(messaging, role).flatMap((g) => g.actions);
    expect(all).not.toContain('dynamodb:PutItem');
    expect(all).not.toContain('dynamodb:DeleteItem');
    expect(all.every((action) => action.startsWith('dynamodb:') || action.startsWith('sqs:'))).toBe(true);
  });
});

describe('links and the thank-you page', () => {
  const envOf = (stack: Template, entry: string) =>
    Object.values(stack.findResources('AWS::Lambda::Function')).find((fn) =>
      JSON.stringify(fn).includes(entry),
    )?.Properties.Environment.Variables as Record<string, unknown>;

  it('point at the HTTP API’s own URL unless a public base URL is configured', () => {
    const env = envOf(api, 'consent-api');
    expect(JSON.stringify(env?.PUBLIC_BASE_URL)).toContain('ApiEndpoint');
    const signup = envOf(api, 'signup-api');
    expect(JSON.stringify(signup?.THANK_YOU_URL)).toContain('/thanks');
  });
});
