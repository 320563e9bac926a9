import { fileURLToPath } from 'node:url';
import { type CfnElement, type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ENV } from '../../lib/config/env-names';
import { acknowledge, nagAttribute } from '../nag';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Template metadata naming the handler module: the local runtime loads the same file. */
export const ENTRY_METADATA = 'precis:entry';

/** The CloudWatch namespace of every custom metric (Powertools Metrics, EMF). */
export const METRICS_NAMESPACE = 'Precis';

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
  externalModules: ['@aws-sdk/*'],
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
    });
    (this.node.defaultChild as CfnResource).addMetadata(ENTRY_METADATA, entry);
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
