import { request } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../../lib/local/http-server';
import { invocationsOf, resetRecorder } from '../../fixtures/local/functions/recorder';
import { startTestRuntime, TEST_ADMIN_KEY, type TestRuntime } from '../../support/runtime';

// The fixture API: POST /signups, GET /customers/{id}, GET /customers/export, ANY /admin/{proxy+}
// (AWS_IAM), all on the echo handler; CORS for https://shop.example.com (GET, POST; content-type,
// x-api-key; max age 600).

let runtime: TestRuntime;

interface Echo {
  event: APIGatewayProxyEventV2;
  functionName: string;
  remainingMs: number;
  env: Record<string, string | undefined>;
}

const call = (path: string, init?: RequestInit) => fetch(`${runtime.url}${path}`, init);

beforeAll(async () => {
  runtime = await startTestRuntime(undefined, { env: { EXTRA: 'from-caller' } });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('HTTP API', () => {
  it('answers /health with 200 once ready', async () => {
    const response = await call('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('invokes the route handler with an API Gateway v2 (payload 2.0) event', async () => {
    const response = await call('/customers/c%2042?include=orders&include=ltv&x=1', {
      headers: { 'X-Trace': 'a', cookie: 'session=s1; theme=dark', 'user-agent': 'vitest' },
    });
    expect(response.status).toBe(201);
    const { event, functionName, remainingMs } = (await response.json()) as Echo;
    expect(functionName).toBe('EchoFn');
    expect(remainingMs).toBeGreaterThan(9_000);
    expect(remainingMs).toBeLessThanOrEqual(10_000);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /customers/{id}',
      rawPath: '/customers/c%2042',
      rawQueryString: 'include=orders&include=ltv&x=1',
      cookies: ['session=s1', 'theme=dark'],
      queryStringParameters: { include: 'orders,ltv', x: '1' },
      pathParameters: { id: 'c 42' },
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        routeKey: 'GET /customers/{id}',
        stage: '$default',
        http: {
          method: 'GET',
          path: '/customers/c%2042',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'vitest',
        },
      },
    });
    expect(event.headers['x-trace']).toBe('a');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.requestContext.requestId).toEqual(expect.any(String));
    expect(event.requestContext.time).toMatch(/^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(5_000);
    // The structured response: status, headers and cookies as the handler set them.
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(response.headers.getSetCookie()).toEqual(['session=abc; HttpOnly', 'theme=dark']);
  });

  it('resolves the function environment from the template and adds the local endpoints', async () => {
    const { env } = (await (await call('/customers/export')).json()) as Echo;
    const customers = runtime.tableNames.Customers;
    expect(env.CUSTOMERS_TABLE).toBe(customers);
    expect(env.CUSTOMERS_STREAM).toMatch(
      new RegExp(`^arn:aws:dynamodb:ddblocal:000000000000:table/${customers}/stream/`),
    );
    expect(env.BUS_NAME).toBe('precis');
    expect(env.QUEUE_URL).toBe(`${runtime.localAwsEndpoint}/000000000000/SignupQueue`);
    expect(env.QUEUE_ARN).toBe('arn:aws:sqs:local:000000000000:SignupQueue');
    expect(env.ALERTS_TOPIC_ARN).toBe('arn:aws:sns:local:000000000000:alerts');
    expect(env.SUBBED).toBe('local/SignupQueue');
    expect(env.GREETING).toBe('hello');
    expect(env).toMatchObject({
      AWS_REGION: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: runtime.dynamoEndpoint,
      AWS_ENDPOINT_URL_SESV2: runtime.sesEndpoint,
      AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: runtime.localAwsEndpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: runtime.localAwsEndpoint,
      EXTRA: 'from-caller',
    });
  });

  it('prefers a literal path segment over a parameter', async () => {
    const { event } = (await (await call('/customers/export')).json()) as Echo;
    expect(event.routeKey).toBe('GET /customers/export');
    expect(event.pathParameters).toBeUndefined();
  });

  it('passes JSON bodies as text and binary bodies base64-encoded', async () => {
    const json = (await (
      await call('/signups', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"email":"a@b.c"}',
      })
    ).json()) as Echo;
    expect(json.event.body).toBe('{"email":"a@b.c"}');
    expect(json.event.isBase64Encoded).toBe(false);
    const bytes = new Uint8Array([0, 159, 146, 150]);
    const binary = (await (
      await call('/signups', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
      })
    ).json()) as Echo;
    expect(binary.event.isBase64Encoded).toBe(true);
    expect(Buffer.from(binary.event.body ?? '', 'base64')).toEqual(Buffer.from(bytes));
  });

  it('maps the other handler results by the payload 2.0 rules', async () => {
    const plain = await call('/customers/x?mode=plain');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('application/json');
    expect(await plain.json()).toEqual({ hello: 'world' });

    const text = await call('/customers/x?mode=text');
    expect(text.status).toBe(200);
    expect(await text.text()).toBe('just text');

    const binary = await call('/customers/x?mode=binary');
    expect(Buffer.from(await binary.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('answers 500 without details when the handler throws or returns a malformed response', async () => {
    for (const mode of ['throw', 'malformed']) {
      const response = await call(`/customers/x?mode=${mode}`);
      expect(response.status).toBe(500);
      const body = await response.text();
      expect(JSON.parse(body)).toEqual({ message: 'Internal Server Error' });
      expect(body).not.toContain('secret-detail');
    }
    expect(runtime.logs.some((line) => line.includes('[EchoFn] invocation failed: Error'))).toBe(true);
  });

  it('answers 404 like API Gateway for unknown routes and methods', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['DELETE', '/customers/x'],
      ['GET', '/customers/x/y'],
    ] as const) {
      const response = await call(path, { method });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ message: 'Not Found' });
    }
  });

  it('requires the admin key on AWS_IAM routes and never invokes the handler without it', async () => {
    resetRecorder();
    const denied = await call('/admin/customers/c1/erase', { method: 'POST' });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ error: 'unauthorized' });
    const wrong = await call('/admin/customers/c1/erase', {
      method: 'POST',
      headers: { 'x-api-key': 'nope' },
    });
    expect(wrong.status).toBe(401);
    expect(invocationsOf('EchoFn')).toHaveLength(0);

    const allowed = await call('/admin/customers/c1/erase', {
      method: 'POST',
      headers: { 'x-api-key': TEST_ADMIN_KEY },
    });
    expect(allowed.status).toBe(201);
    const { event } = (await allowed.json()) as Echo;
    expect(event.routeKey).toBe('ANY /admin/{proxy+}');
    expect(event.pathParameters).toEqual({ proxy: 'customers/c1/erase' });
    expect(invocationsOf('EchoFn')).toHaveLength(1);
  });

  it('answers CORS preflights from the API configuration and overrides handler CORS headers', async () => {
    const preflight = await call('/signups', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,POST');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type,x-api-key');
    expect(preflight.headers.get('access-control-max-age')).toBe('600');

    const foreign = await call('/signups', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(foreign.status).toBe(204);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    const actual = await call('/customers/1', { headers: { origin: 'https://shop.example.com' } });
    expect(actual.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    const fromElsewhere = await call('/customers/1', { headers: { origin: 'https://evil.example' } });
    expect(fromElsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rejects bodies over 10 MB with 413 without invoking the handler', async () => {
    resetRecorder();
    const response = await call('/signups', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(invocationsOf('EchoFn')).toHaveLength(0);
    // A body of exactly 10 MB is accepted.
    const atLimit = await call('/signups', { method: 'POST', body: 'x'.repeat(10 * 1024 * 1024) });
    expect(atLimit.status).toBe(201);
  });
});

describe('HTTP server lifecycle', () => {
  it('answers 503 on /health and every route until ready, then 200', async () => {
    const server = await startHttpServer({ port: 0, adminKey: 'k', log: () => {} });
    try {
      const starting = await fetch(`${server.url}/health`);
      expect(starting.status).toBe(503);
      expect(await starting.json()).toEqual({ status: 'starting' });
      expect((await fetch(`${server.url}/anything`)).status).toBe(503);
      server.setRoutes([]);
      server.setReady(true);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      expect((await fetch(`${server.url}/anything`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });

  it('serves static files when no route matches, and nothing outside the directory', async () => {
    const staticDir = new URL('../../fixtures/local/static', import.meta.url).pathname;
    const server = await startHttpServer({ port: 0, adminKey: 'k', staticDir, log: () => {} });
    try {
      server.setRoutes([]);
      server.setReady(true);
      const index = await fetch(`${server.url}/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await index.text()).toContain('dashboard placeholder');
      const escaped = await new Promise<number>((resolve, reject) => {
        // fetch() normalises `..` away; a raw request keeps it.
        request(`${server.url}/..%2f..%2fpackage.json`, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
      expect(escaped).toBe(404);
    } finally {
      await server.stop();
    }
  });

  it('reports 503 on /health while the runtime is still starting', async () => {
    let early: Promise<Response> | undefined;
    const started = await startTestRuntime(undefined, {
      onListening: (url) => {
        early = fetch(`${url}/health`);
      },
    });
    try {
      expect((await early)?.status).toBe(503);
      expect((await fetch(`${started.url}/health`)).status).toBe(200);
    } finally {
      await started.stop();
    }
    await expect(fetch(`${started.url}/health`)).rejects.toThrow();
  });
});

describe('per-IP rate limiting of public routes (what the WAF rule does in AWS)', () => {
  it('answers 429 with Retry-After past the limit on public routes, never on admin routes', async () => {
    const limited = await startTestRuntime(undefined, { publicRateLimit: { perMinute: 1, burst: 2 } });
    try {
      const post = () =>
        fetch(`${limited.url}/signups`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
      expect((await post()).status).not.toBe(429);
      expect((await post()).status).not.toBe(429);
      const refused = await post();
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual({ error: 'rate_limited' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      // Admin routes are IAM in AWS (not behind the public limit): the key passes whatever the count.
      const admin = await fetch(`${limited.url}/admin/customers/c1/erase`, {
        method: 'POST',
        headers: { 'x-api-key': TEST_ADMIN_KEY },
      });
      expect(admin.status).not.toBe(429);
    } finally {
      await limited.stop();
    }
  });
});
