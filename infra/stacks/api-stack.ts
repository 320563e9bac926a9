import { Stack, type StackProps } from 'aws-cdk-lib';
import { type CfnStage, CorsHttpMethod, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ENV } from '../../lib/config/env-names';
import type { PrecisConfig } from '../config';
import { PrecisFunction } from '../constructs/precis-function';

export interface ApiStackProps extends StackProps {
  config: PrecisConfig;
  logRetention: RetentionDays;
  customers: ITable;
  identities: ITable;
}

/** The HTTP API: the public signup route for web forms, throttled, with CORS for configured origins only. */
export class ApiStack extends Stack {
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.api = new HttpApi(this, 'HttpApi', {
      description: 'Precis: signups from web forms',
      corsPreflight: {
        allowOrigins: config.allowedOrigins,
        allowMethods: [CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
        allowHeaders: ['content-type'],
      },
    });
    const stage = this.api.defaultStage?.node.defaultChild as CfnStage;
    stage.defaultRouteSettings = {
      throttlingRateLimit: config.apiRateLimit,
      throttlingBurstLimit: config.apiBurstLimit,
    };

    const signup = new PrecisFunction(this, 'SignupApi', {
      role: 'signup-api',
      logRetention: props.logRetention,
      environment: {
        [ENV.customersTable]: props.customers.tableName,
        [ENV.identitiesTable]: props.identities.tableName,
        [ENV.defaultTimeZone]: config.defaultTimeZone,
        [ENV.defaultLocale]: config.defaultLocale,
        [ENV.thankYouUrl]: config.thankYouUrl,
      },
    });
    // Exactly what a signup does: look up, claim an identity, create or update the profile.
    props.customers.grant(signup, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    props.identities.grant(signup, 'dynamodb:GetItem', 'dynamodb:PutItem');
    this.api.addRoutes({
      path: '/signups',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('SignupIntegration', signup),
    });
  }
}
