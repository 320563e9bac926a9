import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { isValidSesTag } from '../domain/campaigns/ses-tags';
import { emailAddressProblem } from '../domain/email-address';
import type { BusEvent, EventBus } from './event-bus';
import { type LoopbackServer, listenOnLoopback } from './http-server';
import { SES_DETAIL_TYPES, type SesMail } from './provider-events';
import type { ProviderThrottle } from './provider-throttle';
import { LOCAL_ACCOUNT, LOCAL_REGION, type SesEventDestinationModel } from './template';

// The runtime's SES endpoint: a loopback proxy in front of the SES v2 emulator (ses-local.ts), which
// takes whatever it is sent. SendEmail requests are checked first against what real SES documents
// and refuses, so a send SES would refuse fails here and in tests too; a refusal answers with SES's
// own error shape (HTTP 400, JSON `{ message }`, the `x-amzn-ErrorType` header SDK v3 reads), which
// SesEmailSender classifies as ProviderRejectedError. Everything else (valid sends, GET /store, the
// web inbox) is forwarded unchanged.
//
// An accepted send then publishes what SES publishes for a configuration set whose EventBridge
// destination matches SEND (AWS::SES::ConfigurationSetEventDestination in the templates): an
// `Email Sent` event (source `aws.ses`) on that destination's bus, detail
// `{ eventType: 'Send', mail: {…, tags: { name: [value] }}, send: {} }`
// (https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-firehose-contents.html).
//
// The checks, from the SES v2 API reference and the SES quotas page:
//   - EmailTags: name and value only ASCII letters, digits, `_`, `-`; at most 256 characters
//     (API_MessageTag; `ses:feedback-id-a` / `-b` are SES's own allowed names).
//   - Headers: name printable ASCII but `:`, 1–126 characters; value printable ASCII, 1–870
//     (API_MessageHeader).
//   - FromEmailAddress present; every address `local@domain.tld`, local part 7-bit ASCII
//     (API_SendEmail: "If a recipient email address is invalid … the entire message is rejected").
//   - 1 to 50 recipients across To, Cc and Bcc (quotas: "50 recipients per message").
//   - The message at most 40 MB after base64 encoding (quotas: SES v2 API maximum message size).

export const SES_MAX_RECIPIENTS = 50;
export const SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024;
const MAX_HEADER_NAME = 126;
const MAX_HEADER_VALUE = 870;
const SES_SPECIAL_TAG_NAMES = new Set(['ses:feedback-id-a', 'ses:feedback-id-b']);
/** A request body beyond this is not read: the message inside is over the limit anyway. */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
const SEND_EMAIL_PATH = '/v2/email/outbound-emails';

export type SesStandIn = LoopbackServer;

export interface SesStandInOptions {
  port: number;
  /** The SES v2 emulator every accepted request is forwarded to. */
  upstream: string;
  /** The templates' SES event destinations (only those publishing SEND matter here). */
  destinations?: readonly SesEventDestinationModel[];
  /** The local EventBridge; undefined while the runtime is starting (no event is published then). */
  bus?: () => EventBus | undefined;
  /** Publish the `Email Sent` events (default true); a test may turn them off. */
  publishEvents?: boolean;
  /** The event time (the runtime's shared clock). */
  now?: () => Date;
  /** Answers a share of SendEmail calls as SES does over the account's rate (provider-throttle.ts). */
  throttle?: ProviderThrottle;
  /**
   * Told of every accepted email (after its `Email Sent` event): the provider events stand-in
   * (provider-events-stand-in.ts) plans its delivery, opens, clicks, bounces and complaints.
   */
  onAccepted?: (accepted: AcceptedEmail) => void;
  log?: (line: string) => void;
}

/** An email SES took: what its later events repeat, and its HTML (the links a reader may click). */
export interface AcceptedEmail {
  mail: SesMail;
  configurationSet?: string;
  html?: string;
}

/**
 * Publishes one SES event as SES does for a configuration set: on the bus of each of the set's
 * EventBridge destinations whose MatchingEventTypes include `matchingType`. Returns how many.
 */
