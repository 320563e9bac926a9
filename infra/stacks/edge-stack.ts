import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { ENV, ORIGIN_VERIFY_HEADER } from '../../lib/config/env-names';
import type { PrecisConfig } from '../config';
import { acknowledge } from '../nag';

// The public edge (config `publicEdge`): CloudFront in front of the HTTP API, with a WAF web ACL
// that limits the public routes per client address. An HTTP API cannot take a web ACL itself; a
// CloudFront one must be created in us-east-1, hence a stack of its own there, referenced from the
// API's stack across regions (CDK's crossRegionReferences: SSM parameters written by a custom
// resource in us-east-1, read by one in the API's region).

/**
 * Path prefixes of the public routes (no credentials: the signup form, the pages behind links in
 * messages, the thank-you page). The rate rule covers exactly these; ApiStack refuses a public
 * route outside them, so a new one cannot slip past the limit.
 */
export const PUBLIC_PATHS = [
  '/signups',
  '/confirm',
  '/unsubscribe',
  '/manage',
  '/verify-phone',
  '/thanks',
  '/survey',
];

export const isPublicPath = (path: string): boolean =>
  PUBLIC_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

/** The region every stack is pinned to when the edge is on: config `region`, else the CLI's. */
export function stackRegion(config: PrecisConfig): string | undefined {
  const region = config.region ?? (config.publicEdge.enabled ? process.env.CDK_DEFAULT_REGION : undefined);
  if (config.publicEdge.enabled && !region)
    throw new Error(
      'publicEdge needs the stacks pinned to a region (its web ACL is referenced from us-east-1): ' +
        'set `region` in the config, or deploy with a profile that has one',
    );
  return region;
}

const RATE_RULE = 'PublicRoutesPerAddress';

export interface EdgeAclStackProps extends StackProps {
  config: PrecisConfig;
}

/** The web ACL of the public edge, scope CLOUDFRONT, in us-east-1. */
export class EdgeAclStack extends Stack {
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: EdgeAclStackProps) {
    super(scope, id, {
      ...props,
      env: { ...props.env, region: 'us-east-1' },
      crossRegionReferences: true,
    });
    const { rateLimitPer5Minutes, managedRules } = props.config.publicEdge;
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const scopeDown: CfnWebACL.StatementProperty = {
      orStatement: {
        statements: PUBLIC_PATHS.map((path) => ({
          byteMatchStatement: {
            fieldToMatch: { uriPath: {} },
            positionalConstraint: 'STARTS_WITH',
            searchString: path,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        })),
      },
    };
    const managed = managedRules.map((name, i) => ({
      name,
      // The IP reputation list first (cheapest, drops known bad addresses before they are counted).
      priority: name === 'AWSManagedRulesAmazonIpReputationList' ? 0 : 10 + i,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(name),
    }));
    const acl = new CfnWebACL(this, 'PublicEdgeAcl', {
      description: 'Precis: per-address rate limit of the public routes, AWS managed rules',
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('PrecisPublicEdge'),
      // The same answer as the local runtime's limiter (lib/local/ip-rate-limit.ts).
      customResponseBodies: {
        rateLimited: { contentType: 'APPLICATION_JSON', content: '{"error":"rate_limited"}' },
      },
      rules: [
        ...managed,
        {
          name: RATE_RULE,
          priority: 1,
          action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: 'rateLimited' } } },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: rateLimitPer5Minutes,
              evaluationWindowSec: 300,
              scopeDownStatement: scopeDown,
            },
          },
          visibilityConfig: visibility(RATE_RULE),
        },
      ].sort((a, b) => a.priority - b.priority),
    });
    this.webAclArn = acl.attrArn;
  }
}

export interface PublicEdgeProps {
  api: IHttpApi;
  webAclArn: string;
}

/**
 * CloudFront in front of the HTTP API: nothing cached, every method, the viewer's headers, query
 * string and cookies forwarded (Host excepted: API Gateway routes by its own), HTTPS only both ways,
 * the web ACL attached, and a secret origin header the public functions check (`grantCheck`).
 */
export class PublicEdge extends Construct {
  readonly distribution: Distribution;
  /** `https://<id>.cloudfront.net`: the public base URL of links unless one is configured. */
  readonly url: string;
  private readonly originSecret: Secret;

  constructor(scope: Construct, id: string, props: PublicEdgeProps) {
    super(scope, id);
    this.originSecret = new Secret(this, 'OriginSecret', {
      description: 'Precis: the header value CloudFront sends to the API; the public functions require it',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    acknowledge(
      this.originSecret,
      'AwsSolutions-SMG4',
      'Not rotated automatically: CloudFront reads the value once per deploy (a dynamic reference), so a ' +
        'rotation would lock the edge out of the API until the next deploy. To change it, put a new value ' +
        'and redeploy; the functions pick it up within 15 minutes.',
    );
    // `https://<api id>.execute-api.<region>.amazonaws.com` → its host.
    const apiHost = Fn.select(2, Fn.split('/', props.api.apiEndpoint));
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Precis public API edge',
      defaultBehavior: {
        origin: new HttpOrigin(apiHost, {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [OriginSslPolicy.TLS_V1_2],
          // A CloudFormation dynamic reference ({{resolve:secretsmanager:…}}), resolved at deploy
          // time: the value is never in the template.
          customHeaders: { [ORIGIN_VERIFY_HEADER]: this.originSecret.secretValue.unsafeUnwrap() },
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      webAclId: props.webAclArn,
    });
    for (const [rule, reason] of [
      [
        'AwsSolutions-CFR1',
        'No geo restriction: customers sign up and follow links from anywhere; the web ACL limits each ' +
          'client address, and SMS consent is limited to the configured countries.',
      ],
      [
        'AwsSolutions-CFR3',
        'No CloudFront access logs: they would store every visitor IP address; every request that reaches ' +
          'the API is in its access log (without addresses), blocked ones in the web ACL metrics and samples.',
      ],
      [
        'AwsSolutions-CFR4',
        'The default *.cloudfront.net certificate: CloudFront cannot enforce a minimum TLS version ' +
          'without a custom domain and certificate; viewers are HTTPS only and the origin is TLS 1.2.',
      ],
    ] as const) {
      acknowledge(this.distribution, rule, reason);
    }
    this.url = `https://${this.distribution.distributionDomainName}`;
    new CfnOutput(Stack.of(this), 'PublicEdgeUrl', {
      description: 'The public API through CloudFront and the WAF: point forms and links here',
      value: this.url,
    });
  }

  /** Makes `fn` refuse requests without the origin header: the secret's ARN in its env, read access to it. */
  guard(fn: LambdaFunction): void {
    fn.addEnvironment(ENV.edgeOriginSecret, this.originSecret.secretArn);
    this.originSecret.grantRead(fn);
  }
}
