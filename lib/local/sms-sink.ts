import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ProviderThrottle } from './provider-throttle';

// A local stand-in for AWS End User Messaging SMS (API `pinpoint-sms-voice-v2`, the awsJson1_0
// protocol: POST with `X-Amz-Target: PinpointSMSVoiceV2.<Operation>` and a JSON body). It answers
// SendTextMessage, DescribeOptedOutNumbers, PutOptedOutNumber and DeleteOptedOutNumber, keeps what
// was "sent" in memory for tests and the developer to read back, and hands each accepted text's
// TEXT_QUEUED event (the service took it) to `publishEventsTo`'s listener: the runtime delivers it
// as the configuration set's SNS event destination would. The carrier's later receipts and STOP
// replies come from the provider events stand-in (provider-events-stand-in.ts, told by `onAccept`).
//
// SendTextMessage is refused as the API reference documents (ValidationException with its `Reason`;
// EumSmsSender then throws ProviderRejectedError):
//   - DestinationPhoneNumber required, in E.164 (`+`, country code, at most 15 digits; the API's own
//     pattern is looser, but a number outside E.164 is not deliverable).
//   - MessageBody 1 to 1,600 characters; MessageType TRANSACTIONAL or PROMOTIONAL.
//   - Context at most 5 entries, keys 1–100 and values 1–800 characters, no whitespace (`\S+`).
//   - ConfigurationSetName and OriginationIdentity 1–256 of `[A-Za-z0-9_:/-]` (`+` too in an
//     identity); TimeToLive 5–259,200 seconds; MaxPrice a decimal such as `0.50`.
// A destination on the opt-out list (it replied STOP) is refused with ConflictException, reason
// DESTINATION_PHONE_NUMBER_OPTED_OUT, and nothing is sent. Over the rate: ThrottlingException.

export interface SmsMessage {
  messageId: string;
  at: string;
  phoneNumber: string;
  message: string;
  messageType: 'TRANSACTIONAL' | 'PROMOTIONAL';
  configurationSet?: string;
  originationIdentity?: string;
  /** SendTextMessage's Context: our ids (campaign, occasion, customer), echoed in every event. */
  context: Record<string, string>;
}

/** An SMS event record as End User Messaging publishes it to an event destination. */
export interface SmsEventRecord {
  eventType: string;
  eventVersion: '1.0';
  eventTimestamp: number;
  isFinal: boolean;
  originationPhoneNumber: string;
  destinationPhoneNumber: string;
  isInternationalSend: boolean;
  messageId: string;
  messageRequestTimestamp: number;
  messageEncoding: 'GSM' | 'UCS2';
  messageType: 'TRANSACTIONAL' | 'PROMOTIONAL';
  messageStatus: string;
  messageStatusDescription: string;
  context: Record<string, string>;
  totalMessageParts: number;
}

/** The events the stand-ins publish, with the record's messageStatus and its description. */
const SMS_STATUS = {
  TEXT_QUEUED: ['QUEUED', 'Message is queued for delivery'],
  TEXT_DELIVERED: ['DELIVERED', 'Message has been accepted by phone'],
  TEXT_UNREACHABLE: ['UNREACHABLE', 'The destination phone is unreachable'],
} as const;

export interface JsonResponse {
  status: number;
  body: unknown;
}

export const SMS_TARGET_PREFIX = 'PinpointSMSVoiceV2.';
export const SMS_MAX_CHARACTERS = 1600;
export const CONTEXT_MAX_ENTRIES = 5;
export const CONTEXT_KEY_MAX = 100;
export const CONTEXT_VALUE_MAX = 800;
/** The account's opt-out list every phone number and pool uses unless set otherwise. */
export const DEFAULT_OPT_OUT_LIST = 'Default';
/** The origination number events name when the request named none (a local stand-in's own). */
const LOCAL_ORIGINATION = '+15555550100';

