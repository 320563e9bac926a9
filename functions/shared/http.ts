import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ValidationError } from '../../lib/domain/validation';
import { flushMetricsAfter, type Metrics } from './metrics';

/**
 * The HTTP edge shared by every API function: body limits and content types, and one place that
 * maps errors to responses. Callers get field-level 400s, never a stack trace; faults get a 500
 * carrying the request id so an operator can find the log line.
 */

export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;

export const MAX_BODY_BYTES = 10 * 1024;

/** An API Gateway (HTTP API, payload 2.0) request, as opposed to a schedule's or the bus's event. */
export const isHttpRequest = (event: unknown): event is APIGatewayProxyEventV2 =>
  typeof event === 'object' &&
  event !== null &&
  typeof (event as { routeKey?: unknown }).routeKey === 'string' &&
  typeof (event as { requestContext?: { http?: unknown } }).requestContext?.http === 'object';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

export type BodyKind = 'json' | 'form';

const MEDIA_TYPES: Record<string, BodyKind> = {
  'application/json': 'json',
  'application/x-www-form-urlencoded': 'form',
};

/** The request body, decoded and checked for size and media type. */
export function readBody(
  event: APIGatewayProxyEventV2,
  accepted: readonly BodyKind[],
  maxBytes = MAX_BODY_BYTES,
): { kind: BodyKind; text: string } {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes) {
    throw new HttpError(413, 'payload_too_large', `the body must be at most ${maxBytes} bytes`);
  }
  const mediaType = (event.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const kind = MEDIA_TYPES[mediaType];
  if (!kind || !accepted.includes(kind)) {
    const names = Object.entries(MEDIA_TYPES)
      .filter(([, k]) => accepted.includes(k))
      .map(([name]) => name);
    throw new HttpError(415, 'unsupported_media_type', `send the body as ${names.join(' or ')}`);
  }
  return { kind, text: bytes.toString('utf8') };
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError([{ path: '', message: 'the body must be valid JSON' }]);
  }
}

/** Maps typed errors to responses; anything else is a fault, logged once, answered with a bare 500. */
export function httpErrors(
  logger: Logger,
): MiddlewareObj<APIGatewayProxyEventV2, HttpResult, Error, Context> {
  return {
    onError: async (request) => {
      const { error } = request;
      if (error instanceof ValidationError) {
        request.response = json(400, { error: error.code, fields: error.fields });
      } else if (error instanceof HttpError) {
        request.response = json(error.statusCode, { error: error.code, message: error.message });
      } else {
        // Name and stack only: error messages from lower layers may quote the payload.
        logger.error('request failed', { errorName: error?.name, stack: error?.stack });
        request.response = json(500, { error: 'internal_error', requestId: request.context.awsRequestId });
      }
    },
  };
}

/**
 * Wraps an HTTP use case in the shared middy stack: Lambda context in logs, the invocation's metrics
 * flushed (when the function counts something), then error mapping.
 */
export function httpHandler(logger: Logger, handle: HttpHandler, metrics?: Metrics): HttpHandler {
  const chain = middy<APIGatewayProxyEventV2, HttpResult, Error, Context>().use(injectLambdaContext(logger));
  if (metrics) chain.use(flushMetricsAfter(metrics));
  return chain.use(httpErrors(logger)).handler(handle) as unknown as HttpHandler;
}
