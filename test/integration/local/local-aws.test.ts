import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteOptedOutNumberCommand,
  DescribeOptedOutNumbersCommand,
  PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  type SendTextMessageCommandInput,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { DynamoDBStreamEvent, EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EumSmsSender } from '../../../lib/adapters/sms-voice/eum-sms-sender';
import type { EventFailure } from '../../../lib/local/failures';
import { type SmsEventRecord, type SmsMessage, SmsSink } from '../../../lib/local/sms-sink';
import { ProviderRejectedError, ProviderThrottledError } from '../../../lib/ports/message-senders';
import { invocationsOf, resetRecorder } from '../../fixtures/local/functions/recorder';
import { startTestRuntime, type TestRuntime } from '../../support/runtime';

// The AWS APIs without an npm emulator, driven through the installed SDK clients: End User
// Messaging SMS and
// EventBridge on the runtime's local AWS endpoint, and SES v2 on the shared emulator.

let runtime: TestRuntime;
let sms: PinpointSMSVoiceV2Client;
let events: EventBridgeClient;

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const PHONE = '+447911123456';

beforeAll(async () => {
  runtime = await startTestRuntime();
  sms = new PinpointSMSVoiceV2Client({ endpoint: runtime.localAwsEndpoint, region: 'local', credentials });
  events = new EventBridgeClient({ endpoint: runtime.localAwsEndpoint, region: 'local', credentials });
});

afterAll(async () => {
  sms?.destroy();
  events?.destroy();
  await runtime?.stop();
});

beforeEach(() => resetRecorder());

const messages = async (): Promise<SmsMessage[]> =>
  (await (await fetch(`${runtime.localAwsEndpoint}/messages`)).json()) as SmsMessage[];

