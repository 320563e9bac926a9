import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidConfigError, loadConfig } from '../../infra/config';
import { buildStacks } from '../../infra/stacks';

// The dashboard in AWS (PrecisDashboard): the static site, the admins' user pool and the dashboard's
// JWT-authorized read API, synthesized without bundling (the Vite build is not run here).

function synthDashboard(context: Record<string, unknown> = {}): { dashboard?: Template; api: Template } {
  const app = new App({ context: { [BUNDLING_STACKS]: [], ...context } });
  const stacks: Stack[] = buildStacks(
    app,
    loadConfig((key) => app.node.tryGetContext(key), '/nonexistent'),
  );
  const byName = new Map(stacks.map((stack) => [stack.stackName, stack]));
  const dashboard = byName.get('PrecisDashboard');
  return {
    ...(dashboard ? { dashboard: Template.fromStack(dashboard) } : {}),
    api: Template.fromStack(byName.get('PrecisApi') as Stack),
  };
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let resources: Resources;
const only = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const logicalId = (type: string): string => {
  const found = only(type);
  expect(found).toHaveLength(1);
  return (found[0] as [string, unknown])[0];
};
/** `https://<the distribution's domain name>` as CloudFormation writes it. */
const distributionOrigin = () => ({
  'Fn::Join': [
    '',
    ['https://', { 'Fn::GetAtt': [logicalId('AWS::CloudFront::Distribution'), 'DomainName'] }],
  ],
});

beforeAll(() => {
  const synthesized = synthDashboard();
  template = synthesized.dashboard as Template;
  resources = template.toJSON().Resources as Resources;
});

describe('the static site', () => {
  it('keeps the build in a private, encrypted bucket that refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    const [, policy] = only('AWS::S3::BucketPolicy')[0] as [string, { Properties: Record<string, unknown> }];
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    // Nobody but this distribution reads it (Origin Access Control: the CloudFront service, for this
    // distribution's ARN only); nothing is granted to everyone.
    const allows = statements.filter((s) => s.Effect === 'Allow');
    const readers = allows.filter((s) => JSON.stringify(s.Action).includes('s3:GetObject'));
    expect(readers).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } },
      }),
    ]);
    expect(JSON.stringify(readers[0]?.Condition)).toContain(logicalId('AWS::CloudFront::Distribution'));
    expect(
      allows.filter((s) => JSON.stringify(s.Principal) === '{"AWS":"*"}' || s.Principal === '*'),
    ).toEqual([]);
  });

  it('serves it through CloudFront with Origin Access Control, redirecting HTTP to HTTPS, index.html at /', () => {
    const oac = logicalId('AWS::CloudFront::OriginAccessControl');
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        Origins: [
          Match.objectLike({
            OriginAccessControlId: { 'Fn::GetAtt': [oac, 'Id'] },
            S3OriginConfig: { OriginAccessIdentity: '' },
          }),
        ],
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          AllowedMethods: ['GET', 'HEAD'],
          ResponseHeadersPolicyId: { Ref: logicalId('AWS::CloudFront::ResponseHeadersPolicy') },
        }),
      }),
    });
  });

  it('sends a strict CSP (scripts from itself only, no framing) that lets the page reach the sign-in', () => {
    const [, policy] = only('AWS::CloudFront::ResponseHeadersPolicy')[0] as [string, { Properties: unknown }];
    const config = (policy.Properties as { ResponseHeadersPolicyConfig: { SecurityHeadersConfig: unknown } })
      .ResponseHeadersPolicyConfig.SecurityHeadersConfig as {
      ContentSecurityPolicy: { ContentSecurityPolicy: unknown };
      StrictTransportSecurity: { AccessControlMaxAgeSec: number };
      FrameOptions: { FrameOption: string };
    };
    const csp = JSON.stringify(config.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    // connect-src: the execute-api host of the region and the user pool's managed-login domain.
    expect(csp).toMatch(/connect-src 'self' https:\/\/\*\.execute-api\./);
    expect(csp).toContain('.auth.');
    expect(csp).toContain(logicalId('AWS::Cognito::UserPoolDomain'));
    expect(config.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(31_536_000);
    expect(config.FrameOptions.FrameOption).toBe('DENY');
  });

  it('deploys the build and a config.json naming the dashboard API and the app client, then invalidates', () => {
    const [, deployment] = only('Custom::CDKBucketDeployment')[0] as [
      string,
      { Properties: Record<string, unknown> },
    ];
    expect(deployment.Properties.SourceObjectKeys).toHaveLength(2);
    const markers = JSON.stringify(deployment.Properties.SourceMarkers);
    expect(markers).toContain(logicalId('AWS::ApiGatewayV2::Api'));
    expect(markers).toContain(logicalId('AWS::Cognito::UserPoolClient'));
    expect(deployment.Properties.DistributionPaths).toEqual(['/*']);
  });
});

