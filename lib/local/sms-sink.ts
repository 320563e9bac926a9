import { randomUUID } from 'node:crypto';
import type { ProviderThrottle } from './provider-throttle';

// A local stand-in for SNS SMS: the installed @aws-sdk/client-sns speaks the awsQuery protocol
// (form-encoded request, XML response), so this answers Publish, CheckIfPhoneNumberIsOptedOut,
// OptInPhoneNumber and ListPhoneNumbersOptedOut in that protocol and keeps what was "sent" in
// memory for tests and the developer to read back.
//
// Publish is refused (400, `InvalidParameter`, as SNS answers; SnsSmsSender then throws
// ProviderRejectedError) where SNS documents a refusal:
//   - PhoneNumber in E.164: `+`, country code, at most 15 digits (SNS developer guide, "Publishing
//     SMS messages to a mobile phone").
//   - Message not empty; an SMS at most 1,600 bytes in all ("The total size quota for a single SMS
//     publish action is 1,600 bytes", same page; the Publish API reference says 1,600 characters:
//     the stricter reading is kept); any other message at most 256 KB (Publish API reference).
//   - MessageAttributes (SNS developer guide, "Amazon SNS message attributes"): a name of letters,
//     digits, `_`, `-`, `.`, at most 256 characters, no leading, trailing or doubled `.`, unique,
//     not starting with `AWS.` or `Amazon.` in any case except SNS's own SMS attributes
//     (`AWS.SNS.SMS.*`, `AWS.MM.SMS.*`); a DataType of String, String.Array, Number or Binary (an
//     optional `.suffix`), at most 256 bytes; a value, never empty; `AWS.SNS.SMS.SMSType`
//     Promotional or Transactional.

export interface SmsMessage {
  messageId: string;
  at: string;
  phoneNumber?: string;
  topicArn?: string;
  subject?: string;
  message: string;
  /** MessageAttributes by name (e.g. AWS.SNS.SMS.SMSType), string values only. */
  attributes: Record<string, string>;
  /** Like SNS: a message to an opted-out number is accepted but never delivered. */
  status: 'delivered' | 'opted-out' | 'topic-not-emulated';
}

export interface QueryResponse {
  status: number;
  body: string;
}

const NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
const E164 = /^\+[1-9]\d{1,14}$/;

const escapeXml = (text: string): string =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

const ok = (action: string, result: string): QueryResponse => ({
  status: 200,
  body: `<?xml version="1.0"?>\n<${action}Response xmlns="${NAMESPACE}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
});

const fail = (status: number, code: string, message: string): QueryResponse => ({
  status,
  body: `<?xml version="1.0"?>\n<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
});

/** The longest SMS one Publish takes, in UTF-8 bytes, and the longest message to a topic. */
export const SMS_MAX_BYTES = 1600;
export const MESSAGE_MAX_BYTES = 256 * 1024;

const ATTRIBUTE_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const DATA_TYPE = /^(?:String|String\.Array|Number|Binary)(?:\.[A-Za-z0-9_-]+)?$/;
const SMS_ATTRIBUTE = /^AWS\.(?:SNS|MM)\.SMS\./;
const SMS_TYPES = new Set(['Promotional', 'Transactional']);

interface MessageAttribute {
  name: string;
  dataType: string;
  stringValue?: string;
  binaryValue?: string;
}

/** `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue` / `.Value.BinaryValue`. */
const parseAttributes = (params: URLSearchParams): MessageAttribute[] => {
  const attributes: MessageAttribute[] = [];
  for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    const stringValue = params.get(`${prefix}.Value.StringValue`);
    const binaryValue = params.get(`${prefix}.Value.BinaryValue`);
    attributes.push({
      name: params.get(`${prefix}.Name`) as string,
      dataType: params.get(`${prefix}.Value.DataType`) ?? '',
      ...(stringValue !== null ? { stringValue } : {}),
      ...(binaryValue !== null ? { binaryValue } : {}),
    });
  }
  return attributes;
};

/** Why SNS would refuse these MessageAttributes, or undefined. */
export function messageAttributesProblem(attributes: readonly MessageAttribute[]): string | undefined {
  const seen = new Set<string>();
  for (const { name, dataType, stringValue, binaryValue } of attributes) {
    if (name.length === 0 || name.length > 256 || !ATTRIBUTE_NAME.test(name)) {
      return `Invalid parameter: MessageAttributes Reason: invalid attribute name ${name}`;
    }
    if (/^(?:aws|amazon)\./i.test(name) && !SMS_ATTRIBUTE.test(name)) {
      return `Invalid parameter: MessageAttributes Reason: the attribute name ${name} uses a reserved prefix`;
    }
    if (seen.has(name))
      return `Invalid parameter: MessageAttributes Reason: duplicate attribute name ${name}`;
    seen.add(name);
    if (!DATA_TYPE.test(dataType) || Buffer.byteLength(dataType) > 256) {
      return `Invalid parameter: MessageAttributes Reason: invalid data type for ${name}`;
    }
    const value = dataType.startsWith('Binary') ? binaryValue : stringValue;
    if (value === undefined || value === '') {
      return `Invalid parameter: MessageAttributes Reason: the attribute ${name} has no value`;
    }
    if (dataType.startsWith('Number') && !Number.isFinite(Number(value))) {
      return `Invalid parameter: MessageAttributes Reason: the value of ${name} is not a number`;
    }
    if (name === 'AWS.SNS.SMS.SMSType' && !SMS_TYPES.has(value)) {
      return 'Invalid parameter: MessageAttributes Reason: AWS.SNS.SMS.SMSType must be Promotional or Transactional';
    }
  }
  return undefined;
}

