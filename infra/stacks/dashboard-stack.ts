import { spawnSync } from 'node:child_process';
import {
  type CfnElement,
  CfnOutput,
  DockerImage,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  UserPool,
  UserPoolClientIdentityProvider,
} from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import type { PrecisConfig } from '../config';
import { REPO_ROOT } from '../constructs/precis-function';
import { acknowledge, nagAttribute, nagPseudo } from '../nag';
import { configureStage } from './api-stack';

/** The routes the dashboard reads, and nothing else: the same paths the main API has, so the same functions answer. */
export const DASHBOARD_ROUTES = [
  ['/segments', 'segments'],
  ['/segments/{segment}/members', 'segments'],
  ['/segments/{segment}/count', 'segments'],
  ['/segments/{segment}/export', 'segments'],
  ['/customers', 'customers'],
  ['/customers/upcoming', 'customers'],
  ['/customers/{id}', 'customers'],
  ['/campaigns', 'reports'],
  ['/campaigns/{id}/report', 'reports'],
] as const;

export interface DashboardStackProps extends StackProps {
  config: PrecisConfig;
  logRetention: RetentionDays;
  /** The functions behind the dashboard's read routes (they route by path). */
  readers: Record<(typeof DASHBOARD_ROUTES)[number][1], IFunction>;
}

/**
 * The dashboard in AWS, for people: the Vite build of dashboard/ in a private bucket behind
 * CloudFront (Origin Access Control, HTTPS only, a strict CSP), a Cognito user pool of admin-created
 * users (TOTP MFA required) signing in through the managed login with authorization code + PKCE, and
 * a small HTTP API of the dashboard's GET routes behind a JWT authorizer on that pool. The main API
 * keeps IAM on every admin route (machines sign with SigV4); an HTTP API route has one authorizer,
 * hence this second API in front of the same functions.
 */
export class DashboardStack extends Stack {
  readonly api: HttpApi;
  readonly distribution: Distribution;
  readonly userPool: UserPool;

  constructor(scope: Construct, id: string, props: DashboardStackProps) {
    super(scope, id, props);
    const { config } = props;

    // ---- people: the user pool, its managed login and the dashboard's app client ----------------
    this.userPool = new UserPool(this, 'Admins', {
      userPoolName: 'precis-admins',
      // Admins are invited (aws cognito-idp admin-create-user), never signing themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // These people see every customer's profile: a second factor always, by authenticator app
      // (TOTP) only — no SMS (SIM-swap prone, and it would need an SNS role and a spend limit).
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.ESSENTIALS,
      // A handful of logins, recreated with one command: nothing here to keep after the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.userPool,
      'AwsSolutions-COG8',
      'Threat protection needs the Plus feature plan, billed per monthly active user; this pool holds a ' +
        'handful of admin-created users (no self sign-up) with TOTP MFA required, which is the defence ' +
        'against the stolen or guessed passwords threat protection looks for. An operator can switch the plan.',
    );
    const domain = this.userPool.addDomain('Login', {
      cognitoDomain: { domainPrefix: config.dashboard.domain ?? `precis-${this.account}` },
    });

    // ---- the static site ------------------------------------------------------------------------
    const site = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // Build output: rebuilt on every deploy, so it goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    acknowledge(
      site,
      'AwsSolutions-S1',
      'Only build output (the same files for every visitor, no data) is stored here, written by the ' +
        'deployment and read only by CloudFront through Origin Access Control; every data request is ' +
        'logged by the dashboard API.',
    );

    const region = this.region;
    const headers = new ResponseHeadersPolicy(this, 'SiteHeaders', {
      comment: 'Precis dashboard: strict CSP and security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          override: true,
          contentSecurityPolicy: [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            // The dashboard API by its region's execute-api host: naming the API itself would make a
            // cycle (its CORS names this distribution, whose headers would name it).
            `connect-src 'self' https://*.execute-api.${region}.amazonaws.com ${domain.baseUrl()}`,
            // The outbox previews (local runtime only) are sandboxed srcdoc frames.
            "frame-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
          ].join('; '),
        },
        strictTransportSecurity: {
          override: true,
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { override: true, frameOption: HeadersFrameOption.DENY },
        referrerPolicy: { override: true, referrerPolicy: HeadersReferrerPolicy.NO_REFERRER },
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Precis dashboard',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(site),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
    });
    const origin = `https://${this.distribution.distributionDomainName}`;
    for (const [rule, reason] of [
      [
        'AwsSolutions-CFR1',
        'No geo restriction: operators sign in from wherever they work; every data request needs a ' +
          'signed-in admin (Cognito, TOTP MFA) at the dashboard API.',
      ],
      [
        'AwsSolutions-CFR2',
        'No WAF: a web ACL costs a monthly fee plus per rule and per request, to guard static files that ' +
          'hold no data; the data is behind the JWT authorizer of a throttled API.',
      ],
      [
        'AwsSolutions-CFR3',
        'No CloudFront access logs: the site serves the same static files to everyone; the requests ' +
          'that matter (data) are logged by the dashboard API access logs.',
      ],
      [
        'AwsSolutions-CFR4',
        'The default *.cloudfront.net certificate: CloudFront cannot enforce a minimum TLS version ' +
          'without a custom domain and certificate; the viewer protocol policy redirects to HTTPS and ' +
          'modern browsers negotiate TLS 1.2 or 1.3.',
      ],
    ] as const) {
      acknowledge(this.distribution, rule, reason);
    }

    // ---- the dashboard API: GET routes only, every one behind the user pool's JWT ----------------
    const client = this.userPool.addClient('Dashboard', {
      userPoolClientName: 'precis-dashboard',
      // A public client in the browser: no secret; authorization code with PKCE through the managed
      // login only (no password flows on this client).
      generateSecret: false,
      authFlows: {},
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: [`${origin}/`],
        logoutUrls: [`${origin}/`],
      },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(8),
    });
    const api = new HttpApi(this, 'DashboardApi', {
      description: "Precis: the dashboard's reads, for signed-in admins (Cognito JWT)",
      // The dashboard's own origin only; the bearer token is the credential (no cookies).
      corsPreflight: {
        allowOrigins: [origin],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.OPTIONS],
        allowHeaders: ['authorization'],
        // A CSV export's next page (GET /segments/{segment}/export) is named in this header.
        exposeHeaders: ['x-next-cursor'],
        maxAge: Duration.hours(1),
      },
    });
    this.api = api;
    configureStage(api, config, props.logRetention);
    // The access token is the one sent: API Gateway matches its client_id claim to the audience.
    const authorizer = new HttpUserPoolAuthorizer('Admins', this.userPool, { userPoolClients: [client] });
    const integrations = new Map<IFunction, HttpLambdaIntegration>();
    for (const [path, reader] of DASHBOARD_ROUTES) {
      const fn = props.readers[reader];
      const integration = integrations.get(fn) ?? new HttpLambdaIntegration(`${reader}Integration`, fn);
      integrations.set(fn, integration);
      api.addRoutes({ path, methods: [HttpMethod.GET], integration, authorizer });
    }

    // ---- the build and its config ---------------------------------------------------------------
    new BucketDeployment(this, 'SiteDeployment', {
      destinationBucket: site,
      sources: [
        dashboardBuild(),
        Source.jsonData('config.json', {
          apiUrl: api.apiEndpoint,
          auth: {
            domain: domain.baseUrl(),
            clientId: client.userPoolClientId,
            redirectUri: `${origin}/`,
          },
        }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 256,
    });
    acknowledgeDeploymentHandler(this, site);

    new CfnOutput(this, 'DashboardUrl', { value: `${origin}/`, description: 'Open this and sign in' });
    new CfnOutput(this, 'UserPoolId', {
      value: this.userPool.userPoolId,
      description: 'For aws cognito-idp admin-create-user --user-pool-id …',
    });
    new CfnOutput(this, 'DashboardApiUrl', { value: api.apiEndpoint });
  }
}

