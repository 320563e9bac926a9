import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QueueFailure } from '../../../lib/local/failures';
import { invocationsOf, resetRecorder } from '../../fixtures/local/functions/recorder';
import { startTestRuntime, type TestRuntime } from '../../support/runtime';

// The fixture's SendQueue (visibility 60 s, dead-letter queue SendDlq after 2 receives) feeds
// QueueRecorder: batches of 5, partial batch responses, bodies with kind "ignore" filtered out.

let runtime: TestRuntime;
let sqs: SQSClient;
let queueUrl: string;

const recordsOf = (fn: string): SQSRecord[][] => invocationsOf(fn).map((i) => (i.event as SQSEvent).Records);

beforeAll(async () => {
  runtime = await startTestRuntime();
  sqs = new SQSClient({
    endpoint: runtime.localAwsEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  queueUrl = `${runtime.localAwsEndpoint}/000000000000/SendQueue`;
});

afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
});

beforeEach(() => resetRecorder());

describe('SQS', () => {
  it('delivers a message sent with the real SQS client to the consumer in the Lambda SQSEvent shape', async () => {
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ kind: 'email', customerId: 'c1' }),
        MessageAttributes: { campaign: { DataType: 'String', StringValue: 'birthday' } },
      }),
    );
    await runtime.settled();
    const [batch] = recordsOf('QueueRecorder');
    expect(batch).toHaveLength(1);
    expect(batch?.[0]).toMatchObject({
      messageId: sent.MessageId,
      body: '{"kind":"email","customerId":"c1"}',
      md5OfBody: sent.MD5OfMessageBody,
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:SendQueue',
      awsRegion: 'local',
      attributes: {
        ApproximateReceiveCount: '1',
        SenderId: expect.any(String),
        SentTimestamp: expect.any(String),
      },
      messageAttributes: { campaign: { dataType: 'String', stringValue: 'birthday' } },
    });
    expect(typeof batch?.[0]?.receiptHandle).toBe('string');
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).toBe('0');
  });

  it('keeps only the reported failures, and moves a poison message to the dead-letter queue after maxReceiveCount', async () => {
    const before = runtime.failures().length;
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'ok', MessageBody: JSON.stringify({ kind: 'sms' }) },
          { Id: 'bad', MessageBody: JSON.stringify({ kind: 'sms', behaviour: 'poison' }) },
        ],
      }),
    );
    await runtime.settled();
    const deliveries = recordsOf('QueueRecorder').map((batch) =>
      batch.map((r) => `${JSON.parse(r.body).behaviour ?? 'ok'}#${r.attributes.ApproximateReceiveCount}`),
    );
    expect(deliveries).toEqual([['ok#1', 'poison#1'], ['poison#2']]);
    const failures = runtime.failures().slice(before) as QueueFailure[];
    expect(failures).toEqual([
      expect.objectContaining({
        kind: 'queue',
        queue: 'SendQueue',
        deadLetterQueue: 'SendDlq',
        receiveCount: 2,
      }),
    ]);
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: `${runtime.localAwsEndpoint}/000000000000/SendDlq`,
        MaxNumberOfMessages: 10,
      }),
    );
    expect(Messages?.map((m) => JSON.parse(m.Body ?? '{}').behaviour)).toEqual(['poison']);
  });

  it('retries the whole batch when the handler throws', async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ kind: 'sms', behaviour: 'throw' }),
      }),
    );
    await runtime.settled();
    expect(recordsOf('QueueRecorder').map((batch) => batch[0]?.attributes.ApproximateReceiveCount)).toEqual([
      '1',
      '2',
    ]);
  });

  it('invokes a batch DynamoDB Local failed (InternalServerError) again after a back-off, not towards the dead-letter queue', async () => {
    const before = runtime.failures().length;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ kind: 'sms', behaviour: 'overloaded' }),
      }),
    );
    await runtime.settled();
    // SendQueue moves a message to its dead-letter queue after 2 receives; four invocations of the
    // first receive, and the message is handled.
    expect(recordsOf('QueueRecorder').map((batch) => batch[0]?.attributes.ApproximateReceiveCount)).toEqual([
      '1',
      '1',
      '1',
      '1',
    ]);
    expect(runtime.failures().slice(before)).toEqual([]);
  });

  it('deletes messages that do not match the FilterCriteria without invoking', async () => {
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ kind: 'ignore' }) }),
    );
    await runtime.settled();
    expect(recordsOf('QueueRecorder')).toEqual([]);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).toBe('0');
    expect(Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('delivers events of a rule with an SQS target to the queue, shaped by InputPath', async () => {
    const events = new EventBridgeClient({
      endpoint: runtime.localAwsEndpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'precis',
            Source: 'precis.planner',
            DetailType: 'CampaignQueued',
            Detail: JSON.stringify({ kind: 'email', campaign: 'birthday#2026' }),
          },
        ],
      }),
    );
    events.destroy();
    await runtime.settled();
    expect(
      recordsOf('QueueRecorder')
        .flat()
        .map((record) => JSON.parse(record.body)),
    ).toEqual([{ kind: 'email', campaign: 'birthday#2026' }]);
  });

  it('settles past a delayed message when asked to (a simulated clock), and delivers it when it is due', async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ kind: 'sms', customerId: 'later' }),
        DelaySeconds: 5,
      }),
    );
    await runtime.settled(undefined, { ignoreHidden: true });
    expect(recordsOf('QueueRecorder')).toEqual([]);
    // Without the option, settling waits for the delayed message to be delivered.
    await runtime.settled();
    expect(
      recordsOf('QueueRecorder')
        .flat()
        .map((r) => JSON.parse(r.body).customerId),
    ).toEqual(['later']);
  });

  it('answers an unknown queue with the SDK error SQS gives', async () => {
    await expect(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: `${runtime.localAwsEndpoint}/000000000000/Nope`,
          MessageBody: 'x',
        }),
      ),
    ).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
  });

  it('lists queues with their messages for inspection', async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: `${runtime.localAwsEndpoint}/000000000000/SignupQueue`,
        MessageBody: 'hello',
      }),
    );
    const queues = (await (await fetch(`${runtime.localAwsEndpoint}/queues`)).json()) as {
      name: string;
      messages: { body: string }[];
    }[];
    expect(queues.map((q) => q.name).sort()).toEqual([
      'SendDlq',
      'SendQueue',
      'SignupQueue',
      'StreamFailures',
    ]);
    expect(queues.find((q) => q.name === 'SignupQueue')?.messages.map((m) => m.body)).toEqual(['hello']);
  });
});
