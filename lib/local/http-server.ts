import { isUtf8 } from 'node:buffer';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type IpRateLimit, IpRateLimiter } from './ip-rate-limit';
import type { LocalFunction } from './lambda-host';
import { type CorsModel, LOCAL_ACCOUNT, type RouteModel } from './template';

// The template's HTTP API on a local port, behaving like API Gateway (HTTP API, payload 2.0):
// route selection by specificity, the 2.0 event and response rules, its error bodies (404, 413,
// 500), CORS from the Api's CorsConfiguration, and, for AWS_IAM routes, a local stand-in for IAM
// auth: the `x-api-key` header must equal PRECIS_ADMIN_KEY. `GET /health` belongs to the runtime.

export interface HttpRouteBinding {
  route: RouteModel;
  fn: LocalFunction;
  cors?: CorsModel;
}

export interface LocalHttpServer {
  url: string;
  port: number;
  /** Installs the routes; until then (and until setReady) everything but /health answers 503. */
  setRoutes(routes: HttpRouteBinding[]): void;
  /**
   * Local-only admin endpoints by route key (e.g. `GET /local/outbox`, `POST /local/clock`) that no
   * template declares: answered as JSON, behind the same admin key; a deployed API has none of them.
   */
  setLocalRoutes(routes: Record<string, LocalRoute>): void;
  setReady(ready: boolean): void;
  stop(): Promise<void>;
}

export interface LocalHttpServerOptions {
  port: number;
  adminKey: string;
  /** Files served under `/` when no route matches (for the dashboard). */
  staticDir?: string;
  /** Per-IP limit on the public (non-IAM) routes: 429 with Retry-After beyond it; absent = none. */
  publicRateLimit?: IpRateLimit;
  /** The clock of the rate limiter (tests). */
  now?: () => number;
  log: (line: string) => void;
}

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * A local-only admin endpoint: the query string and the JSON body (undefined when there is none)
 * in, a JSON body out (status 200); a `LocalRouteError` answers its status and message instead.
 */
export type LocalRoute = (query: URLSearchParams, body: unknown) => Promise<unknown>;

export class LocalRouteError extends Error {
  override readonly name = 'LocalRouteError';
  readonly code = 'LocalRouteError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  readonly code = 'PortInUse';
}

/** A local endpoint's address and how to stop it (closing open keep-alive connections too). */
export interface LoopbackServer {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Keeps idle keep-alive connections open until the client closes them (or the server stops). Node
 * closes them after 5 s by default, and a client that reuses one just as it closes gets ECONNRESET
 * (on a busy machine the client sees the close late, so this is common). The functions' SES and SMS
 * clients make one attempt per send (clients.ts), so each reset left a message `unknown` until its
 * quiet period: 12–14 of 1,087 in the measurement end-to-end test at load 14. Locally nothing is
 * gained by closing idle connections; stop() closes them all.
 */
export const keepIdleConnections = (server: Server): void => {
  server.keepAliveTimeout = 0;
};

/**
 * Binds `server` to 127.0.0.1:`port` (0: any free port); a taken port fails with PortInUseError
 * naming the environment variable that moves it. Idle connections stay open (keepIdleConnections).
 */
export const listenOnLoopback = async (
  server: Server,
  port: number,
  envName: string,
): Promise<LoopbackServer> => {
  keepIdleConnections(server);
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new PortInUseError(
              `Port ${port} is in use; pick another (${envName} for npm start, 0 for any free port)`,
              { cause: error },
            )
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolvePromise());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    port: bound,
    stop: () =>
      new Promise<void>((resolvePromise, reject) => {
        server.close((error) => (error ? reject(error) : resolvePromise()));
        server.closeAllConnections();
      }),
  };
};

type Segment =
  | { kind: 'literal'; value: string }
  | { kind: 'param'; name: string }
  | { kind: 'greedy'; name: string };

interface CompiledRoute extends HttpRouteBinding {
  segments: Segment[];
  rank: number[];
}

const splitPath = (path: string): string[] => path.split('/').filter((segment) => segment !== '');

const compileRoute = (binding: HttpRouteBinding): CompiledRoute => {
  const segments: Segment[] = splitPath(binding.route.path).map((segment) => {
    const param = segment.match(/^\{([^}]+?)(\+)?\}$/);
    if (!param) return { kind: 'literal', value: segment };
    return param[2]
      ? { kind: 'greedy', name: param[1] as string }
      : { kind: 'param', name: param[1] as string };
  });
  // API Gateway prefers literal segments over parameters over greedy parameters, then a
  // specific method over ANY; $default only catches what nothing else matched.
  const rank =
    binding.route.method === '$default'
      ? [9]
      : segments.map((s) => ({ literal: 0, param: 1, greedy: 2 })[s.kind]);
  return { ...binding, segments, rank };
};