export function publishSesEvent(
  bus: EventBus,
  destinations: readonly SesEventDestinationModel[],
  configurationSet: string,
  matchingType: string,
  detail: { eventType: keyof typeof SES_DETAIL_TYPES } & Record<string, unknown>,
  at: Date,
): number {
  let published = 0;
  for (const destination of destinations) {
    if (destination.configurationSet !== configurationSet || !destination.eventTypes.includes(matchingType))
      continue;
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': SES_DETAIL_TYPES[detail.eventType],
      source: 'aws.ses',
      account: LOCAL_ACCOUNT,
      time: `${at.toISOString().slice(0, 19)}Z`,
      region: LOCAL_REGION,
      resources: [`arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:configuration-set/${configurationSet}`],
      detail,
    };
    bus.publish(destination.busName, event);
    published++;
  }
  return published;
}

/** A refusal as SES v2 answers it (restJson1). */
interface Refusal {
  type: 'BadRequestException' | 'MessageRejected' | 'TooManyRequestsException';
  message: string;
}

// What SendEmail carries that the checks read; anything else passes through as it is.
interface SendEmailRequest {
  FromEmailAddress?: unknown;
  ConfigurationSetName?: unknown;
  Destination?: { ToAddresses?: unknown; CcAddresses?: unknown; BccAddresses?: unknown };
  ReplyToAddresses?: unknown;
  EmailTags?: unknown;
  Content?: {
    Simple?: {
      Subject?: { Data?: unknown };
      Body?: { Html?: { Data?: unknown }; Text?: { Data?: unknown } };
      Headers?: unknown;
      Attachments?: unknown;
    };
    Raw?: { Data?: unknown };
    Template?: { Headers?: unknown; TemplateData?: unknown };
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** The bare address of `addr@example.com` or `Name <addr@example.com>`. */
const bareAddress = (text: string): string => {
  const angle = /<([^<>]*)>\s*$/.exec(text);
  return (angle?.[1] ?? text).trim();
};

/**
 * `UserName@[SubDomain.]Domain.TopLevelDomain` as SES takes it: the dot-atom our signup form takes
 * (email-address.ts), in ASCII (SES wants an internationalised domain as its xn-- A-labels, and no
 * SMTPUTF8 local part).
 */
export function isSesAddress(text: string): boolean {
  const address = bareAddress(text);
  return /^[\x21-\x7e]+$/.test(address) && emailAddressProblem(address) === undefined;
}

const utf8Bytes = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value) : 0);

/** The MIME message's size after base64 encoding, as SES counts it against the 40 MB. */
const messageBytes = (request: SendEmailRequest): number => {
  const raw = request.Content?.Raw?.Data;
  // Raw content arrives base64 encoded already: its decoded size is the message.
  if (typeof raw === 'string') return Math.floor((raw.length * 3) / 4);
  const simple = request.Content?.Simple;
  const parts =
    utf8Bytes(simple?.Subject?.Data) +
    utf8Bytes(simple?.Body?.Html?.Data) +
    utf8Bytes(simple?.Body?.Text?.Data) +
    (Array.isArray(simple?.Attachments)
      ? simple.Attachments.reduce<number>(
          (sum, attachment) =>
            sum + (isRecord(attachment) ? Math.floor((utf8Bytes(attachment.RawContent) * 3) / 4) : 0),
          0,
        )
      : 0) +
    utf8Bytes(request.Content?.Template?.TemplateData);
  return Math.ceil((parts * 4) / 3);
};

const headerProblem = (headers: unknown): string | undefined => {
  for (const header of Array.isArray(headers) ? headers : []) {
    const name = isRecord(header) && typeof header.Name === 'string' ? header.Name : '';
    const value = isRecord(header) && typeof header.Value === 'string' ? header.Value : '';
    if (!/^[!-9;-~]{1,126}$/.test(name) || name.length > MAX_HEADER_NAME) {
      return `Invalid header name: printable ASCII except ':', at most ${MAX_HEADER_NAME} characters.`;
    }
    if (!/^[ -~]+$/.test(value) || value.length > MAX_HEADER_VALUE) {
      return `Invalid value for header ${name}: printable ASCII, 1 to ${MAX_HEADER_VALUE} characters.`;
    }
  }
  return undefined;
};