/**
 * dashboard/ built by Vite at synth time, by the same function `npm start` uses
 * (lib/local/dashboard-build.ts), in a child process (CDK bundling is synchronous). No network, no
 * Docker; a failing build fails the synth. The in-process synth (infra/synth.ts) skips bundling.
 */
function dashboardBuild() {
  return Source.asset(`${REPO_ROOT}dashboard`, {
    bundling: {
      // Never used: the local build below always runs or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
      local: {
        tryBundle(outputDir: string): boolean {
          const script =
            "const { buildDashboard } = await import('./lib/local/dashboard-build.ts');" +
            'await buildDashboard(process.argv[1]);';
          const result = spawnSync(
            process.execPath,
            ['--import', 'tsx', '--input-type=module', '-e', script, outputDir],
            { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
          );
          if (result.status !== 0) {
            throw new Error(`the dashboard build (vite) failed: exit ${result.status ?? result.signal}`);
          }
          return true;
        },
      },
    },
  });
}

/**
 * CDK's own handler of the BucketDeployment (created at the stack's top level): it copies the build
 * from the CDK assets bucket into the site bucket and invalidates the distribution. Each finding on
 * its role is acknowledged by name, so a new one still fails the synth.
 */
function acknowledgeDeploymentHandler(stack: Stack, site: Bucket): void {
  const handler = stack.node.children.find((child) =>
    child.node.id.startsWith('Custom::CDKBucketDeployment'),
  );
  if (!handler) throw new Error('expected the BucketDeployment handler');
  const reason =
    "aws-cdk-lib's own BucketDeployment handler: its AWS managed basic-execution policy and the " +
    'wildcards of its grants (read the CDK assets bucket, write and prune the site bucket, invalidate ' +
    'the distribution, which CloudFront only grants on *) are set by the library.';
  const siteArn = nagAttribute(site.node.defaultChild as CfnElement, 'Arn');
  const pseudo = nagPseudo(stack);
  for (const finding of [
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'AwsSolutions-IAM5[Action::s3:GetObject*]',
    'AwsSolutions-IAM5[Action::s3:GetBucket*]',
    'AwsSolutions-IAM5[Action::s3:List*]',
    'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
    'AwsSolutions-IAM5[Action::s3:Abort*]',
    // The assets bucket is per region: named by the pinned region (config `region`) if there is one,
    // which also fixes the partition.
    `AwsSolutions-IAM5[Resource::arn:${pseudo.partition}:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${pseudo.region}/*]`,
    `AwsSolutions-IAM5[Resource::${siteArn}/*]`,
    'AwsSolutions-IAM5[Resource::*]',
    // Its runtime is pinned by aws-cdk-lib (a Python handler with the AWS CLI layer).
    'AwsSolutions-L1',
  ]) {
    acknowledge(handler, finding, reason);
  }
}
