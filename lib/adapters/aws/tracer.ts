import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray tracing for every function (`tracing: ACTIVE` in PrecisFunction): one Powertools Tracer per
 * container. It switches itself off outside Lambda (the local runtime and the tests also set
 * POWERTOOLS_TRACE_ENABLED=false), and then every method below is a no-op.
 *
 * What a trace may carry: the AWS calls (service, operation, table or queue) and the handler's
 * duration, cold start and fault flag. Never a request, response or error message, which may quote
 * a person's details (no PII in traces, as in logs). The tracer and aws-xray-sdk-core are not
 * bundled: the Powertools Lambda layer of the same version provides them (PrecisFunction).
 */
export const tracer = new Tracer({ captureHTTPsRequests: false });

/** Traces an AWS SDK v3 client's calls (the client unchanged when tracing is off). */
export const traced = <T>(client: T): T => tracer.captureAWSv3Client(client);

/**
 * Runs one invocation in a `## handler` subsegment annotated with the cold start and the service
 * name, flagged as a fault when it throws (the error itself is not recorded).
 */
export async function traceInvocation<R>(invoke: () => Promise<R>): Promise<R> {
  const facade = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
  if (!facade) return invoke();
  const subsegment = facade.addNewSubsegment(`## ${process.env._HANDLER ?? 'handler'}`);
  tracer.setSegment(subsegment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  try {
    return await invoke();
  } catch (err) {
    subsegment.addFaultFlag();
    throw err;
  } finally {
    subsegment.close();
    tracer.setSegment(facade);
  }
}
