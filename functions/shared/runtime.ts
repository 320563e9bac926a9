import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { traceInvocation } from '../../lib/adapters/aws/tracer';
import { ENV, type Env } from '../../lib/config/env-names';

/** One structured JSON logger per function; log lines carry ids and counts, never PII. */
export const loggerFor = (env: Env, serviceName: string): Logger =>
  new Logger({
    serviceName: env[ENV.serviceName] ?? serviceName,
    logLevel: (env[ENV.logLevel] ?? 'INFO') as 'INFO',
  });

type AnyHandler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * The Lambda export of a function module. In Lambda the handler is built at init (config checked,
 * clients created once per container); elsewhere (the local runtime, tests importing the module for
 * `createHandler`) it is built on first use so importing the module reads no environment. Each
 * invocation is traced (X-Ray, in Lambda only: see lib/adapters/aws/tracer.ts).
 */
export function lambdaEntry<E, R>(create: (env: Env) => AnyHandler<E, R>): AnyHandler<E, R> {
  let built: AnyHandler<E, R> | undefined = process.env.AWS_LAMBDA_FUNCTION_NAME
    ? create(process.env)
    : undefined;
  return (event, context) => {
    built ??= create(process.env);
    const run = built;
    return traceInvocation(() => run(event, context));
  };
}
