import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { Activity } from './activity';
import { type FunctionModel, LOCAL_ACCOUNT, LOCAL_REGION } from './template';

// Loads each function's handler module once ("one container") and invokes it the way the Lambda
// Node.js runtime does: an event, a context, and a timeout after which the invocation fails.

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalFunction {
  key: string;
  name: string;
  arn: string;
  entry: string;
  invoke(event: unknown): Promise<unknown>;
}

/**
 * Errors DynamoDB Local answers when the machine is busy (the SDK has already retried them with
 * back-off, AWS_MAX_ATTEMPTS times). An invocation that fails with one is the emulator's overload, not
 * the function's: the local pollers retry it with back-off without using up the mapping's retries.
 */
const EMULATOR_OVERLOAD = new Set([
  'InternalServerError',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
]);

export const isEmulatorOverload = (errorType: string): boolean => EMULATOR_OVERLOAD.has(errorType);

/** Delay before the nth (1-based) retry of an invocation the emulator's overload failed: 0.2 s doubling to 5 s. */
export const overloadBackoffMs = (retry: number): number => Math.min(100 * 2 ** retry, 5_000);

/** How many times in a row an invocation is retried for the emulator's overload before it counts as failed. */
export const MAX_OVERLOAD_RETRIES = 8;

/** Why an invocation failed, in Lambda's terms (`errorType` as Lambda reports it). */
export class InvocationError extends Error {
  override readonly name = 'InvocationError';
  readonly code = 'InvocationError';
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class FunctionLoadError extends Error {
  override readonly name = 'FunctionLoadError';
  readonly code = 'FunctionLoadError';
}

export interface LoadFunctionOptions {
  rootDir: string;
  env: Record<string, string>;
  activity: Activity;
  log: (line: string) => void;
}

const callbackUnsupported = () => {
  throw new Error('Callback-style context methods are not supported; return a promise');
};

/**
 * Runs `work` with `env` merged into process.env, then restores it. Callers must not overlap
 * (the runtime loads functions one at a time).
 */
const withProcessEnv = async <T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> => {
  const saved = new Map(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    return await work();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
};

export const loadFunction = async (
  fn: FunctionModel,
  options: LoadFunctionOptions,
): Promise<LocalFunction> => {
  const path = resolve(options.rootDir, fn.entry);
  if (!existsSync(path)) {
    throw new FunctionLoadError(`Function ${fn.name} (${fn.id.key}): entry ${fn.entry} not found at ${path}`);
  }
  const arn = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${fn.name}`;
  const env: Record<string, string> = {
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    // Custom metrics are CloudWatch EMF lines on stdout: useless without CloudWatch, and they would
    // drown the functions' log lines on this console. (Overridable through the runtime's `env`.)
    POWERTOOLS_METRICS_DISABLED: 'true',
    // No X-Ray here: Powertools Tracer would turn itself off outside Lambda anyway; say so.
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...options.env,
  };
  let module: Record<string, unknown>;
  try {
    // Handler modules also export `handler = createHandler(process.env)`, built at import time
    // and failing fast on missing config; so the import sees this function's environment.
    module = await withProcessEnv(env, () => import(pathToFileURL(path).href));
  } catch (error) {
    throw new FunctionLoadError(`Function ${fn.name}: importing ${fn.entry} failed: ${String(error)}`, {
      cause: error,
    });
  }
  const createHandler = module.createHandler;
  if (typeof createHandler !== 'function') {
    throw new FunctionLoadError(`Function ${fn.name}: ${fn.entry} does not export createHandler(env)`);
  }
  let handler: unknown;
  try {
    // Libraries configured from process.env at construction (e.g. Powertools' service name)
    // see this function's environment too.
    handler = await withProcessEnv(env, async () => createHandler(env));
  } catch (error) {
    throw new FunctionLoadError(`Function ${fn.name}: createHandler failed: ${String(error)}`, {
      cause: error,
    });
  }
  if (typeof handler !== 'function') {
    throw new FunctionLoadError(`Function ${fn.name}: createHandler(env) did not return a function`);
  }
  const typed = handler as Handler;
  const timeoutMs = fn.timeoutSeconds * 1000;
  const containerId = randomUUID().replaceAll('-', '');

  const invokeOnce = async (event: unknown): Promise<unknown> => {
    const deadline = Date.now() + timeoutMs;
    const context: Context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: arn,
      memoryLimitInMB: String(fn.memoryMb),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${containerId}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: callbackUnsupported,
      fail: callbackUnsupported,
      succeed: callbackUnsupported,
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new InvocationError(
              fn.name,
              'Sandbox.Timedout',
              `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([Promise.resolve().then(() => typed(event, context)), timeout]);
    } catch (error) {
      if (error instanceof InvocationError) {
        options.log(`[${fn.name}] ${error.message} (request ${context.awsRequestId})`);
        throw error;
      }
      const errorType = error instanceof Error ? error.name : typeof error;
      const message = error instanceof Error ? error.message : String(error);
      // Lambda's runtime logs the error type and message of a failed invocation; so do we.
      options.log(
        `[${fn.name}] invocation failed: ${errorType}: ${message} (request ${context.awsRequestId})`,
      );
      throw new InvocationError(fn.name, errorType, message, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    key: fn.id.key,
    name: fn.name,
    arn,
    entry: fn.entry,
    invoke: (event) => {
      options.activity.count(fn.name, event);
      return options.activity.track(() => invokeOnce(event));
    },
  };
};
