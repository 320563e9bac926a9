import { fileURLToPath } from 'node:url';
import { type CfnResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ENV } from '../../lib/config/env-names';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Template metadata naming the handler module: the local runtime loads the same file. */
export const ENTRY_METADATA = 'precis:entry';

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
 * a log group with a retention, and the handler path recorded for the local runtime.
 */
export class PrecisFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: PrecisFunctionProps) {
    const entry = `functions/${props.role}/handler.ts`;
    super(scope, id, {
      entry: `${REPO_ROOT}${entry}`,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      environment: {
        [ENV.serviceName]: props.role,
        NODE_OPTIONS: '--enable-source-maps',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...props.environment,
      },
      logGroup: new LogGroup(scope, `${id}Logs`, {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // ESM output still meets CommonJS dependencies that call require().
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        mainFields: ['module', 'main'],
      },
    });
    (this.node.defaultChild as CfnResource).addMetadata(ENTRY_METADATA, entry);
  }
}
