import { randomUUID } from 'node:crypto';

// A local stand-in for SNS SMS: the installed @aws-sdk/client-sns speaks the awsQuery protocol
// (form-encoded request, XML response), so this answers Publish, CheckIfPhoneNumberIsOptedOut,
// OptInPhoneNumber and ListPhoneNumbersOptedOut in that protocol and keeps what was "sent" in
// memory for tests and the developer to read back.

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

/** `MessageAttributes.entry.N.Name` / `.Value.StringValue` → { name: value }. */
const messageAttributes = (params: URLSearchParams): Record<string, string> => {
  const attributes: Record<string, string> = {};
  for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const name = params.get(`MessageAttributes.entry.${n}.Name`) as string;
    const value = params.get(`MessageAttributes.entry.${n}.Value.StringValue`);
    if (value !== null) attributes[name] = value;
  }
  return attributes;
};

export class SmsSink {
  private messages: SmsMessage[] = [];
  private readonly optedOut = new Set<string>();

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
    const messageId = randomUUID();
    const subject = params.get('Subject') ?? undefined;
    this.messages.push({
      messageId,
      at: new Date().toISOString(),
      ...(phoneNumber ? { phoneNumber } : {}),
      ...(topicArn ? { topicArn } : {}),
      ...(subject ? { subject } : {}),
      message,
      attributes: messageAttributes(params),
      status: phoneNumber
        ? this.optedOut.has(phoneNumber)
          ? 'opted-out'
          : 'delivered'
        : 'topic-not-emulated',
    });
    return ok('Publish', `<MessageId>${messageId}</MessageId>`);
  }
}