describe('SMS stand-in (End User Messaging SMS, pinpoint-sms-voice-v2)', () => {
  const send = (input: Partial<SendTextMessageCommandInput>) =>
    sms.send(new SendTextMessageCommand({ DestinationPhoneNumber: PHONE, MessageBody: 'Hi', ...input }));

  it('records a text sent with the real client, newest first, with its Context and type', async () => {
    await fetch(`${runtime.localAwsEndpoint}/clear`, { method: 'POST' });
    const first = await send({
      MessageBody: 'Happy birthday, Ada: 20% off today',
      MessageType: 'PROMOTIONAL',
      ConfigurationSetName: 'precis-sms',
      OriginationIdentity: '+15555550123',
      Context: { campaign: 'birthday', occasion: '2026', customer: 'c-1' },
    });
    const second = await send({ DestinationPhoneNumber: '+15550100999', MessageBody: 'second' });
    expect(first.MessageId).toEqual(expect.any(String));
    const list = await messages();
    expect(list.map((m) => m.messageId)).toEqual([second.MessageId, first.MessageId]);
    expect(list[1]).toMatchObject({
      phoneNumber: PHONE,
      message: 'Happy birthday, Ada: 20% off today',
      messageType: 'PROMOTIONAL',
      configurationSet: 'precis-sms',
      originationIdentity: '+15555550123',
      context: { campaign: 'birthday', occasion: '2026', customer: 'c-1' },
    });
    expect(runtime.smsMessages()).toEqual(list);

    await fetch(`${runtime.localAwsEndpoint}/clear`, { method: 'POST' });
    expect(await messages()).toEqual([]);
  });

  it.each([
    ['a number not in E.164', { DestinationPhoneNumber: '07911 123456' }, 'INVALID_PARAMETER'],
    ['an empty body', { MessageBody: '' }, 'MISSING_PARAMETER'],
    ['a body over 1,600 characters', { MessageBody: 'é'.repeat(1601) }, 'MAXIMUM_SIZE_EXCEEDED'],
    [
      'six Context entries',
      { Context: { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' } },
      'INVALID_PARAMETER',
    ],
    ['a Context key over 100 characters', { Context: { ['k'.repeat(101)]: 'v' } }, 'INVALID_PARAMETER'],
    ['a Context value over 800 characters', { Context: { k: 'v'.repeat(801) } }, 'INVALID_PARAMETER'],
    ['a Context value with a space', { Context: { k: 'a b' } }, 'INVALID_PARAMETER'],
    ['a TimeToLive under 5 seconds', { TimeToLive: 4 }, 'INVALID_PARAMETER'],
    ['a configuration set name with a space', { ConfigurationSetName: 'a b' }, 'INVALID_PARAMETER'],
  ])('refuses %s (ValidationException), and records nothing', async (_what, input, reason) => {
    await fetch(`${runtime.localAwsEndpoint}/clear`, { method: 'POST' });
    await expect(send(input as Partial<SendTextMessageCommandInput>)).rejects.toMatchObject({
      name: 'ValidationException',
      Reason: reason,
      $metadata: { httpStatusCode: 400 },
    });
    expect(await messages()).toEqual([]);
  });

  it('EumSmsSender sends 1,600 characters with our ids in Context (an ISO instant too), and sees a longer text refused for good', async () => {
    const sender = new EumSmsSender(sms, { configurationSet: 'precis-sms', optOutList: 'Default' });
    const tags = { campaign: 'basket', occasion: '2026-12-07T09:00:00.000Z', customer: 'c-1' };
    const sent = await sender.send({ to: PHONE, text: 'a'.repeat(1600), tags });
    expect((await messages()).find((m) => m.messageId === sent.messageId)).toMatchObject({
      context: tags,
      configurationSet: 'precis-sms',
      messageType: 'PROMOTIONAL',
    });
    const code = await sender.send({ to: PHONE, text: '123456', tags, transactional: true });
    expect((await messages()).find((m) => m.messageId === code.messageId)?.messageType).toBe('TRANSACTIONAL');
    await expect(sender.send({ to: PHONE, text: 'a'.repeat(1601), tags })).rejects.toBeInstanceOf(
      ProviderRejectedError,
    );
  });

  it('with the throttle switch on, answers SendTextMessage with ThrottlingException: nothing sent, EumSmsSender sees a throttle', async () => {
    await fetch(`${runtime.localAwsEndpoint}/clear`, { method: 'POST' });
    const client = new PinpointSMSVoiceV2Client({
      endpoint: runtime.localAwsEndpoint,
      region: 'local',
      credentials,
      maxAttempts: 1,
    });
    runtime.throttle.share = 1;
    try {
      const calls = runtime.throttle.calls;
      await expect(
        client.send(
          new SendTextMessageCommand({ DestinationPhoneNumber: PHONE, MessageBody: 'Happy birthday' }),
        ),
      ).rejects.toMatchObject({ name: 'ThrottlingException' });
      const tags = { campaign: 'birthday', occasion: '2026', customer: 'c-1' };
      const sender = new EumSmsSender(client, { configurationSet: 'precis-sms', optOutList: 'Default' });
      await expect(sender.send({ to: PHONE, text: 'Hi', tags })).rejects.toBeInstanceOf(
        ProviderThrottledError,
      );
      expect(runtime.throttle.calls - calls).toBe(2);
      expect(await messages()).toEqual([]);
    } finally {
      runtime.throttle.share = 0;
      client.destroy();
    }
  });

  it('keeps an opt-out list: a number that replied STOP is reported, and a text to it is refused', async () => {
    const number = '+447911000111';
    const sender = new EumSmsSender(sms, { configurationSet: 'precis-sms', optOutList: 'Default' });
    expect(await sender.isOptedOut(number)).toBe(false);
    await fetch(`${runtime.localAwsEndpoint}/opt-out`, {
      method: 'POST',
      body: JSON.stringify({ phoneNumber: number }),
    });
    expect(await sender.isOptedOut(number)).toBe(true);
    const listed = await sms.send(new DescribeOptedOutNumbersCommand({ OptOutListName: 'Default' }));
    expect(listed.OptedOutNumbers?.map((n) => n.OptedOutNumber)).toContain(number);
    await expect(send({ DestinationPhoneNumber: number })).rejects.toMatchObject({
      name: 'ConflictException',
      Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
    });
    const tags = { campaign: 'birthday', occasion: '2026', customer: 'c-1' };
    await expect(sender.send({ to: number, text: 'offer', tags })).rejects.toBeInstanceOf(
      ProviderRejectedError,
    );
    expect((await messages()).some((m) => m.phoneNumber === number)).toBe(false);

    await sms.send(new DeleteOptedOutNumberCommand({ OptOutListName: 'Default', OptedOutNumber: number }));
    expect(await sender.isOptedOut(number)).toBe(false);
  });
});

describe('SMS stand-in kept in a data folder', () => {
  it('keeps the texts it took across a restart, and delivers their TEXT_QUEUED events again on request', () => {
    const dir = mkdtempSync(join(tmpdir(), 'precis-sms-'));
    try {
      const file = join(dir, 'sms-messages.jsonl');
      const first = new SmsSink(undefined, () => new Date('2026-06-15T09:30:00.000Z'), file);
      const events: SmsEventRecord[] = [];
      first.publishEventsTo((records) => events.push(...records));
      const context = { campaign: 'birthday', occasion: '2026', customer: 'c-1' };
      const sent = first.handle('PinpointSMSVoiceV2.SendTextMessage', {
        DestinationPhoneNumber: PHONE,
        MessageBody: 'Happy birthday',
        ConfigurationSetName: 'precis-sms',
        Context: context,
      });
      const { MessageId } = sent.body as { MessageId: string };
      expect(events.map((e) => [e.eventType, e.messageId, e.context])).toEqual([
        ['TEXT_QUEUED', MessageId, context],
      ]);

      // The runtime died; the one started on the same folder still has the text.
      const second = new SmsSink(undefined, () => new Date('2026-06-15T09:40:00.000Z'), file);
      const replayed: SmsEventRecord[] = [];
      second.publishEventsTo((records) => replayed.push(...records));
      expect(second.list().map((m) => [m.messageId, m.context])).toEqual([[MessageId, context]]);
      expect(second.replayEvents()).toBe(1);
      expect(replayed.map((e) => [e.eventType, e.messageId])).toEqual([['TEXT_QUEUED', MessageId]]);
      second.clear();
      expect(new SmsSink(undefined, undefined, file).list()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