/** Why real SES would refuse this SendEmail request, or undefined when it would take it. */
export function sendEmailRefusal(request: SendEmailRequest): Refusal | undefined {
  const bad = (message: string): Refusal => ({ type: 'BadRequestException', message });
  for (const tag of Array.isArray(request.EmailTags) ? request.EmailTags : []) {
    const name = isRecord(tag) && typeof tag.Name === 'string' ? tag.Name : '';
    const value = isRecord(tag) && typeof tag.Value === 'string' ? tag.Value : '';
    if (name === '' || !(isValidSesTag(name) || SES_SPECIAL_TAG_NAMES.has(name))) {
      return bad(
        `Invalid tag name <${name}>: only alphanumeric ASCII characters, '_', and '-' are allowed, at most 256.`,
      );
    }
    if (!isValidSesTag(value)) {
      return bad(
        `Invalid tag value <${value}>: only alphanumeric ASCII characters, '_', and '-' are allowed, at most 256.`,
      );
    }
  }
  const headers = headerProblem(request.Content?.Simple?.Headers ?? request.Content?.Template?.Headers);
  if (headers) return bad(headers);
  const from = request.FromEmailAddress;
  if (request.Content?.Raw === undefined) {
    if (typeof from !== 'string' || from === '') return bad('Missing required field FromEmailAddress.');
  }
  // Addresses are not echoed: SES's message would name the address, our logs must not.
  if (typeof from === 'string' && from !== '' && !isSesAddress(from)) return bad('Illegal address in From.');
  const destination = request.Destination ?? {};
  const recipients = [
    ...strings(destination.ToAddresses),
    ...strings(destination.CcAddresses),
    ...strings(destination.BccAddresses),
  ];
  if (request.Content?.Raw === undefined && recipients.length === 0) {
    return bad('Missing required field Destination: at least one recipient.');
  }
  if (recipients.length > SES_MAX_RECIPIENTS) {
    return bad(`Recipient count exceeds ${SES_MAX_RECIPIENTS}.`);
  }
  if (!recipients.every(isSesAddress)) return bad('Illegal address in Destination.');
  if (!strings(request.ReplyToAddresses).every(isSesAddress))
    return bad('Illegal address in ReplyToAddresses.');
  const size = messageBytes(request);
  if (size > SES_MAX_MESSAGE_BYTES) {
    return {
      type: 'MessageRejected',
      message: `Message length is more than ${SES_MAX_MESSAGE_BYTES} bytes long.`,
    };
  }
  return undefined;
}

const readBody = (req: IncomingMessage): Promise<Buffer | 'too-large'> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });

const refuse = (res: ServerResponse, refusal: Refusal, status = 400) => {
  const body = JSON.stringify({ message: refusal.message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': refusal.type,
    'x-amzn-requestid': randomUUID(),
  });
  res.end(body);
};

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

/** The SES event record's `mail` object for an accepted SendEmail (what the Send event carries). */
const mailObject = (request: SendEmailRequest, messageId: string, at: Date): SesMail => {
  const destination = request.Destination ?? {};
  const from = typeof request.FromEmailAddress === 'string' ? request.FromEmailAddress : '';
  const fromDomain = bareAddress(from).split('@')[1] ?? '';
  const tags: Record<string, string[]> = {};
  if (typeof request.ConfigurationSetName === 'string') {
    tags['ses:configuration-set'] = [request.ConfigurationSetName];
  }
  if (fromDomain) tags['ses:from-domain'] = [fromDomain];
  tags['ses:caller-identity'] = ['local'];
  for (const tag of Array.isArray(request.EmailTags) ? request.EmailTags : []) {
    if (isRecord(tag) && typeof tag.Name === 'string' && typeof tag.Value === 'string') {
      tags[tag.Name] = [tag.Value];
    }
  }
  const to = strings(destination.ToAddresses);
  const subject = request.Content?.Simple?.Subject?.Data;
  return {
    timestamp: at.toISOString(),
    source: from,
    sourceArn: `arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:identity/${fromDomain || from}`,
    sendingAccountId: LOCAL_ACCOUNT,
    messageId,
    destination: [...to, ...strings(destination.CcAddresses), ...strings(destination.BccAddresses)],
    headersTruncated: false,
    commonHeaders: {
      from: [from],
      to,
      messageId,
      ...(typeof subject === 'string' ? { subject } : {}),
    },
    tags,
  };
};

