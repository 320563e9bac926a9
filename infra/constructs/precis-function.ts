import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CfnElement, type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  type CfnFunction,
  type ILayerVersion,
  LayerVersion,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { ENV } from '../../lib/config/env-names';
import { acknowledge, nagAttribute } from '../nag';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Template metadata naming the handler module: the local runtime loads the same file. */
export const ENTRY_METADATA = 'precis:entry';

/** The CloudWatch namespace of every custom metric (Powertools Metrics, EMF). */
export const METRICS_NAMESPACE = 'Precis';

/** Left out of the bundles: the Powertools Lambda layer of the same version provides them. */
const TRACER_MODULES = ['@aws-lambda-powertools/tracer', 'aws-xray-sdk-core'];

/** The Powertools version in package.json: the layer must be the same release as the code expects. */
export const POWERTOOLS_VERSION: string = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8'))
  .dependencies['@aws-lambda-powertools/tracer'];

/**
 * The Powertools for AWS Lambda (TypeScript) layer of that version, one per stack, its ARN read at
 * deploy time from the public SSM parameter AWS publishes in every commercial region (so synth
 * needs no account and no lookup).
 */
export function powertoolsLayer(scope: Construct): ILayerVersion {
  const stack = Stack.of(scope);
  const id = 'PowertoolsLayer';
  return (
    (stack.node.tryFindChild(id) as ILayerVersion | undefined) ??
    LayerVersion.fromLayerVersionArn(
      stack,
      id,
      StringParameter.valueForStringParameter(
        stack,
        `/aws/service/powertools/typescript/generic/all/${POWERTOOLS_VERSION}`,
      ),
    )
  );
}

/**
 * How every function is bundled (esbuild through NodejsFunction): minified ESM for Node.js 22 with
 * source maps, the AWS SDK v3 left out (the nodejs22.x runtime provides it). `npm run bench -- bundles`
 * and the bundle-size test build with these same options (infra/bundle-size.ts).
 */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  // The Powertools layer provides the tracer and its X-Ray SDK (powertoolsLayer below).
  externalModules: ['@aws-sdk/*', ...TRACER_MODULES],
  // ESM output still meets CommonJS dependencies that call require().
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  mainFields: ['module', 'main'],
} satisfies BundlingOptions;

export interface PrecisFunctionProps {
  /** The folder under functions/ holding `handler.ts`, e.g. `signup-api`. */
  role: string;
  environment?: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
  logRetention: RetentionDays;
}

/**
 * Every Lambda of Precis: Node.js 22 on arm64, bundled by esbuild as minified ESM with source maps,
 * a log group with a retention, a role that may write to that log group only (not the AWS managed
 * basic execution policy, which allows every log group), metrics in the `Precis` namespace, and the
 * handler path recorded for the local runtime.
 */
export class PrecisFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: PrecisFunctionProps) {
    const entry = `functions/${props.role}/handler.ts`;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(scope, `${id}ServiceRole`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        logs: new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [logGroup.logGroupArn],
            }),
          ],
        }),
        // What X-Ray active tracing needs (the same two actions CDK grants for `tracing: ACTIVE`,
        // here in the role's own inline policy so the wildcard is acknowledged on it alone).
        tracing: new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
              resources: ['*'],
            }),
          ],
        }),
      },
    });
    super(scope, id, {
      entry: `${REPO_ROOT}${entry}`,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role,
      environment: {
        [ENV.serviceName]: props.role,
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...props.environment,
      },
      logGroup,
      bundling: BUNDLING,
      layers: [powertoolsLayer(scope)],
    });
    // X-Ray active tracing: Lambda's own segments plus the handler's and every AWS call's
    // (lib/adapters/aws/tracer.ts). Set on the resource, not with `tracing:`, which would grant the
    // same two actions again in the role's default policy.
    (this.node.defaultChild as CfnFunction).tracingConfig = { mode: Tracing.ACTIVE };
    (this.node.defaultChild as CfnResource).addMetadata(ENTRY_METADATA, entry);
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'xray:PutTraceSegments and xray:PutTelemetryRecords (the tracing inline policy) take no resource: ' +
        "X-Ray has no resource-level permissions for them. The role's other inline policy names its log group.",
    );
    acknowledge(
      this,
      'AwsSolutions-L1',
      'Node.js 22 on purpose: the local runtime and the tests run these same handlers on Node 20/22, ' +
        'the bundle targets node22 and middy 6 supports both; Node.js 22 is in Lambda support until 2027.',
    );
    // Whoever may invoke this function (a schedule's role) gets its ARN and its versions/aliases
    // (`<arn>:*`), as CDK's grantInvoke writes it: the wildcard covers qualifiers of this one function.
    acknowledge(
      Stack.of(this),
      `AwsSolutions-IAM5[Resource::${nagAttribute(this.node.defaultChild as CfnElement, 'Arn')}:*]`,
      `lambda:InvokeFunction on the ${props.role} function's own versions and aliases only.`,
    );
  }
}