describe('the admins and their sign-in', () => {
  it('has no self sign-up, a strong password policy and TOTP MFA required', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 14,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
    });
  });

  it('gives the dashboard a public client (no secret) for the authorization code flow back to the distribution', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      CallbackURLs: [{ 'Fn::Join': ['', ['https://', Match.anyValue(), '/']] }],
      LogoutURLs: [{ 'Fn::Join': ['', ['https://', Match.anyValue(), '/']] }],
      SupportedIdentityProviders: ['COGNITO'],
    });
    const [, client] = only('AWS::Cognito::UserPoolClient')[0] as [
      string,
      { Properties: Record<string, unknown> },
    ];
    expect(JSON.stringify(client.Properties.CallbackURLs)).toContain(
      logicalId('AWS::CloudFront::Distribution'),
    );
    // No password flows on this client: only the managed login (and refreshing its tokens).
    expect(client.Properties.ExplicitAuthFlows ?? ['ALLOW_REFRESH_TOKEN_AUTH']).toEqual([
      'ALLOW_REFRESH_TOKEN_AUTH',
    ]);
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
  });
});

describe('the dashboard API', () => {
  it('has only the dashboard GET routes, every one behind the user pool JWT authorizer', () => {
    const authorizer = logicalId('AWS::ApiGatewayV2::Authorizer');
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: logicalId('AWS::Cognito::UserPoolClient') }],
        Issuer: {
          'Fn::Join': [
            '',
            [
              'https://cognito-idp.',
              { Ref: 'AWS::Region' },
              '.amazonaws.com/',
              { Ref: logicalId('AWS::Cognito::UserPool') },
            ],
          ],
        },
      },
    });
    const routes = only('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties);
    expect(routes.map((route) => route.RouteKey).sort()).toEqual([
      'GET /campaigns',
      'GET /campaigns/{id}/report',
      'GET /customers',
      'GET /customers/upcoming',
      'GET /customers/{id}',
      'GET /segments',
      'GET /segments/{segment}/count',
      'GET /segments/{segment}/export',
      'GET /segments/{segment}/members',
    ]);
    for (const route of routes) {
      expect(route).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizer } });
    }
  });

  it('answers with the same functions as the main API (no copy of them), which keeps them IAM-only there', () => {
    // No function of its own: only CDK's handlers (copying the build, emptying the bucket on delete).
    expect(only('AWS::Lambda::Function').map(([id]) => id.replace(/[0-9A-F]{8,}.*$/, ''))).toEqual([
      'CustomS3AutoDeleteObjectsCustomResourceProviderHandler',
      'CustomCDKBucketDeployment',
    ]);
    const uris = only('AWS::ApiGatewayV2::Integration').map(([, i]) =>
      JSON.stringify(i.Properties.IntegrationUri),
    );
    expect(uris).toHaveLength(3);
    for (const uri of uris) expect(uri).toContain('Fn::ImportValue');
    expect(uris.filter((uri) => /CustomersApi/.test(uri))).toHaveLength(1);
    expect(uris.filter((uri) => /SegmentsApi/.test(uri))).toHaveLength(1);
    expect(uris.filter((uri) => /CampaignReports/.test(uri))).toHaveLength(1);
  });

  it('allows CORS from the distribution only, for GET with an Authorization header', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: [distributionOrigin()],
        AllowMethods: ['GET', 'OPTIONS'],
        AllowHeaders: ['authorization'],
        MaxAge: 3600,
      },
    });
  });

  it('is throttled and writes an access log line per request, like the main API', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DashboardApiAccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('routeKey'),
      },
    });
  });
});

describe('config', () => {
  it('names the managed-login domain prefix, by default after the account', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['precis-', { Ref: 'AWS::AccountId' }]] },
    });
    const named = synthDashboard({ dashboard: '{"domain":"acme-precis-admin"}' }).dashboard;
    named?.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-precis-admin' });
    expect(() =>
      loadConfig((key) => (key === 'dashboard' ? '{"domain":"My_Domain"}' : undefined), '/nonexistent'),
    ).toThrow(InvalidConfigError);
    expect(() =>
      loadConfig((key) => (key === 'dashboard' ? '{"domain":"aws-admin"}' : undefined), '/nonexistent'),
    ).toThrow(/dashboard\.domain/);
  });

  it('leaves the stack out when disabled; the main API keeps IAM on the admin reads either way', () => {
    const { dashboard, api } = synthDashboard({ dashboard: '{"enabled":false}' });
    expect(dashboard).toBeUndefined();
    for (const key of ['GET /segments', 'GET /customers', 'GET /customers/{id}', 'GET /customers/upcoming']) {
      api.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key, AuthorizationType: 'AWS_IAM' });
    }
  });
});