export class SmsSink {
  private messages: SmsMessage[] = [];
  private readonly optedOut = new Set<string>();

  /** Answers a share of Publish calls as SNS does over its rate (provider-throttle.ts). */
  constructor(private readonly throttle?: ProviderThrottle) {}

  /** Newest first. */
  list(): SmsMessage[] {
    return [...this.messages].reverse();
  }

  clear(): void {
    this.messages = [];
  }

  /** Simulates the recipient replying STOP. */
  optOut(phoneNumber: string): void {
    this.optedOut.add(phoneNumber);
  }

  handle(params: URLSearchParams): QueryResponse {
    const action = params.get('Action') ?? '';
    switch (action) {
      case 'Publish':
        // SNS over the account's SMS rate: ThrottledException, HTTP 429, nothing sent.
        if (this.throttle?.take()) return fail(429, 'Throttled', 'Rate exceeded');
        return this.publish(params);
      case 'CheckIfPhoneNumberIsOptedOut': {
        const phoneNumber = params.get('phoneNumber') ?? '';
        if (!E164.test(phoneNumber)) return fail(400, 'InvalidParameter', 'Invalid parameter: phoneNumber');
        return ok(action, `<isOptedOut>${this.optedOut.has(phoneNumber)}</isOptedOut>`);
      }
      case 'OptInPhoneNumber': {
        const phoneNumber = params.get('phoneNumber') ?? '';
        if (!E164.test(phoneNumber)) return fail(400, 'InvalidParameter', 'Invalid parameter: phoneNumber');
        this.optedOut.delete(phoneNumber);
        return ok(action, '');
      }
      case 'ListPhoneNumbersOptedOut': {
        const members = [...this.optedOut].map((number) => `<member>${escapeXml(number)}</member>`).join('');
        return ok(action, `<phoneNumbers>${members}</phoneNumbers>`);
      }
      default:
        return fail(
          400,
          'InvalidAction',
          `The action ${action || '(none)'} is not valid for this local SNS sink`,
        );
    }
  }

  private publish(params: URLSearchParams): QueryResponse {
    const message = params.get('Message') ?? '';
    if (message === '') return fail(400, 'InvalidParameter', 'Invalid parameter: Empty message');
    const phoneNumber = params.get('PhoneNumber') ?? undefined;
    const topicArn = params.get('TopicArn') ?? params.get('TargetArn') ?? undefined;
    if (!phoneNumber && !topicArn) {
      return fail(
        400,
        'InvalidParameter',
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
      );
    }
    if (phoneNumber && !E164.test(phoneNumber)) {
      return fail(400, 'InvalidParameter', 'Invalid parameter: PhoneNumber Reason: not an E.164 number');
    }
    const attributes = parseAttributes(params);
    const attributesProblem = messageAttributesProblem(attributes);
    if (attributesProblem) return fail(400, 'InvalidParameter', attributesProblem);
    // Attribute names, types and values count toward the message's size (SNS message attributes).
    const size =
      Buffer.byteLength(message) +
      attributes.reduce(
        (sum, a) =>
          sum +
          Buffer.byteLength(a.name) +
          Buffer.byteLength(a.dataType) +
          Buffer.byteLength(a.stringValue ?? a.binaryValue ?? ''),
        0,
      );
    if (phoneNumber && Buffer.byteLength(message) > SMS_MAX_BYTES) {
      return fail(400, 'InvalidParameter', 'Invalid parameter: Message too long');
    }
    if (size > MESSAGE_MAX_BYTES) {
      return fail(400, 'InvalidParameter', 'Invalid parameter: Message too long');
    }
    const messageId = randomUUID();
    const subject = params.get('Subject') ?? undefined;
    this.messages.push({
      messageId,
      at: new Date().toISOString(),
      ...(phoneNumber ? { phoneNumber } : {}),
      ...(topicArn ? { topicArn } : {}),
      ...(subject ? { subject } : {}),
      message,
      attributes: Object.fromEntries(
        attributes.flatMap((a) => (a.stringValue !== undefined ? [[a.name, a.stringValue]] : [])),
      ),
      status: phoneNumber
        ? this.optedOut.has(phoneNumber)
          ? 'opted-out'
          : 'delivered'
        : 'topic-not-emulated',
    });
    return ok('Publish', `<MessageId>${messageId}</MessageId>`);
  }
}
