import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CachePolicy, OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../infra/config';
import { REPO_ROOT } from '../../infra/constructs/precis-function';
import { buildStacks } from '../../infra/stacks';
import { isPublicPath, PUBLIC_PATHS } from '../../infra/stacks/edge-stack';
import { ENV, ORIGIN_VERIFY_HEADER } from '../../lib/config/env-names';
import { functionId, grants, synthStacks } from './support';

// Issue 10 item 6, deployed: config `publicEdge` puts CloudFront with a WAF web ACL (us-east-1) in
// front of the HTTP API, limiting the public routes per client address; the public functions refuse
// requests that did not come through it. Two synths in all: the edge on (templates and cdk-nag),
// and the default (off: nothing of it).

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

let stacks: Record<string, Stack>;
let acl: Template;
let api: Template;
let messaging: Template;
let findings: string[];

beforeAll(() => {
  // With cdk.json's feature flags, as `npx cdk synth` runs (a known region also fixes the partition).
  const { context } = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: object };
  const app = new App({
    context: {
      ...context,
      [BUNDLING_STACKS]: [],
      publicEdge: JSON.stringify({ enabled: true, rateLimitPer5Minutes: 250 }),
      region: 'eu-west-2',
    },
  });
  const built = buildStacks(
    app,
    loadConfig((key) => app.node.tryGetContext(key), '/nonexistent'),
  );
  stacks = Object.fromEntries(built.map((stack) => [stack.stackName, stack]));
  acl = Template.fromStack(stacks.PrecisEdgeAcl as Stack);
  api = Template.fromStack(stacks.PrecisApi as Stack);
  messaging = Template.fromStack(stacks.PrecisMessaging as Stack);
  const { violations } = new AwsSolutionsChecks().validateScope(app);
  findings = violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
  );
});

const only = (template: Template, type: string) => {
  const found = Object.entries(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0] as [string, { Properties: Record<string, unknown> }];
};
const envOf = (template: Template, entry: string): Record<string, unknown> => {
  const fn = (template.toJSON().Resources as Resources)[functionId(template, entry)];
  const environment = fn?.Properties?.Environment as { Variables: Record<string, unknown> } | undefined;
  return environment?.Variables ?? {};
};

describe('the web ACL (PrecisEdgeAcl)', () => {
  it('is of scope CLOUDFRONT, in us-east-1; the other stacks are pinned to the configured region', () => {
    expect(stacks.PrecisEdgeAcl?.region).toBe('us-east-1');
    for (const name of ['PrecisData', 'PrecisApi', 'PrecisMessaging', 'PrecisOperations'])
      expect(stacks[name]?.region).toBe('eu-west-2');
    const [, webAcl] = only(acl, 'AWS::WAFv2::WebACL');
    expect(webAcl.Properties).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
  });

  it('limits each client IP address to the configured requests per 5 minutes on the public routes, 429 beyond', () => {
    const [, webAcl] = only(acl, 'AWS::WAFv2::WebACL');
    const rules = webAcl.Properties.Rules as unknown as {
      Name: string;
      Priority: number;
      [key: string]: unknown;
    }[];
    const rate = rules.find((rule) => rule.Name === 'PublicRoutesPerAddress');
    expect(rate).toMatchObject({
      Action: { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'rateLimited' } } },
      Statement: {
        RateBasedStatement: {
          AggregateKeyType: 'IP',
          Limit: 250,
          EvaluationWindowSec: 300,
          ScopeDownStatement: {
            OrStatement: {
              Statements: PUBLIC_PATHS.map((path) => ({
                ByteMatchStatement: {
                  FieldToMatch: { UriPath: {} },
                  PositionalConstraint: 'STARTS_WITH',
                  SearchString: path,
                  TextTransformations: [{ Priority: 0, Type: 'NONE' }],
                },
              })),
            },
          },
        },
      },
    });
    expect(webAcl.Properties.CustomResponseBodies).toEqual({
      rateLimited: { ContentType: 'APPLICATION_JSON', Content: '{"error":"rate_limited"}' },
    });
    // The managed rule groups by default: IP reputation (before the count), known bad inputs.
    expect(rules.map((rule) => [rule.Priority, rule.Name])).toEqual([
      [0, 'AWSManagedRulesAmazonIpReputationList'],
      [1, 'PublicRoutesPerAddress'],
      [11, 'AWSManagedRulesKnownBadInputsRuleSet'],
    ]);
  });

  it('covers every route the API serves without credentials', () => {
    const routes = Object.values(api.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties as { RouteKey: string; AuthorizationType?: string },
    );
    const open = routes.filter((route) => route.AuthorizationType !== 'AWS_IAM');
    expect(open.length).toBeGreaterThanOrEqual(12);
    for (const { RouteKey } of open) expect(isPublicPath(RouteKey.split(' ')[1] as string)).toBe(true);
    expect(isPublicPath('/customers')).toBe(false);
    expect(isPublicPath('/signupsx')).toBe(false);
  });
});