export const startSesStandIn = async (options: SesStandInOptions): Promise<SesStandIn> => {
  const log = options.log ?? (() => {});
  const upstream = options.upstream.replace(/\/$/, '');
  const now = options.now ?? (() => new Date());

  const publishSent = (request: SendEmailRequest, messageId: string) => {
    const configurationSet =
      typeof request.ConfigurationSetName === 'string' ? request.ConfigurationSetName : undefined;
    const at = now();
    const mail = mailObject(request, messageId, at);
    const bus = options.bus?.();
    if (options.publishEvents !== false && configurationSet && bus) {
      publishSesEvent(
        bus,
        options.destinations ?? [],
        configurationSet,
        'SEND',
        { eventType: 'Send', mail, send: {} },
        at,
      );
    }
    const html = request.Content?.Simple?.Body?.Html?.Data;
    options.onAccepted?.({
      mail,
      ...(configurationSet ? { configurationSet } : {}),
      ...(typeof html === 'string' ? { html } : {}),
    });
  };

  // node:http with kept-alive connections: the emulator runs in this process too, so every hop's
  // cost is paid twice on one event loop (fetch doubled the stand-in's cost per send).
  const agent = new Agent({ keepAlive: true });
  const target = new URL(upstream);
  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, string | string[]>; bytes: Buffer }>(
      (resolve, reject) => {
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
        }
        if (body.length > 0) headers['content-length'] = String(body.length);
        const outgoing = request(
          {
            agent,
            host: target.hostname,
            port: target.port,
            method: req.method ?? 'GET',
            path: req.url ?? '/',
            headers,
            timeout: 60_000,
          },
          (answer) => {
            const chunks: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => chunks.push(chunk));
            answer.on('end', () => {
              const forwarded: Record<string, string | string[]> = {};
              for (const [name, value] of Object.entries(answer.headers)) {
                if (!HOP_BY_HOP.has(name) && value !== undefined) forwarded[name] = value;
              }
              resolve({ status: answer.statusCode ?? 502, headers: forwarded, bytes: Buffer.concat(chunks) });
            });
            answer.on('error', reject);
          },
        );
        outgoing.on('timeout', () => outgoing.destroy(new Error('The SES emulator did not answer in 60 s')));
        outgoing.on('error', reject);
        outgoing.end(body);
      },
    );

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const isSend =
      req.method === 'POST' && new URL(req.url ?? '/', 'http://localhost').pathname === SEND_EMAIL_PATH;
    if (body === 'too-large') {
      return refuse(res, {
        type: 'MessageRejected',
        message: `Message length is more than ${SES_MAX_MESSAGE_BYTES} bytes long.`,
      });
    }
    let request: SendEmailRequest | undefined;
    if (isSend) {
      try {
        const parsed: unknown = JSON.parse(body.toString('utf8'));
        request = isRecord(parsed) ? (parsed as SendEmailRequest) : {};
      } catch {
        return refuse(res, { type: 'BadRequestException', message: 'The request body is not JSON.' });
      }
      const refusal = sendEmailRefusal(request);
      if (refusal) {
        log(`[ses] SendEmail refused: ${refusal.type}`);
        return refuse(res, refusal);
      }
      if (options.throttle?.take()) {
        // SES v2 over the account's sending rate: TooManyRequestsException, HTTP 429, nothing sent.
        return refuse(res, { type: 'TooManyRequestsException', message: 'Too many requests.' }, 429);
      }
    }
    const { status, headers, bytes } = await forward(req, body);
    // Published before the answer, so the event's invocations are under way while the sender's
    // invocation still is (the runtime's settled() then waits for them).
    if (request && status === 200) {
      try {
        const messageId = (JSON.parse(bytes.toString('utf8')) as { MessageId?: unknown }).MessageId;
        if (typeof messageId === 'string') publishSent(request, messageId);
      } catch (error) {
        log(`[ses] could not publish the Email Sent event: ${String(error)}`);
      }
    }
    res.writeHead(status, { ...headers, 'content-length': bytes.length });
    res.end(bytes);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`[ses] ${req.method} ${req.url} failed: ${String(error)}`);
      if (!res.headersSent) {
        const body = JSON.stringify({ message: 'Internal Server Error' });
        res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalFailure' });
        res.end(body);
      } else res.destroy();
    });
  });
  const listening = await listenOnLoopback(server, options.port, 'SES_PORT');
  return {
    ...listening,
    stop: async () => {
      agent.destroy();
      await listening.stop();
    },
  };
};