const matchRoute = (route: CompiledRoute, parts: string[]): Record<string, string> | undefined => {
  if (route.route.method === '$default') return {};
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i] as Segment;
    if (segment.kind === 'greedy') {
      if (i >= parts.length) return undefined;
      params[segment.name] = parts.slice(i).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal' && segment.value !== part) return undefined;
    if (segment.kind === 'param') params[segment.name] = part;
  }
  return parts.length === route.segments.length ? params : undefined;
};

const compareRank = (a: number[], b: number[]): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? -1) - (b[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
};

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|[\w.+-]+\+(json|xml))|multipart\/form-data)/i;

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolvePromise, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolvePromise(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const apiTime = (date: Date): string => {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
};

const keyMatches = (given: string | string[] | undefined, expected: Buffer): boolean => {
  if (typeof given !== 'string') return false;
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
};

interface HttpResult {
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

const jsonResult = (status: number, body: unknown): HttpResult => ({
  status,
  headers: { 'content-type': 'application/json' },
  cookies: [],
  body: Buffer.from(JSON.stringify(body)),
});

const INTERNAL_ERROR = () => jsonResult(500, { message: 'Internal Server Error' });

/** Maps a handler's return value by the payload 2.0 rules; undefined when it is malformed. */
const fromLambdaResult = (result: unknown): HttpResult | undefined => {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const response = result as Record<string, unknown>;
    const status = response.statusCode;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
      return undefined;
    const headers: Record<string, string> = {};
    if (response.headers !== undefined) {
      if (typeof response.headers !== 'object' || response.headers === null) return undefined;
      for (const [name, value] of Object.entries(response.headers)) {
        if (!['string', 'number', 'boolean'].includes(typeof value)) return undefined;
        headers[name.toLowerCase()] = String(value);
      }
    }
    const cookies = response.cookies ?? [];
    if (!Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === 'string')) return undefined;
    const body = response.body ?? '';
    if (typeof body !== 'string') return undefined;
    return {
      status,
      headers,
      cookies,
      body: response.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body),
    };
  }
  // Anything else is "valid JSON without a statusCode": 200, application/json, the value as body.
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(body),
  };
};

const originAllowed = (cors: CorsModel, origin: string): boolean =>
  cors.allowOrigins.includes('*') || cors.allowOrigins.includes(origin);