describe('the distribution in front of the API (PrecisApi)', () => {
  it('forwards everything but Host to the execute-api host over HTTPS, caches nothing, has the web ACL', () => {
    const [, distribution] = only(api, 'AWS::CloudFront::Distribution');
    const config = distribution.Properties.DistributionConfig as Record<string, unknown>;
    expect(config).toMatchObject({
      DefaultCacheBehavior: {
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        CachePolicyId: CachePolicy.CACHING_DISABLED.cachePolicyId,
        OriginRequestPolicyId: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
        ViewerProtocolPolicy: 'https-only',
      },
      Origins: [
        {
          DomainName: {
            'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [expect.any(String), 'ApiEndpoint'] }] }],
          },
          CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
        },
      ],
    });
    // The web ACL's ARN, read in this region from what PrecisEdgeAcl wrote (cross-region reference).
    const webAclId = JSON.stringify(config.WebACLId);
    expect(webAclId).toContain('ExportsReader');
    expect(webAclId).toContain('PrecisEdgeAcl');
    expect(api.findResources('Custom::CrossRegionExportReader')).not.toEqual({});
    expect(acl.findResources('Custom::CrossRegionExportWriter')).not.toEqual({});
  });

  it('sends a generated secret in the origin header, by dynamic reference: never a literal', () => {
    const [secretId, secret] = only(api, 'AWS::SecretsManager::Secret');
    expect(secret.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 48 });
    const [, distribution] = only(api, 'AWS::CloudFront::Distribution');
    const origin = (
      distribution.Properties.DistributionConfig as { Origins: { OriginCustomHeaders: unknown }[] }
    ).Origins[0];
    expect(origin?.OriginCustomHeaders).toEqual([
      {
        HeaderName: ORIGIN_VERIFY_HEADER,
        HeaderValue: {
          'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']],
        },
      },
    ]);
  });

  it('has the public functions check that header (its secret readable by them only); admin functions do not', () => {
    const [secretId] = only(api, 'AWS::SecretsManager::Secret');
    for (const [entry, role] of [
      ['functions/signup-api/handler.ts', 'SignupApi'],
      ['functions/consent-api/handler.ts', 'ConsentApi'],
      ['functions/survey-page/handler.ts', 'SurveyPage'],
    ] as const) {
      expect(envOf(api, entry)[ENV.edgeOriginSecret]).toEqual({ Ref: secretId });
      expect(grants(api, role)).toContainEqual(
        expect.objectContaining({ resources: JSON.stringify({ Ref: secretId }) }),
      );
    }
    for (const entry of ['functions/orders-api/handler.ts', 'functions/customers-api/handler.ts'])
      expect(envOf(api, entry)[ENV.edgeOriginSecret]).toBeUndefined();
  });

  it('makes the distribution the base URL of links and of the thank-you page, and outputs it', () => {
    const [distributionId] = only(api, 'AWS::CloudFront::Distribution');
    const url = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] };
    expect(envOf(api, 'functions/consent-api/handler.ts')[ENV.publicBaseUrl]).toEqual(url);
    expect(JSON.stringify(envOf(api, 'functions/signup-api/handler.ts')[ENV.thankYouUrl])).toContain(
      `"Fn::GetAtt":["${distributionId}","DomainName"]`,
    );
    // The sender (another stack) gets the same URL by cross-stack reference.
    expect(
      JSON.stringify(envOf(messaging, 'functions/message-sender/handler.ts')[ENV.publicBaseUrl]),
    ).toContain(`PrecisApi:ExportsOutputFnGetAttPublicEdgeDistribution`);
    expect(api.toJSON().Outputs.PublicEdgeUrl.Value).toEqual(url);
  });

  it('leaves cdk-nag with nothing unacknowledged', () => {
    expect(findings).toEqual([]);
  });
});

describe('with the edge off (the default)', () => {
  it('builds no web ACL, no distribution, no origin check; links point at the API; stacks stay region-agnostic', () => {
    const { api: plain, messaging: plainMessaging } = synthStacks();
    expect(plain.findResources('AWS::CloudFront::Distribution')).toEqual({});
    expect(plain.findResources('AWS::SecretsManager::Secret')).toEqual({});
    expect(JSON.stringify(plain.toJSON())).not.toContain(ENV.edgeOriginSecret);
    expect(JSON.stringify(plain.toJSON())).not.toContain('ExportsReader');
    expect(envOf(plain, 'functions/consent-api/handler.ts')[ENV.publicBaseUrl]).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^HttpApi/), 'ApiEndpoint'],
    });
    expect(JSON.stringify(plainMessaging.toJSON())).not.toContain('PublicEdge');
  });

  it('refuses the edge without a region to pin the stacks to, naming the key', () => {
    vi.stubEnv('CDK_DEFAULT_REGION', '');
    const app = new App({ context: { [BUNDLING_STACKS]: [], publicEdge: '{"enabled":true}' } });
    expect(() =>
      buildStacks(
        app,
        loadConfig((key) => app.node.tryGetContext(key), '/nonexistent'),
      ),
    ).toThrow(/publicEdge needs .* set `region`/);
    vi.unstubAllEnvs();
  });
});

describe('the publicEdge config', () => {
  const load = (context: Record<string, string>) => () => loadConfig((key) => context[key], '/nonexistent');
  it('refuses a limit under WAF minimum, an unknown rule group and a malformed region, naming the key', () => {
    expect(load({ publicEdge: '{"enabled":true,"rateLimitPer5Minutes":5}' })).toThrow(
      /publicEdge\.rateLimitPer5Minutes/,
    );
    expect(load({ publicEdge: '{"managedRules":["AWSManagedRulesBotControlRuleSet"]}' })).toThrow(
      /publicEdge\.managedRules\.0/,
    );
    expect(load({ region: 'Ireland' })).toThrow(/region: must be an AWS region/);
    expect(load({})().publicEdge).toEqual({
      enabled: false,
      rateLimitPer5Minutes: 300,
      managedRules: ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesKnownBadInputsRuleSet'],
    });
  });
});