const E164 = /^\+[1-9]\d{1,14}$/;
const RESOURCE_NAME = /^[A-Za-z0-9_:/-]{1,256}$/;
const IDENTITY = /^[A-Za-z0-9_:/+-]{1,256}$/;
const NO_SPACE = /^\S+$/;
const MAX_PRICE = /^[0-9]{0,2}\.[0-9]{1,5}$/;
const NAMESPACE = 'com.amazonaws.pinpointsmsvoicev2';

const fail = (status: number, type: string, message: string, extra: Record<string, unknown> = {}) => ({
  status,
  body: { __type: `${NAMESPACE}#${type}`, Message: message, ...extra },
});
const invalid = (reason: string, message: string) =>
  fail(400, 'ValidationException', message, { Reason: reason });

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** GSM 03.38's basic set (a text outside it goes as UCS-2, 70 characters a part). */
const GSM = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;
const partsOf = (text: string): { encoding: 'GSM' | 'UCS2'; parts: number } => {
  const gsm = GSM.test(text);
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  const length = [...text].length;
  return { encoding: gsm ? 'GSM' : 'UCS2', parts: length <= single ? 1 : Math.ceil(length / multi) };
};

/** Why End User Messaging would refuse this SendTextMessage request, or undefined. */
export function sendTextMessageRefusal(input: Record<string, unknown>): JsonResponse | undefined {
  const phone = input.DestinationPhoneNumber;
  if (typeof phone !== 'string' || phone === '') {
    return invalid('MISSING_PARAMETER', 'DestinationPhoneNumber is required');
  }
  if (!E164.test(phone)) return invalid('INVALID_PARAMETER', 'DestinationPhoneNumber is not an E.164 number');
  const body = input.MessageBody;
  if (typeof body !== 'string' || body === '') return invalid('MISSING_PARAMETER', 'MessageBody is required');
  if ([...body].length > SMS_MAX_CHARACTERS) {
    return invalid('MAXIMUM_SIZE_EXCEEDED', `MessageBody is longer than ${SMS_MAX_CHARACTERS} characters`);
  }
  const type = input.MessageType;
  if (type !== undefined && type !== 'TRANSACTIONAL' && type !== 'PROMOTIONAL') {
    return invalid('INVALID_PARAMETER', 'MessageType must be TRANSACTIONAL or PROMOTIONAL');
  }
  const context = input.Context;
  if (context !== undefined) {
    if (!isRecord(context)) return invalid('INVALID_PARAMETER', 'Context must be a map of strings');
    const entries = Object.entries(context);
    if (entries.length > CONTEXT_MAX_ENTRIES) {
      return invalid('INVALID_PARAMETER', `Context has more than ${CONTEXT_MAX_ENTRIES} entries`);
    }
    for (const [key, value] of entries) {
      if (key.length > CONTEXT_KEY_MAX || !NO_SPACE.test(key)) {
        return invalid(
          'INVALID_PARAMETER',
          `Context key ${key.slice(0, 100)} is not 1-${CONTEXT_KEY_MAX} characters without spaces`,
        );
      }
      if (typeof value !== 'string' || value.length > CONTEXT_VALUE_MAX || !NO_SPACE.test(value)) {
        return invalid(
          'INVALID_PARAMETER',
          `Context value of ${key} is not 1-${CONTEXT_VALUE_MAX} characters without spaces`,
        );
      }
    }
  }
  const set = input.ConfigurationSetName;
  if (set !== undefined && (typeof set !== 'string' || !RESOURCE_NAME.test(set))) {
    return invalid('INVALID_PARAMETER', 'ConfigurationSetName is not valid');
  }
  const identity = input.OriginationIdentity;
  if (identity !== undefined && (typeof identity !== 'string' || !IDENTITY.test(identity))) {
    return invalid('INVALID_PARAMETER', 'OriginationIdentity is not valid');
  }
  const ttl = input.TimeToLive;
  if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 5 || ttl > 259_200)) {
    return invalid('INVALID_PARAMETER', 'TimeToLive must be 5 to 259200 seconds');
  }
  const price = input.MaxPrice;
  if (price !== undefined && (typeof price !== 'string' || !MAX_PRICE.test(price))) {
    return invalid('INVALID_PARAMETER', 'MaxPrice is not a price such as 0.50');
  }
  return undefined;
}

