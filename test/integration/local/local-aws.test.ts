import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  CheckIfPhoneNumberIsOptedOutCommand,
  ListPhoneNumbersOptedOutCommand,
  OptInPhoneNumberCommand,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import type { DynamoDBStreamEvent, EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SnsSmsSender } from '../../../lib/adapters/sns/sns-sms-sender';
import type { EventFailure } from '../../../lib/local/failures';
import type { SmsMessage } from '../../../lib/local/sms-sink';
import { ProviderRejectedError, ProviderThrottledError } from '../../../lib/ports/message-senders';
import { invocationsOf, resetRecorder } from '../../fixtures/local/functions/recorder';
import { startTestRuntime, type TestRuntime } from '../../support/runtime';

// The AWS APIs without an npm emulator, driven through the installed SDK clients: SNS (SMS) and
// EventBridge on the runtime's local AWS endpoint, and SES v2 on the shared emulator.

let runtime: TestRuntime;
let sns: SNSClient;
let events: EventBridgeClient;

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const PHONE = '+447911123456';

beforeAll(async () => {
  runtime = await startTestRuntime();
  sns = new SNSClient({ endpoint: runtime.localAwsEndpoint, region: 'local', credentials });
  events = new EventBridgeClient({ endpoint: runtime.localAwsEndpoint, region: 'local', credentials });
});

afterAll(async () => {
  sns?.destroy();
  events?.destroy();
  await runtime?.stop();
});

beforeEach(() => resetRecorder());

const messages = async (): Promise<SmsMessage[]> =>
  (await (await fetch(`${runtime.localAwsEndpoint}/messages`)).json()) as SmsMessage[];

