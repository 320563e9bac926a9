import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { EventBus } from './event-bus';
import { type LoopbackServer, listenOnLoopback } from './http-server';
import type { LocalSecrets } from './secrets';
import { SMS_TARGET_PREFIX, type SmsSink } from './sms-sink';
import type { SqsService } from './sqs';

// One loopback HTTP endpoint for the AWS APIs that have no usable emulator on npm:
//   POST /  X-Amz-Target: PinpointSMSVoiceV2.* → End User Messaging SMS: SendTextMessage, opt-outs (sms-sink.ts)
//   POST /  X-Amz-Target: AWSEvents.*          → EventBridge PutEvents              (event-bus.ts)
//   POST /  X-Amz-Target: AmazonSQS.*          → SQS queues from the templates      (sqs.ts)
//   POST /  X-Amz-Target: secretsmanager.*     → GetSecretValue                      (secrets.ts)
//   GET  /queues                               → each queue's attributes and messages
//   GET  /messages                             → SMS sent so far, newest first (JSON)
//   POST /clear                                → forget the SMS sent so far
//   POST /opt-out  {"phoneNumber":"+44…"}      → simulate a recipient replying STOP
//   POST /sms-events/replay                    → every kept text's TEXT_QUEUED event again
//   GET  /events                               → the latest bus events and the rules they matched

export type LocalAwsServer = LoopbackServer;

const MAX_BODY_BYTES = 1024 * 1024;

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const send = (res: ServerResponse, status: number, contentType: string, body: string) => {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

const json = (res: ServerResponse, status: number, body: unknown, contentType = 'application/json') =>
  send(res, status, contentType, JSON.stringify(body));

export const startLocalAws = async (options: {
  port: number;
  sms: SmsSink;
  /** The bus exists only once the functions are loaded; until then PutEvents answers 503. */
  bus: () => EventBus | undefined;
  sqs: () => SqsService | undefined;
  /** Secrets Manager's GetSecretValue; absent, secretsmanager.* answers as not emulated. */
  secrets?: LocalSecrets;
  log: (line: string) => void;
}): Promise<LocalAwsServer> => {
  const { sms } = options;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/messages') return json(res, 200, sms.list());
    if (method === 'GET' && url.pathname === '/events') {
      return json(res, 200, options.bus()?.recentEvents() ?? []);
    }
    if (method === 'GET' && url.pathname === '/queues') {
      const queues = options.sqs()?.list() ?? [];
      const view = queues.map((queue) => ({
        name: queue.name,
        url: queue.url,
        attributes: queue.attributes(),
        messages: queue.peek(),
      }));
      return json(res, 200, view);
    }
    if (method === 'GET' && url.pathname === '/') {
      return json(res, 200, {
        service: 'precis local AWS (End User Messaging SMS, EventBridge, SQS)',
        endpoints: [
          'GET /messages',
          'POST /clear',
          'POST /opt-out',
          'POST /sms-events/replay',
          'GET /events',
          'GET /queues',
        ],
      });
    }
    if (method !== 'POST') return json(res, 404, { message: 'Not Found' });
    const body = await readBody(req);
    if (url.pathname === '/clear') {
      sms.clear();
      return json(res, 200, { cleared: true });
    }
    if (url.pathname === '/sms-events/replay') {
      return json(res, 200, { replayed: sms.replayEvents() });
    }
    if (url.pathname === '/opt-out') {
      const parsed: unknown = JSON.parse(body.toString('utf8') || '{}');
      const phoneNumber = (parsed as { phoneNumber?: unknown } | null)?.phoneNumber;
      if (typeof phoneNumber !== 'string') return json(res, 400, { message: 'phoneNumber is required' });
      sms.optOut(phoneNumber);
      return json(res, 200, { optedOut: phoneNumber });
    }
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && target.startsWith('AmazonSQS.')) {
      const sqs = options.sqs();
      if (!sqs)
        return json(res, 503, { __type: 'ServiceUnavailable', message: 'The local runtime is starting' });
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return json(res, 400, { __type: 'SerializationException', message: 'Request body is not JSON' });
      }
      const result = await sqs.handle(target, parsed);
      for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
      return json(res, result.status, result.body, 'application/x-amz-json-1.0');
    }
    if (typeof target === 'string' && target.startsWith(SMS_TARGET_PREFIX)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return json(res, 400, { __type: 'SerializationException', message: 'Request body is not JSON' });
      }
      const result = sms.handle(target, parsed);
      return json(res, result.status, result.body, 'application/x-amz-json-1.0');
    }
    if (typeof target === 'string' && target.startsWith('secretsmanager.') && options.secrets) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return json(res, 400, { __type: 'SerializationException', message: 'Request body is not JSON' });
      }
      const result = options.secrets.handle(target, parsed);
      return json(res, result.status, result.body, 'application/x-amz-json-1.1');
    }
    if (typeof target === 'string') {
      if (!target.startsWith('AWSEvents.')) {
        return json(res, 400, {
          __type: 'UnknownOperationException',
          message: `${target} is not emulated locally`,
        });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return json(res, 400, { __type: 'SerializationException', message: 'Request body is not JSON' });
      }
      const bus = options.bus();
      if (!bus)
        return json(res, 503, { __type: 'ServiceUnavailable', message: 'The local runtime is starting' });
      const result = bus.handle(target, parsed);
      return json(res, result.status, result.body, 'application/x-amz-json-1.1');
    }
    return json(res, 404, { message: 'Not Found' });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.log(`[local-aws] ${req.method} ${req.url} failed: ${String(error)}`);
      if (!res.headersSent) json(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  });
  return listenOnLoopback(server, options.port, 'LOCAL_AWS_PORT');
};