export class SmsSink {
  private messages: SmsMessage[] = [];
  /** Opt-out list name → opted-out numbers. */
  private readonly optOutLists = new Map<string, Set<string>>([[DEFAULT_OPT_OUT_LIST, new Set()]]);
  private onEvents: ((events: SmsEventRecord[], configurationSet: string) => void) | undefined;
  private onAccepted: ((message: SmsMessage) => void) | undefined;

  /**
   * `throttle`: answers a share of SendTextMessage calls as the service does over its rate
   * (provider-throttle.ts). `now`: the events' clock (the runtime's shared clock). `file`: where the
   * texts taken are kept (JSON lines, written before the answer), so they outlive the runtime as the
   * provider's do; read back at start.
   */
  constructor(
    private readonly throttle?: ProviderThrottle,
    private readonly now: () => Date = () => new Date(),
    private readonly file?: string,
  ) {
    if (file && existsSync(file)) {
      this.messages = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as SmsMessage);
    }
  }

  /** Where an accepted text's events go (the configuration set's event destinations). */
  publishEventsTo(listener: (events: SmsEventRecord[], configurationSet: string) => void): void {
    this.onEvents = listener;
  }

  /** Told of every accepted text (after its TEXT_QUEUED): the provider events stand-in plans its receipts. */
  onAccept(listener: (message: SmsMessage) => void): void {
    this.onAccepted = listener;
  }

  /** Newest first. */
  list(): SmsMessage[] {
    return [...this.messages].reverse();
  }

  clear(): void {
    this.messages = [];
    if (this.file) writeFileSync(this.file, '');
  }

  /**
   * Every kept text's TEXT_QUEUED event again: what the SNS topic would still deliver (at least
   * once) after the runtime that held the local topic died. The feedback function is idempotent.
   */
  replayEvents(): number {
    for (const message of this.messages) this.publishEvent(message, 'TEXT_QUEUED');
    return this.messages.length;
  }

  /** Simulates the recipient replying STOP: the number joins the default opt-out list. */
  optOut(phoneNumber: string, list = DEFAULT_OPT_OUT_LIST): void {
    this.listNamed(list, true)?.add(phoneNumber);
  }

  private listNamed(name: unknown, create = false): Set<string> | undefined {
    if (typeof name !== 'string') return undefined;
    let list = this.optOutLists.get(name);
    if (!list && create) {
      list = new Set();
      this.optOutLists.set(name, list);
    }
    return list;
  }

  handle(target: string, input: unknown): JsonResponse {
    const body = isRecord(input) ? input : {};
    const operation = target.slice(SMS_TARGET_PREFIX.length);
    switch (operation) {
      case 'SendTextMessage':
        return this.sendTextMessage(body);
      case 'DescribeOptedOutNumbers': {
        const list = this.listNamed(body.OptOutListName);
        if (!list) {
          return fail(404, 'ResourceNotFoundException', 'No such opt-out list', {
            ResourceType: 'opt-out-list',
            ResourceId: String(body.OptOutListName),
          });
        }
        const wanted = Array.isArray(body.OptedOutNumbers) ? body.OptedOutNumbers : [...list];
        return {
          status: 200,
          body: {
            OptOutListName: body.OptOutListName,
            OptedOutNumbers: wanted
              .filter((n): n is string => typeof n === 'string' && list.has(n))
              .map((n) => ({ OptedOutNumber: n, OptedOutTimestamp: 0, EndUserOptedOut: true })),
          },
        };
      }
      case 'PutOptedOutNumber':
      case 'DeleteOptedOutNumber': {
        const list = this.listNamed(body.OptOutListName);
        const number = body.OptedOutNumber;
        if (!list)
          return fail(404, 'ResourceNotFoundException', 'No such opt-out list', {
            ResourceType: 'opt-out-list',
          });
        if (typeof number !== 'string' || !E164.test(number)) {
          return invalid('INVALID_PARAMETER', 'OptedOutNumber is not an E.164 number');
        }
        if (operation === 'PutOptedOutNumber') list.add(number);
        else list.delete(number);
        return { status: 200, body: { OptOutListName: body.OptOutListName, OptedOutNumber: number } };
      }
      default:
        return fail(400, 'UnknownOperationException', `${target} is not emulated locally`);
    }
  }

  /**
   * One event of a text it took, to the configuration set's event destinations: TEXT_QUEUED (the
   * service's own, at once), or a carrier's receipt (TEXT_DELIVERED, TEXT_UNREACHABLE…), which the
   * provider events stand-in (provider-events-stand-in.ts) publishes later.
   */
  publishEvent(message: SmsMessage, eventType: keyof typeof SMS_STATUS): void {
    if (!message.configurationSet || !this.onEvents) return;
    const { encoding, parts } = partsOf(message.message);
    const origination = message.originationIdentity;
    const [messageStatus, messageStatusDescription] = SMS_STATUS[eventType];
    const record: SmsEventRecord = {
      eventType,
      eventVersion: '1.0',
      eventTimestamp: this.now().getTime(),
      isFinal: eventType !== 'TEXT_QUEUED',
      originationPhoneNumber: origination?.startsWith('+') ? origination : LOCAL_ORIGINATION,
      destinationPhoneNumber: message.phoneNumber,
      isInternationalSend: false,
      messageId: message.messageId,
      messageRequestTimestamp: Date.parse(message.at),
      messageEncoding: encoding,
      messageType: message.messageType,
      messageStatus,
      messageStatusDescription,
      context: message.context,
      totalMessageParts: parts,
    };
    this.onEvents([record], message.configurationSet);
  }

  private sendTextMessage(input: Record<string, unknown>): JsonResponse {
    const refusal = sendTextMessageRefusal(input);
    if (refusal) return refusal;
    const phoneNumber = input.DestinationPhoneNumber as string;
    // Every phone number and pool uses the account's default opt-out list unless set otherwise.
    if (this.optOutLists.get(DEFAULT_OPT_OUT_LIST)?.has(phoneNumber)) {
      return fail(400, 'ConflictException', 'The destination phone number is opted out', {
        Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
        ResourceType: 'opt-out-list',
        ResourceId: DEFAULT_OPT_OUT_LIST,
      });
    }
    if (this.throttle?.take()) return fail(400, 'ThrottlingException', 'Rate exceeded');
    const messageId = randomUUID();
    const at = this.now();
    const messageType: SmsMessage['messageType'] =
      input.MessageType === 'TRANSACTIONAL' ? 'TRANSACTIONAL' : 'PROMOTIONAL';
    const context = (isRecord(input.Context) ? input.Context : {}) as Record<string, string>;
    const configurationSet =
      typeof input.ConfigurationSetName === 'string' ? input.ConfigurationSetName : undefined;
    const originationIdentity =
      typeof input.OriginationIdentity === 'string' ? input.OriginationIdentity : undefined;
    const message: SmsMessage = {
      messageId,
      at: at.toISOString(),
      phoneNumber,
      message: input.MessageBody as string,
      messageType,
      ...(configurationSet ? { configurationSet } : {}),
      ...(originationIdentity ? { originationIdentity } : {}),
      context,
    };
    if (this.file) appendFileSync(this.file, `${JSON.stringify(message)}\n`);
    this.messages.push(message);
    this.publishEvent(message, 'TEXT_QUEUED');
    this.onAccepted?.(message);
    return { status: 200, body: { MessageId: messageId } };
  }
}
