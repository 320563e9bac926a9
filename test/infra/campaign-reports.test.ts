import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/config/env-names';
import { ReportSettingsSchema } from '../../lib/domain/measurement/report';
import { actionsOn, allActions, functionId, grants, synthStacks } from './support';

// The campaign report routes: admin only (IAM), one function that may only read the counters and the
// segment summary, configured with the deployment's sending prices.

let messaging: Template;
const ROLE = 'CampaignsCampaignReportsServiceRole';

beforeAll(() => {
  ({ messaging } = synthStacks({
    reportSettings: JSON.stringify({ costs: { emailPer1000: 0.09 }, grossMargin: 0.4 }),
  }));
});

describe('the campaign report routes', () => {
  it.each(['GET /campaigns', 'GET /campaigns/{id}/report'])('%s is for operators only (IAM)', (routeKey) => {
    messaging.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey,
      AuthorizationType: 'AWS_IAM',
    });
  });

  it('reads the counters (Query, BatchGetItem) and the segment summary (GetItem), and nothing else', () => {
    expect(actionsOn(messaging, ROLE, 'CampaignStats')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:Query']);
    expect(actionsOn(messaging, ROLE, 'Models')).toEqual(['dynamodb:GetItem']);
    // The campaign catalog: the heads (Query) and seeding the config's campaigns (GetItem, PutItem).
    expect(actionsOn(messaging, ROLE, 'Campaigns')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    expect(allActions(messaging, ROLE)).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Query',
    ]);
    // No index, no other table: every statement names one of the three tables.
    for (const grant of grants(messaging, ROLE))
      expect(grant.resources).toMatch(/CampaignStats|Models|Campaigns/);
  });

  it('gets the sending prices and report settings from the typed config', () => {
    const fn =
      messaging.toJSON().Resources[functionId(messaging, 'functions/campaign-reports-api/handler.ts')];
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    const settings = ReportSettingsSchema.parse(JSON.parse(env[ENV.reportSettings] as string));
    expect(settings.costs).toMatchObject({ emailPer1000: 0.09, smsDefault: 0.05 });
    expect(settings.grossMargin).toBe(0.4);
    expect(env).toHaveProperty(ENV.reportingCurrency, 'GBP');
    expect(env).toHaveProperty(ENV.defaultTimeZone, 'Europe/London');
    expect(env).toHaveProperty(ENV.campaigns);
  });
});