describe('SMS sink (SNS Publish)', () => {
  it('records an SMS published with the real SNS client, newest first', async () => {
    await fetch(`${runtime.localAwsEndpoint}/clear`, { method: 'POST' });
    const first = await sns.send(
      new PublishCommand({
        PhoneNumber: PHONE,
        Message: 'Happy birthday, Ada: 20% off today',
        MessageAttributes: {
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Promotional' },
          'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'Precis' },
        },
      }),
    );
    const second = await sns.send(new PublishCommand({ PhoneNumber: '+15550100999', Message: 'second' }));
    expect(first.MessageId).toEqual(expect.any(String));
    const list = await messages();
    expect(list.map((m) => m.messageId)).toEqual([second.MessageId, first.MessageId]);
    expect(list[1]).toMatchObject({
      phoneNumber: PHONE,
      message: 'Happy birthday, Ada: 20% off today',
      attributes: { 'AWS.SNS.SMS.SMSType': 'Promotional', 'AWS.SNS.SMS.SenderID': 'Precis' },
      status: 'delivered',
    });
    expect(runtime.smsMessages()).toEqual(list);

    await fetch(`${runtime.localAwsEndpoint}/clear`, { method: 'POST' });
    expect(await messages()).toEqual([]);
  });

  it('rejects what SNS rejects, as an SDK error', async () => {
    await expect(
      sns.send(new PublishCommand({ PhoneNumber: '07911 123456', Message: 'x' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(sns.send(new PublishCommand({ PhoneNumber: PHONE, Message: '' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });

  const attribute = (StringValue: string, DataType = 'String') => ({ DataType, StringValue });
  it.each([
    ['an SMS over 1,600 bytes', { Message: 'é'.repeat(801) }],
    [
      'an attribute name with a reserved prefix',
      { MessageAttributes: { 'Amazon.campaign': attribute('x') } },
    ],
    [
      'an attribute name with two dots in a row',
      { MessageAttributes: { 'precis..campaign': attribute('x') } },
    ],
    ['an attribute name with a colon', { MessageAttributes: { 'precis:campaign': attribute('x') } }],
    [
      'an attribute of an unknown data type',
      { MessageAttributes: { 'precis.campaign': attribute('x', 'Text') } },
    ],
    ['an attribute without a value', { MessageAttributes: { 'precis.campaign': attribute('') } }],
    [
      'a Number attribute that is not a number',
      { MessageAttributes: { 'precis.n': attribute('ten', 'Number') } },
    ],
    [
      'an SMS type SNS does not know',
      { MessageAttributes: { 'AWS.SNS.SMS.SMSType': attribute('Marketing') } },
    ],
  ])('refuses %s (InvalidParameter), and records nothing', async (_what, input) => {
    await fetch(`${runtime.localAwsEndpoint}/clear`, { method: 'POST' });
    await expect(
      sns.send(new PublishCommand({ PhoneNumber: PHONE, Message: 'Your basket misses you', ...input })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
    expect(await messages()).toEqual([]);
  });

  it('SnsSmsSender takes an SMS of exactly 1,600 bytes with our ids (an ISO instant too), and sees a longer one refused for good', async () => {
    const sender = new SnsSmsSender(sns);
    const tags = { campaign: 'basket', occasion: '2026-12-07T09:00:00.000Z', customer: 'c-1' };
    const sent = await sender.send({ to: PHONE, text: 'a'.repeat(1600), tags });
    expect((await messages()).find((m) => m.messageId === sent.messageId)?.attributes).toMatchObject({
      'precis.occasion': '2026-12-07T09:00:00.000Z',
    });
    await expect(sender.send({ to: PHONE, text: 'a'.repeat(1601), tags })).rejects.toBeInstanceOf(
      ProviderRejectedError,
    );
  });

  it('with the throttle switch on, answers Publish as SNS over its rate (429 Throttled): nothing sent, SnsSmsSender sees a throttle', async () => {
    await fetch(`${runtime.localAwsEndpoint}/clear`, { method: 'POST' });
    const client = new SNSClient({
      endpoint: runtime.localAwsEndpoint,
      region: 'local',
      credentials,
      maxAttempts: 1,
    });
    runtime.throttle.share = 1;
    try {
      const calls = runtime.throttle.calls;
      await expect(
        client.send(new PublishCommand({ PhoneNumber: PHONE, Message: 'Happy birthday' })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 429 } });
      const tags = { campaign: 'birthday', occasion: '2026', customer: 'c-1' };
      await expect(new SnsSmsSender(client).send({ to: PHONE, text: 'Hi', tags })).rejects.toBeInstanceOf(
        ProviderThrottledError,
      );
      expect(runtime.throttle.calls - calls).toBe(2);
      expect(await messages()).toEqual([]);
    } finally {
      runtime.throttle.share = 0;
      client.destroy();
    }
  });

  it('keeps an opt-out list: opted-out numbers are reported and not delivered to', async () => {
    const number = '+447911000111';
    expect(
      (await sns.send(new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: number }))).isOptedOut,
    ).toBe(false);
    await fetch(`${runtime.localAwsEndpoint}/opt-out`, {
      method: 'POST',
      body: JSON.stringify({ phoneNumber: number }),
    });
    expect(
      (await sns.send(new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: number }))).isOptedOut,
    ).toBe(true);
    expect((await sns.send(new ListPhoneNumbersOptedOutCommand({}))).phoneNumbers).toContain(number);

    const sent = await sns.send(new PublishCommand({ PhoneNumber: number, Message: 'offer' }));
    expect((await messages()).find((m) => m.messageId === sent.MessageId)?.status).toBe('opted-out');

    await sns.send(new OptInPhoneNumberCommand({ phoneNumber: number }));
    expect(
      (await sns.send(new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: number }))).isOptedOut,
    ).toBe(false);
  });
});

describe('event bus (EventBridge PutEvents)', () => {
  it('delivers a matching event to the rule target, whose write then reaches the stream consumer', async () => {
    const orderId = randomUUID();
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'precis',
            Source: 'precis.shop',
            DetailType: 'OrderPlaced',
            Detail: JSON.stringify({ orderId, customerId: 'c-bus', total: 42.5 }),
          },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
    await runtime.settled();

    const [delivered] = invocationsOf('OrderPlacedFn');
    const event = delivered?.event as EventBridgeEvent<'OrderPlaced', { orderId: string }>;
    expect(event).toMatchObject({
      version: '0',
      id: result.Entries?.[0]?.EventId,
      'detail-type': 'OrderPlaced',
      source: 'precis.shop',
      account: '000000000000',
      region: 'local',
      resources: [],
      detail: { orderId, customerId: 'c-bus', total: 42.5 },
    });
    expect(event.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    // The cascade: OrderPlacedFn wrote to Orders, whose stream feeds OrdersRecorder.
    const streamed = invocationsOf('OrdersRecorder').flatMap((i) => (i.event as DynamoDBStreamEvent).Records);
    expect(streamed.map((r) => r.dynamodb?.NewImage?.orderKey?.S)).toEqual([`${event.time}#${orderId}`]);
  });

  it('does not deliver events that the rule pattern does not match', async () => {
    const put = (bus: string | undefined, source: string, detail: object) =>
      events.send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: bus, Source: source, DetailType: 'OrderPlaced', Detail: JSON.stringify(detail) },
          ],
        }),
      );
    await put('precis', 'someone.else', { orderId: 'o', customerId: 'c', total: 1 });
    await put('precis', 'precis.shop', { orderId: 'o', customerId: 'c', total: 0 }); // numeric > 0
    await put(undefined, 'precis.shop', { orderId: 'o', customerId: 'c', total: 1 }); // default bus
    await runtime.settled();
    expect(invocationsOf('OrderPlacedFn')).toEqual([]);
  });

  it('reports malformed entries and unknown buses per entry, like EventBridge', async () => {
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'precis', Source: 'precis.shop', DetailType: 'OrderPlaced', Detail: 'not json' },
          { EventBusName: 'nope', Source: 'precis.shop', DetailType: 'OrderPlaced', Detail: '{}' },
          { EventBusName: 'precis', Source: 'precis.shop', DetailType: 'Other', Detail: '{}' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'MalformedDetail',
      'ResourceNotFoundException',
      'ok',
    ]);
  });

  it('retries a failing target as an async invocation, then records the failure', async () => {
    const before = runtime.failures().length;
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'arn:aws:events:local:000000000000:event-bus/precis',
            Source: 'precis.shop',
            DetailType: 'OrderPlaced',
            Detail: JSON.stringify({ orderId: 'bad', customerId: 'c-fail', total: 1, fail: true }),
          },
        ],
      }),
    );
    await runtime.settled();
    // EventInvokeConfig MaximumRetryAttempts: 1 → two attempts.
    expect(invocationsOf('OrderPlacedFn')).toHaveLength(2);
    const failures = runtime.failures().slice(before) as EventFailure[];
    expect(failures).toEqual([
      expect.objectContaining({
        kind: 'event',
        functionName: 'OrderPlacedFn',
        source: 'rule OrderPlacedRule',
        condition: 'RetryAttemptsExhausted',
        errorType: 'Error',
        approximateInvokeCount: 2,
        eventId: result.Entries?.[0]?.EventId,
        detailType: 'OrderPlaced',
      }),
    ]);
  });
});

describe('SES v2', () => {
  it('sends mail to the SES emulator the runtime hands to functions', async () => {
    const ses = new SESv2Client({ endpoint: runtime.sesEndpoint, region: 'local', credentials });
    const to = `${randomUUID()}@example.com`;
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'hello@precis.example',
        Destination: { ToAddresses: [to] },
        Content: { Simple: { Subject: { Data: 'Welcome' }, Body: { Text: { Data: 'Hi' } } } },
      }),
    );
    ses.destroy();
    const store = (await (await fetch(`${runtime.sesEndpoint}/store`)).json()) as {
      emails: { destination: { to: string[] }; subject: string }[];
    };
    expect(
      store.emails.filter((mail) => mail.destination.to.includes(to)).map((mail) => mail.subject),
    ).toEqual(['Welcome']);
  });
});
