import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** An API Gateway v2 (HTTP API) event as Lambda receives it, for handler tests. */
export function httpEvent(
  routeKey: string,
  body: string | undefined,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): APIGatewayProxyEventV2 {
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      time: '24/Nov/2026:10:00:00 +0000',
      timeEpoch: 1795514400000,
    },
    ...(body !== undefined && { body }),
    isBase64Encoded: false,
  };
}

export const lambdaContext = { awsRequestId: 'req-1', functionName: 'test' } as Context;
