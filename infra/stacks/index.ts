import type { App, Stack } from 'aws-cdk-lib';
import type { PrecisConfig } from '../config';
import { logRetentionOf } from '../log-retention';
import { ApiStack } from './api-stack';
import { DashboardStack } from './dashboard-stack';
import { DataStack } from './data-stack';
import { EdgeAclStack, stackRegion } from './edge-stack';
import { MessagingStack } from './messaging-stack';
import { OperationsStack } from './operations-stack';

/** The whole deployment: stateful data, the HTTP API, and the messaging side. */
export function buildStacks(app: App, config: PrecisConfig): Stack[] {
  const logRetention = logRetentionOf(config.logRetentionDays);
  // Pinned to a region when configured or when the edge is on (a cross-region reference needs it).
  const region = stackRegion(config);
  const env = region === undefined ? {} : { env: { region } };
  // The public edge's web ACL, in us-east-1 (CloudFront's WAF scope): first, the API stack refers to it.
  const edgeAcl = config.publicEdge.enabled
    ? new EdgeAclStack(app, 'PrecisEdgeAcl', {
        description: 'Precis: the WAF web ACL of the public edge (CloudFront scope, us-east-1)',
        config,
      })
    : undefined;
  const data = new DataStack(app, 'PrecisData', {
    ...env,
    description: 'Precis: customer database (stateful)',
    linkSigningSecret: config.linkSigningSecret,
    identityKeySecret: config.identityKeySecret,
  });
  const identityStore = {
    identities: data.identities,
    identityKey: data.identityKey,
    identityLegacyLookup: config.identityLegacyLookup,
  };
  const api = new ApiStack(app, 'PrecisApi', {
    ...env,
    description: 'Precis: HTTP API',
    ...(edgeAcl && { webAclArn: edgeAcl.webAclArn, crossRegionReferences: true }),
    config,
    logRetention,
    customers: data.customers,
    ...identityStore,
    orders: data.orders,
    orderIds: data.orderIds,
    surveys: data.surveys,
    deliveries: data.deliveries,
    campaigns: data.campaigns,
    models: data.models,
    segmentMembers: data.segmentMembers,
    bus: data.bus,
    linkSigningKey: data.linkSigningKey,
    configurationSet: data.configurationSet,
  });
  const messaging = new MessagingStack(app, 'PrecisMessaging', {
    ...env,
    description: 'Precis: stream consumers and messaging',
    config,
    logRetention,
    customers: data.customers,
    ...identityStore,
    orders: data.orders,
    orderIds: data.orderIds,
    surveys: data.surveys,
    models: data.models,
    segmentMembers: data.segmentMembers,
    bus: data.bus,
    deliveries: data.deliveries,
    campaignStats: data.campaignStats,
    campaignsTable: data.campaigns,
    linkSigningKey: data.linkSigningKey,
    configurationSet: data.configurationSet,
    httpApi: api.api,
    publicBaseUrl: api.publicBaseUrl,
  });
  // The dashboard for people (Cognito sign-in); not watched by the operations stack (its API's
  // functions are the main API's, already watched).
  const dashboard = config.dashboard.enabled
    ? [
        new DashboardStack(app, 'PrecisDashboard', {
          ...env,
          description: 'Precis: the dashboard site, its sign-in and its read API',
          config,
          logRetention,
          readers: {
            segments: api.segmentsApi,
            customers: api.customersApi,
            reports: messaging.campaigns.reports,
          },
        }),
      ]
    : [];
  const watched: Stack[] = [data, api, messaging];
  // Last: it walks the stacks above for every function, failure queue, stream consumer and API.
  const operations = new OperationsStack(app, 'PrecisOperations', {
    ...env,
    description: 'Precis: alarms, the operator topic and the dashboard',
    config,
    watch: watched,
  });
  return [...watched, operations, ...dashboard, ...(edgeAcl ? [edgeAcl] : [])];
}
