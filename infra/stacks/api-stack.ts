import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { type CfnStage, CorsHttpMethod, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { CfnConfigurationSet } from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { ENV } from '../../lib/config/env-names';
import type { PrecisConfig } from '../config';
import { PrecisFunction } from '../constructs/precis-function';
import { acknowledge } from '../nag';
import {
  campaignCatalogEnv,
  grantCampaignCatalog,
  grantLinkSigningKey,
  grantSendEmail,
  linkSigningSecretId,
  publicBaseUrlOf,
} from './campaigns-messaging';
import { isPublicPath, PublicEdge } from './edge-stack';
import { grantIdentities, type IdentityStore } from './identity-grants';

export interface ApiStackProps extends StackProps, IdentityStore {
  config: PrecisConfig;
  logRetention: RetentionDays;
  customers: ITable;
  orders: ITable;
  orderIds: ITable;
  surveys: ITable;
  deliveries: ITable;
  /** Campaigns as data (heads and versions): the manage page lists the campaigns from it. */
  campaigns: ITable;
  models: ITable;
  /** Who is in each segment (the members, count and export routes read it). */
  segmentMembers: ITable;
  bus: IEventBus;
  /** The link-signing key's secret: the consent pages verify the links' tokens with it. */
  linkSigningKey: ISecret;
  /** The SES configuration set: the manage-your-details link is emailed through it. */
  configurationSet: CfnConfigurationSet;
  /** The public edge's web ACL (EdgeAclStack, us-east-1) when `publicEdge` is on: CloudFront in front. */
  webAclArn?: string;
}

/**
 * The HTTP API. Public: `POST /signups` for web forms (CORS for the configured origins only).
 * Admin and ingest routes (orders, customers) are IAM-authenticated: callers sign with SigV4, and
 * the public form's origin can never reach them.
 */
export class ApiStack extends Stack {
  readonly api: HttpApi;
  /** The admin read functions the dashboard API (PrecisDashboard) also routes to. */
  readonly customersApi: PrecisFunction;
  readonly segmentsApi: PrecisFunction;
  /** The campaign admin routes (campaigns as data). */
  readonly campaignsAdmin: PrecisFunction;
  /** CloudFront and the WAF in front of the API, when `publicEdge` is on. */
  readonly edge: PublicEdge | undefined;
  /** Where links in messages and the default thank-you page point: config, else the edge, else the API. */
  readonly publicBaseUrl: string;
  private readonly props: ApiStackProps;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    this.props = props;
    const { config } = props;
    this.api = new HttpApi(this, 'HttpApi', {
      description: 'Precis: signups from web forms, orders and admin',
      corsPreflight: {
        allowOrigins: config.allowedOrigins,
        allowMethods: [CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
        allowHeaders: ['content-type'],
      },
    });
    configureStage(this.api, config, props.logRetention);
    this.edge =
      props.webAclArn === undefined
        ? undefined
        : new PublicEdge(this, 'PublicEdge', { api: this.api, webAclArn: props.webAclArn });
    this.publicBaseUrl = publicBaseUrlOf(config, this.edge?.url ?? this.api.apiEndpoint);

    const signup = this.fn('SignupApi', 'signup-api', {
      [ENV.customersTable]: props.customers.tableName,
      // A plain HTML form is answered 303 to the thank-you page: the operator's, else ours (GET /thanks).
      [ENV.thankYouUrl]: config.thankYouUrl ?? `${this.publicBaseUrl}/thanks`,
      [ENV.smsAllowedCountries]: config.sms.allowedCountries.join(','),
      // Signs the token of the phone verification page a signup that asked for texts is given.
      [ENV.linkSigningSecret]: linkSigningSecretId(props.linkSigningKey),
    });
    // Exactly what a signup does: look up, claim an identity (an update: a suppression mark on an
    // erased person's address stays), create or update the profile.
    props.customers.grant(signup, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    grantIdentities(props, signup, 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem');
    grantLinkSigningKey(props.linkSigningKey, signup);
    this.edge?.guard(signup);
    this.route('/signups', HttpMethod.POST, signup, 'public');

    const orders = this.fn('OrdersApi', 'orders-api', orderEnvironment(props, config));
    grantOrderIngest(orders, props);
    this.route('/orders', HttpMethod.POST, orders, 'iam');

    const surveys = this.fn('SurveysApi', 'surveys-api', {
      [ENV.customersTable]: props.customers.tableName,
      [ENV.surveysTable]: props.surveys.tableName,
    });
    // Find the customer by id or email (never create one); claim the survey id and store the answer
    // in one transaction, reading the claim back on a repeat.
    props.customers.grant(surveys, 'dynamodb:GetItem');
    grantIdentities(props, surveys, 'dynamodb:GetItem');
    props.surveys.grant(surveys, 'dynamodb:GetItem', 'dynamodb:PutItem');
    this.route('/surveys', HttpMethod.POST, surveys, 'iam');

    const customers = this.fn('CustomersApi', 'customers-api', {
      [ENV.customersTable]: props.customers.tableName,
      // GET /customers/upcoming reads every write shard of the day-keyed indexes.
      [ENV.indexShards]: String(config.indexShards),
      [ENV.ordersTable]: props.orders.tableName,
      [ENV.orderIdsTable]: props.orderIds.tableName,
      [ENV.surveysTable]: props.surveys.tableName,
      [ENV.deliveriesTable]: props.deliveries.tableName,
    });
    // Read: the profile by id or email, the order and survey histories. Erase: update the profile,
    // mark its identities erased (suppression), remove survey comments. Nothing is ever deleted whole.
    props.customers.grant(customers, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    grantIdentities(props, customers, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    props.orders.grant(customers, 'dynamodb:Query');
    props.surveys.grant(customers, 'dynamodb:Query', 'dynamodb:UpdateItem');
    props.deliveries.grant(customers, 'dynamodb:Query');
    // The next days' birthdays and repurchase windows, and a customer by phone: Query on the three
    // sparse indexes only (keys), never on the table itself, and no Scan.
    customers.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:Query'],
        resources: [
          `${props.customers.tableArn}/index/byBirthday`,
          `${props.customers.tableArn}/index/byNextOrder`,
          `${props.customers.tableArn}/index/byPhone`,
        ],
      }),
    );
    this.customersApi = customers;
    this.route('/customers', HttpMethod.GET, customers, 'iam');
    this.route('/customers/upcoming', HttpMethod.GET, customers, 'iam');
    this.route('/customers/{id}', HttpMethod.GET, customers, 'iam');
    this.route('/customers/{id}/export', HttpMethod.GET, customers, 'iam');
    this.route('/customers/{id}', HttpMethod.DELETE, customers, 'iam');

    const segments = this.fn('SegmentsApi', 'segments-api', {
      [ENV.modelsTable]: props.models.tableName,
      [ENV.segmentMembersTable]: props.segmentMembers.tableName,
      [ENV.customersTable]: props.customers.tableName,
      // A segment's members are under every write shard of its partition; rule ids name segments.
      [ENV.indexShards]: String(config.indexShards),
      [ENV.ruleSegments]: JSON.stringify(config.ruleSegments),
    });
    // Reads the stored segment summary and model (two items, never the customers); a segment's
    // members from its own partitions (Query, never a Scan) and their profiles by key (BatchGetItem).
    // `POST /model/refit` belongs to the refit function (PrecisMessaging).
    props.models.grant(segments, 'dynamodb:GetItem');
    props.segmentMembers.grant(segments, 'dynamodb:Query');
    props.customers.grant(segments, 'dynamodb:BatchGetItem');
    this.segmentsApi = segments;
    this.route('/segments', HttpMethod.GET, segments, 'iam');
    this.route('/segments/{segment}/members', HttpMethod.GET, segments, 'iam');
    this.route('/segments/{segment}/count', HttpMethod.GET, segments, 'iam');
    this.route('/segments/{segment}/export', HttpMethod.GET, segments, 'iam');

    // Campaigns as data: create, version, pause/resume/archive (GET /campaigns, the list with each
    // campaign's version, status and headline, is the reports function's). Carries liquidjs: every
    // template is parsed and its fields checked at save time.
    const campaignsAdmin = this.fn(
      'CampaignsAdmin',
      'campaigns-admin',
      campaignCatalogEnv(config, props.campaigns),
    );
    // Heads and versions: one Query of the heads, a campaign's versions; conditional puts and updates.
    props.campaigns.grant(
      campaignsAdmin,
      'dynamodb:Query',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    );
    this.campaignsAdmin = campaignsAdmin;
    this.route('/campaigns', HttpMethod.POST, campaignsAdmin, 'iam');
    this.route('/campaigns/apply', HttpMethod.POST, campaignsAdmin, 'iam');
    this.route('/campaigns/{id}', HttpMethod.GET, campaignsAdmin, 'iam');
    this.route('/campaigns/{id}', HttpMethod.PUT, campaignsAdmin, 'iam');
    for (const action of ['pause', 'resume', 'archive']) {
      this.route(`/campaigns/{id}/${action}`, HttpMethod.POST, campaignsAdmin, 'iam');
    }

    // The pages behind the links in our emails (public: the signed token is the authentication):
    // double opt-in confirmation, one-click unsubscribe (RFC 8058), the manage-your-details page
    // (preference centre, data download) and its "email me a link" form; the default thank-you page.
    const consent = this.fn('ConsentApi', 'consent-api', {
      [ENV.customersTable]: props.customers.tableName,
      [ENV.identitiesTable]: props.identities.tableName,
      [ENV.ordersTable]: props.orders.tableName,
      [ENV.orderIdsTable]: props.orderIds.tableName,
      [ENV.surveysTable]: props.surveys.tableName,
      [ENV.linkSigningSecret]: linkSigningSecretId(props.linkSigningKey),
      ...campaignCatalogEnv(config, props.campaigns),
      [ENV.campaignSettings]: JSON.stringify(config.campaignSettings),
      [ENV.deliveriesTable]: props.deliveries.tableName,
      [ENV.publicBaseUrl]: this.publicBaseUrl,
      [ENV.senderEmail]: config.senderEmail,
      [ENV.sesConfigurationSet]: props.configurationSet.ref,
    });
    // Read the profile, write its consent and details (conditional on the version read) and when a
    // manage link was last emailed; mark the ledger row of the message whose unsubscribe link was
    // used (campaign measurement); find a customer by address (the link form); read the person's
    // orders, answers and messages for their data download; email the manage link.
    props.customers.grant(consent, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    grantIdentities(props, consent, 'dynamodb:GetItem');
    props.deliveries.grant(consent, 'dynamodb:UpdateItem', 'dynamodb:Query');
    props.orders.grant(consent, 'dynamodb:Query');
    props.surveys.grant(consent, 'dynamodb:Query');
    grantLinkSigningKey(props.linkSigningKey, consent);
    grantCampaignCatalog(props.campaigns, consent);
    grantSendEmail(consent, config, props.configurationSet.ref);
    this.edge?.guard(consent);
    this.route('/confirm', HttpMethod.GET, consent, 'public');
    this.route('/unsubscribe', HttpMethod.GET, consent, 'public');
    this.route('/unsubscribe', HttpMethod.POST, consent, 'public');
    this.route('/manage', HttpMethod.GET, consent, 'public');
    this.route('/manage', HttpMethod.POST, consent, 'public');
    this.route('/manage/export', HttpMethod.GET, consent, 'public');
    this.route('/manage/link', HttpMethod.GET, consent, 'public');
    this.route('/manage/link', HttpMethod.POST, consent, 'public');
    // The default thank-you page a plain HTML signup form is redirected to.
    this.route('/thanks', HttpMethod.GET, consent, 'public');
    // Phone verification: the code form, and the code texted to the number typed back.
    this.route('/verify-phone', HttpMethod.GET, consent, 'public');
    this.route('/verify-phone', HttpMethod.POST, consent, 'public');

    // The post-purchase survey answered from the email's score links (public: the signed token is
    // the authentication): the form (a GET records nothing), and the answer posted from it.
    const surveyPage = this.fn('SurveyPage', 'survey-page', {
      [ENV.customersTable]: props.customers.tableName,
      [ENV.surveysTable]: props.surveys.tableName,
      [ENV.linkSigningSecret]: linkSigningSecretId(props.linkSigningKey),
      [ENV.campaignSettings]: JSON.stringify(config.campaignSettings),
    });
    // Read the profile (does the person still exist); store the answer and its survey id's claim
    // as POST /surveys does (read back when the id was already used).
    props.customers.grant(surveyPage, 'dynamodb:GetItem');
    props.surveys.grant(surveyPage, 'dynamodb:GetItem', 'dynamodb:PutItem');
    grantLinkSigningKey(props.linkSigningKey, surveyPage);
    this.edge?.guard(surveyPage);
    this.route('/survey', HttpMethod.GET, surveyPage, 'public');
    this.route('/survey', HttpMethod.POST, surveyPage, 'public');
  }

  private fn(id: string, role: string, environment: Record<string, string>): PrecisFunction {
    return new PrecisFunction(this, id, {
      role,
      logRetention: this.props.logRetention,
      environment: {
        [ENV.defaultTimeZone]: this.props.config.defaultTimeZone,
        [ENV.defaultLocale]: this.props.config.defaultLocale,
        ...environment,
      },
    });
  }

  private route(path: string, method: HttpMethod, fn: IFunction, access: 'public' | 'iam'): void {
    if (access === 'public' && !isPublicPath(path))
      throw new Error(
        `public route ${path} is outside PUBLIC_PATHS (edge-stack.ts): the edge would not limit it`,
      );
    const routes = this.api.addRoutes({
      path,
      methods: [method],
      integration: new HttpLambdaIntegration(`${fn.node.id}${method}Integration`, fn),
      ...(access === 'iam' && { authorizer: new HttpIamAuthorizer() }),
    });
    if (access !== 'public') return;
    for (const route of routes) {
      acknowledge(
        route,
        'AwsSolutions-APIG4',
        'Public on purpose: web forms post signups without credentials (CORS limited to the configured ' +
          'origins, a honeypot field, stage throttling, with publicEdge a per-address WAF rate rule), and ' +
          'the consent links carry their own signed token.',
      );
    }
  }
}

/**
 * An HTTP API's default stage: throttled to the configured rate and burst, and one JSON access-log
 * line per request (`<api id>AccessLogs` in the API's stack): ids, route, status and timings; no IP
 * address or path values (paths may carry a customer id, query strings a signed token).
 */
export function configureStage(api: HttpApi, config: PrecisConfig, logRetention: RetentionDays): void {
  const stage = api.defaultStage?.node.defaultChild as CfnStage;
  stage.defaultRouteSettings = {
    throttlingRateLimit: config.apiRateLimit,
    throttlingBurstLimit: config.apiBurstLimit,
  };
  const accessLogs = new LogGroup(Stack.of(api), `${api.node.id}AccessLogs`, {
    retention: logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  stage.accessLogSettings = {
    destinationArn: accessLogs.logGroupArn,
    format: JSON.stringify({
      requestId: '$context.requestId',
      requestTime: '$context.requestTime',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLength: '$context.responseLength',
      responseLatency: '$context.responseLatency',
      integrationError: '$context.integrationErrorMessage',
    }),
  };
}

export function orderEnvironment(
  tables: { customers: ITable; orders: ITable; orderIds: ITable },
  config: PrecisConfig,
): Record<string, string> {
  return {
    [ENV.customersTable]: tables.customers.tableName,
    [ENV.ordersTable]: tables.orders.tableName,
    [ENV.orderIdsTable]: tables.orderIds.tableName,
    [ENV.reportingCurrency]: config.reportingCurrency,
    [ENV.exchangeRates]: JSON.stringify(config.exchangeRates),
    [ENV.defaultTimeZone]: config.defaultTimeZone,
    [ENV.defaultLocale]: config.defaultLocale,
  };
}

/** What taking in an order needs: find or create the customer, claim the order id, store the order. */
export function grantOrderIngest(
  fn: LambdaFunction,
  tables: IdentityStore & { customers: ITable; orders: ITable; orderIds: ITable },
): void {
  tables.customers.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem');
  grantIdentities(
    tables,
    fn,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:ConditionCheckItem',
  );
  tables.orderIds.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
  tables.orders.grant(fn, 'dynamodb:PutItem', 'dynamodb:UpdateItem');
}