const corsHeaders = (cors: CorsModel | undefined, origin: string | undefined): Record<string, string> => {
  if (!cors || !origin || !originAllowed(cors, origin)) return {};
  return {
    'access-control-allow-origin': cors.allowOrigins.includes('*') && !cors.allowCredentials ? '*' : origin,
    ...(cors.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
    ...(cors.exposeHeaders.length > 0
      ? { 'access-control-expose-headers': cors.exposeHeaders.join(',') }
      : {}),
    vary: 'Origin',
  };
};

export const startHttpServer = async (options: LocalHttpServerOptions): Promise<LocalHttpServer> => {
  let routes: CompiledRoute[] = [];
  let localRoutes: Record<string, LocalRoute> = {};
  let defaultCors: CorsModel | undefined;
  let ready = false;
  const adminKey = Buffer.from(options.adminKey);
  const publicLimiter = options.publicRateLimit
    ? new IpRateLimiter(options.publicRateLimit, options.now)
    : undefined;
  const staticRoot = options.staticDir ? resolve(options.staticDir) : undefined;

  const write = (res: ServerResponse, result: HttpResult, extra: Record<string, string> = {}) => {
    const headers: Record<string, string | string[]> = { ...result.headers, ...extra };
    if (result.cookies.length > 0) headers['set-cookie'] = result.cookies;
    headers['content-length'] = String(result.body.length);
    res.writeHead(result.status, headers);
    res.end(result.body);
  };

  const serveStatic = (req: IncomingMessage, res: ServerResponse, pathname: string): boolean => {
    if (!staticRoot || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    let file = normalize(join(staticRoot, decodeURIComponent(pathname)));
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) return false;
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const stat = statSync(file);
      res.writeHead(200, {
        'content-type': STATIC_TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': String(stat.size),
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  };

  const buildEvent = (
    req: IncomingMessage,
    url: URL,
    binding: CompiledRoute,
    pathParameters: Record<string, string>,
    body: Buffer,
    requestId: string,
  ): APIGatewayProxyEventV2 => {
    const headers: Record<string, string> = {};
    for (const [name, values] of Object.entries(req.headersDistinct)) {
      if (name === 'cookie' || !values) continue;
      headers[name] = values.join(',');
    }
    const cookies = (req.headersDistinct.cookie ?? [])
      .flatMap((value) => value.split(';'))
      .map((cookie) => cookie.trim())
      .filter(Boolean);
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams)
      query[name] = name in query ? `${query[name]},${value}` : value;
    const contentType = headers['content-type'];
    // API Gateway base64-encodes bodies it does not consider text.
    const isText = contentType === undefined ? isUtf8(body) : TEXT_TYPES.test(contentType);
    const now = new Date();
    const host = headers.host ?? 'localhost';
    return {
      version: '2.0',
      routeKey: binding.route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      ...(cookies.length > 0 ? { cookies } : {}),
      headers,
      ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
      ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
      requestContext: {
        accountId: LOCAL_ACCOUNT,
        apiId: 'local',
        domainName: host,
        domainPrefix: host.split('.')[0] ?? host,
        http: {
          method: req.method ?? 'GET',
          path: url.pathname,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: clientAddress(req),
          userAgent: headers['user-agent'] ?? '',
        },
        requestId,
        routeKey: binding.route.routeKey,
        stage: '$default',
        time: apiTime(now),
        timeEpoch: now.getTime(),
        ...(binding.route.authorizationType === 'AWS_IAM'
          ? {
              authorizer: {
                iam: {
                  accessKey: 'local',
                  accountId: LOCAL_ACCOUNT,
                  callerId: 'local-admin',
                  principalOrgId: null,
                  userArn: `arn:aws:iam::${LOCAL_ACCOUNT}:user/local-admin`,
                  userId: 'local-admin',
                  cognitoIdentity: null,
                },
              },
            }
          : {}),
      },
      ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
      isBase64Encoded: body.length > 0 && !isText,
    } as APIGatewayProxyEventV2;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const requestId = randomBytes(12).toString('base64');
    const idHeader = { 'apigw-requestid': requestId };
    if (url.pathname === '/health' && method === 'GET') {
      return write(res, ready ? jsonResult(200, { status: 'ok' }) : jsonResult(503, { status: 'starting' }));
    }
    if (!ready) return write(res, jsonResult(503, { message: 'Service Unavailable' }), idHeader);

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      res.setHeader('connection', 'close');
      write(res, jsonResult(413, { message: 'Request Entity Too Large' }), idHeader);
      req.destroy();
      return;
    }

    const local = localRoutes[`${method} ${url.pathname}`];
    if (local) {
      if (!keyMatches(req.headers['x-api-key'], adminKey))
        return write(res, jsonResult(401, { error: 'unauthorized' }), idHeader);
      try {
        let input: unknown;
        try {
          input = body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined;
        } catch {
          throw new LocalRouteError(400, 'the body is not JSON');
        }
        return write(res, jsonResult(200, await local(url.searchParams, input)), idHeader);
      } catch (error) {
        if (!(error instanceof LocalRouteError)) throw error;
        return write(res, jsonResult(error.status, { message: error.message }), idHeader);
      }
    }

    const parts = splitPath(url.pathname);
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const pathMatches = routes.filter(
      (route) => route.route.method !== '$default' && matchRoute(route, parts),
    );
    if (method === 'OPTIONS' && origin && req.headers['access-control-request-method']) {
      const cors = pathMatches[0]?.cors ?? defaultCors;
      if (cors) {
        const allowed = originAllowed(cors, origin);
        const requestedHeaders = req.headers['access-control-request-headers'];
        return write(
          res,
          { status: 204, headers: {}, cookies: [], body: Buffer.alloc(0) },
          {
            ...idHeader,
            ...(allowed
              ? {
                  ...corsHeaders(cors, origin),
                  'access-control-allow-methods': cors.allowMethods.includes('*')
                    ? String(req.headers['access-control-request-method'])
                    : cors.allowMethods.join(','),
                  ...(cors.allowHeaders.length > 0
                    ? {
                        'access-control-allow-headers':
                          cors.allowHeaders.includes('*') && typeof requestedHeaders === 'string'
                            ? requestedHeaders
                            : cors.allowHeaders.join(','),
                      }
                    : {}),
                  ...(cors.maxAge !== undefined ? { 'access-control-max-age': String(cors.maxAge) } : {}),
                }
              : {}),
          },
        );
      }
    }

    const candidates = routes
      .map((route) => ({ route, params: matchRoute(route, parts) }))
      .filter(
        (candidate): candidate is { route: CompiledRoute; params: Record<string, string> } =>
          candidate.params !== undefined &&
          (candidate.route.route.method === method ||
            candidate.route.route.method === 'ANY' ||
            candidate.route.route.method === '$default'),
      )
      .sort(
        (a, b) =>
          compareRank(a.route.rank, b.route.rank) ||
          Number(a.route.route.method === 'ANY') - Number(b.route.route.method === 'ANY'),
      );
    const chosen = candidates[0];
    if (!chosen) {
      if (serveStatic(req, res, url.pathname)) return;
      return write(res, jsonResult(404, { message: 'Not Found' }), {
        ...idHeader,
        ...corsHeaders(defaultCors, origin),
      });
    }
    const { route: binding } = chosen;
    const cors = corsHeaders(binding.cors, origin);
    if (binding.route.authorizationType === 'AWS_IAM' && !keyMatches(req.headers['x-api-key'], adminKey)) {
      return write(res, jsonResult(401, { error: 'unauthorized' }), { ...idHeader, ...cors });
    }
    if (binding.route.authorizationType !== 'AWS_IAM' && publicLimiter) {
      // What the WAF rate-based rule (or the stage throttling) does in AWS: per client address.
      const decision = publicLimiter.take(clientAddress(req));
      if (!decision.allowed)
        return write(res, jsonResult(429, { error: 'rate_limited' }), {
          ...idHeader,
          ...cors,
          'retry-after': String(decision.retryAfterSeconds),
        });
    }
    let pathParameters: Record<string, string>;
    try {
      pathParameters = Object.fromEntries(
        Object.entries(chosen.params).map(([name, value]) => [name, decodeURIComponent(value)]),
      );
    } catch {
      // A malformed percent-escape cannot reach a handler through API Gateway either.
      return write(res, jsonResult(400, { message: 'Bad Request' }), { ...idHeader, ...cors });
    }
    const event = buildEvent(req, url, binding, pathParameters, body, requestId);
    let result: HttpResult;
    try {
      const mapped = fromLambdaResult(await binding.fn.invoke(event));
      if (!mapped)
        options.log(`[${binding.fn.name}] malformed Lambda proxy response for ${binding.route.routeKey}`);
      result = mapped ?? INTERNAL_ERROR();
    } catch {
      // The invocation error is already logged by the function host; the client gets what API
      // Gateway returns for a failed Lambda: a generic 500, nothing leaked.
      result = INTERNAL_ERROR();
    }
    if (binding.cors) {
      for (const name of Object.keys(result.headers)) {
        if (name.startsWith('access-control-')) delete result.headers[name];
      }
    }
    write(res, result, { ...idHeader, ...cors });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.log(`[http] ${req.method} ${req.url} failed: ${String(error)}`);
      if (!res.headersSent) write(res, INTERNAL_ERROR());
      else res.destroy();
    });
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new PortInUseError(
              `Port ${options.port} is in use; pick another (PORT for npm start, 0 for any free port)`,
              {
                cause: error,
              },
            )
          : error,
      ),
    );
    server.listen(options.port, '127.0.0.1', () => resolvePromise());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setRoutes(bindings) {
      for (const binding of bindings) {
        if (binding.route.payloadFormatVersion !== '2.0') {
          throw new Error(
            `Route ${binding.route.routeKey}: payload format ${binding.route.payloadFormatVersion} is not supported locally (use 2.0)`,
          );
        }
      }
      routes = bindings.map(compileRoute);
      defaultCors = bindings.find((binding) => binding.cors)?.cors;
    },
    setLocalRoutes(value) {
      localRoutes = { ...value };
    },
    setReady(value) {
      ready = value;
    },
    stop: () =>
      new Promise<void>((resolvePromise, reject) => {
        server.close((error) => (error ? reject(error) : resolvePromise()));
        server.closeAllConnections();
      }),
  };
};

/** The client's address as API Gateway reports it (`sourceIp`): the socket's, IPv4-mapped IPv6 unwrapped. */
const clientAddress = (req: IncomingMessage): string =>
  (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
