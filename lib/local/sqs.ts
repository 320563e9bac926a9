import { createHash, randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT, LOCAL_REGION, type QueueModel } from './template';

// In-memory SQS queues from the templates, speaking the JSON protocol of the installed
// @aws-sdk/client-sqs (awsJson1.0 with query-compatible error codes): SendMessage(Batch),
// ReceiveMessage, DeleteMessage(Batch), ChangeMessageVisibility, GetQueueUrl, GetQueueAttributes,
// ListQueues, PurgeQueue. Visibility timeouts, delays, FIFO groups and deduplication, and
// RedrivePolicy (a message received more than maxReceiveCount times moves to the dead-letter
// queue) behave as in SQS.

export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface QueuedMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, MessageAttribute>;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  receiptHandle?: string;
  groupId?: string;
  deduplicationId?: string;
  sequenceNumber?: string;
}

export class SqsError extends Error {
  override readonly name = 'SqsError';
  constructor(
    readonly type: string,
    readonly queryCode: string,
    message: string,
  ) {
    super(message);
  }
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const MAX_BODY_BYTES = 256 * 1024;
const DEDUPLICATION_WINDOW_MS = 5 * 60_000;

export class LocalQueue {
  readonly name: string;
  readonly arn: string;
  deadLetter?: { queue: LocalQueue; maxReceiveCount: number };
  private messages: QueuedMessage[] = [];
  private readonly deduplication = new Map<string, { messageId: string; at: number }>();
  private sequence = 0n;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly model: Pick<QueueModel, 'name' | 'fifo' | 'visibilityTimeoutSeconds' | 'delaySeconds'>,
    readonly url: string,
    private readonly onDeadLetter: (from: LocalQueue, message: QueuedMessage) => void = () => {},
  ) {
    this.name = model.name;
    this.arn = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${model.name}`;
  }

  /** Called whenever a message may have become available. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** Every message still in the queue, visible or not. */
  get size(): number {
    return this.messages.length;
  }

  /** Messages a receive could take now (not delayed, not hidden by a visibility timeout). */
  visibleCount(now = Date.now()): number {
    return this.messages.filter((m) => m.visibleAt <= now).length;
  }

  /**
   * Messages still to be handled soon: all but those sent with a delay that ends more than
   * `parkedAfterMs` from now and never received since — a message the sender deferred to a send
   * window hours away waits there, hop by hop, and nothing happens until then. A message hidden by
   * a visibility timeout after a failed receive still counts: its retry is pending work.
   */
  pendingCount(parkedAfterMs: number, now = Date.now()): number {
    return this.messages.filter((m) => m.receiveCount > 0 || m.visibleAt <= now + parkedAfterMs).length;
  }

  /** When the next invisible or delayed message becomes visible. */
  nextVisibleAt(now = Date.now()): number | undefined {
    const times = this.messages.map((m) => m.visibleAt).filter((t) => t > now);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  send(input: {
    body: string;
    delaySeconds?: number;
    attributes?: Record<string, MessageAttribute>;
    groupId?: string;
    deduplicationId?: string;
    contentBasedDeduplication?: boolean;
  }): QueuedMessage {
    if (input.body === '' || Buffer.byteLength(input.body) > MAX_BODY_BYTES) {
      throw new SqsError(
        'InvalidParameterValue',
        'InvalidParameterValue',
        'Message must be 1 byte to 256 KB long.',
      );
    }
    const delay = input.delaySeconds ?? this.model.delaySeconds;
    if (!(delay >= 0 && delay <= 900)) {
      throw new SqsError('InvalidParameterValue', 'InvalidParameterValue', 'DelaySeconds must be 0 to 900.');
    }
    const now = Date.now();
    let deduplicationId = input.deduplicationId;
    if (this.model.fifo) {
      if (!input.groupId) {
        throw new SqsError(
          'MissingParameter',
          'MissingParameter',
          'The request must contain the parameter MessageGroupId.',
        );
      }
      deduplicationId ??= input.contentBasedDeduplication
        ? createHash('sha256').update(input.body).digest('hex')
        : undefined;
      if (!deduplicationId) {
        throw new SqsError(
          'InvalidParameterValue',
          'InvalidParameterValue',
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      }
      const seen = this.deduplication.get(deduplicationId);
      if (seen && now - seen.at < DEDUPLICATION_WINDOW_MS) {
        // A duplicate within five minutes is accepted and dropped, as SQS does.
        return {
          ...(this.messages.find((m) => m.messageId === seen.messageId) ??
            this.stub(seen.messageId, input.body)),
        };
      }
    }
    const message: QueuedMessage = {
      messageId: randomUUID(),
      body: input.body,
      md5OfBody: md5(input.body),
      messageAttributes: input.attributes ?? {},
      sentAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
      ...(input.groupId ? { groupId: input.groupId } : {}),
      ...(deduplicationId ? { deduplicationId } : {}),
      ...(this.model.fifo ? { sequenceNumber: String(++this.sequence).padStart(20, '0') } : {}),
    };
    if (deduplicationId) this.deduplication.set(deduplicationId, { messageId: message.messageId, at: now });
    this.messages.push(message);
    this.changed();
    if (delay > 0) setTimeout(() => this.changed(), delay * 1000).unref();
    return message;
  }

  private stub(messageId: string, body: string): QueuedMessage {
    return {
      messageId,
      body,
      md5OfBody: md5(body),
      messageAttributes: {},
      sentAt: 0,
      visibleAt: 0,
      receiveCount: 0,
    };
  }

  /** Takes up to `max` visible messages and hides them for `visibilityMs`. */
  receive(max: number, visibilityMs = this.model.visibilityTimeoutSeconds * 1000): QueuedMessage[] {
    const now = Date.now();
    const busyGroups = new Set(
      this.model.fifo
        ? this.messages.filter((m) => m.visibleAt > now && m.receiptHandle).map((m) => m.groupId)
        : [],
    );
    const taken: QueuedMessage[] = [];
    for (const message of [...this.messages]) {
      if (taken.length >= max) break;
      if (message.visibleAt > now) continue;
      // FIFO: one group's messages are handed out in order, never two batches of it at once.
      if (this.model.fifo && busyGroups.has(message.groupId)) continue;
      if (this.deadLetter && message.receiveCount >= this.deadLetter.maxReceiveCount) {
        this.remove(message);
        this.deadLetter.queue.adopt(message);
        this.onDeadLetter(this, message);
        continue;
      }
      message.receiveCount++;
      message.firstReceiveAt ??= now;
      message.receiptHandle = randomUUID();
      message.visibleAt = now + visibilityMs;
      setTimeout(() => this.changed(), visibilityMs + 1).unref();
      taken.push({ ...message });
    }
    return taken;
  }

  /** Removes a message by id (a dead letter being redriven); undefined when it is not here. */
  take(messageId: string): QueuedMessage | undefined {
    const message = this.messages.find((m) => m.messageId === messageId);
    if (!message) return undefined;
    this.remove(message);
    return { ...message };
  }

  /**
   * A dead letter moved back in, as SQS's message move task sends it: the same body, attributes and
   * id, received 0 times, visible at once (FIFO deduplication does not drop it: SQS moves it as is).
   */
  moveIn(message: QueuedMessage): void {
    const { receiptHandle: _handle, firstReceiveAt: _first, ...rest } = message;
    this.messages.push({ ...rest, receiveCount: 0, visibleAt: Date.now() });
    this.changed();
  }

  private adopt(message: QueuedMessage): void {
    const { receiptHandle: _handle, ...rest } = message;
    this.messages.push({ ...rest, visibleAt: Date.now() });
    this.changed();
  }

  private remove(message: QueuedMessage): void {
    this.messages = this.messages.filter((m) => m !== message);
  }

  delete(receiptHandle: string): void {
    const message = this.messages.find((m) => m.receiptHandle === receiptHandle);
    if (!message) {
      throw new SqsError(
        'ReceiptHandleIsInvalid',
        'ReceiptHandleIsInvalid',
        'The receipt handle is not valid.',
      );
    }
    this.remove(message);
    this.changed();
  }

  changeVisibility(receiptHandle: string, visibilityMs: number): void {
    const message = this.messages.find((m) => m.receiptHandle === receiptHandle);
    if (!message) {
      throw new SqsError(
        'ReceiptHandleIsInvalid',
        'ReceiptHandleIsInvalid',
        'The receipt handle is not valid.',
      );
    }
    message.visibleAt = Date.now() + visibilityMs;
    setTimeout(() => this.changed(), visibilityMs + 1).unref();
  }

  purge(): void {
    this.messages = [];
  }

  attributes(): Record<string, string> {
    const now = Date.now();
    const visible = this.messages.filter((m) => m.visibleAt <= now).length;
    const delayed = this.messages.filter((m) => m.receiveCount === 0 && m.visibleAt > now).length;
    return {
      QueueArn: this.arn,
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(this.messages.length - visible - delayed),
      ApproximateNumberOfMessagesDelayed: String(delayed),
      VisibilityTimeout: String(this.model.visibilityTimeoutSeconds),
      DelaySeconds: String(this.model.delaySeconds),
      FifoQueue: String(this.model.fifo),
      ...(this.deadLetter
        ? {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: this.deadLetter.queue.arn,
              maxReceiveCount: this.deadLetter.maxReceiveCount,
            }),
          }
        : {}),
    };
  }

  /** The messages as a developer would inspect them (GET /queues). */
  peek(): QueuedMessage[] {
    return this.messages.map((m) => ({ ...m }));
  }
}

// ---------------------------------------------------------------------------------------------

export interface SqsResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const toApiMessage = (queue: LocalQueue, m: QueuedMessage) => ({
  MessageId: m.messageId,
  ReceiptHandle: m.receiptHandle,
  MD5OfBody: m.md5OfBody,
  Body: m.body,
  Attributes: {
    SenderId: 'AROALOCAL',
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? m.sentAt),
    ...(queue.model.fifo
      ? {
          MessageGroupId: m.groupId ?? '',
          MessageDeduplicationId: m.deduplicationId ?? '',
          SequenceNumber: m.sequenceNumber ?? '',
        }
      : {}),
  },
  ...(Object.keys(m.messageAttributes).length > 0 ? { MessageAttributes: m.messageAttributes } : {}),
});

export class SqsService {
  private readonly byName = new Map<string, LocalQueue>();

  constructor(queues: LocalQueue[]) {
    for (const queue of queues) this.byName.set(queue.name, queue);
  }

  list(): LocalQueue[] {
    return [...this.byName.values()];
  }

  /** A queue by URL (any host: clients may use localhost or 127.0.0.1), ARN or name. */
  find(reference: string): LocalQueue {
    const name = reference.split(/[/:]/).at(-1) ?? reference;
    const queue = this.byName.get(name);
    if (!queue) {
      throw new SqsError(
        'QueueDoesNotExist',
        'AWS.SimpleQueueService.NonExistentQueue',
        `The specified queue ${name} does not exist.`,
      );
    }
    return queue;
  }

  async handle(target: string, body: unknown): Promise<SqsResponse> {
    try {
      return {
        status: 200,
        headers: {},
        body: await this.dispatch(target.replace(/^AmazonSQS\./, ''), isRecord(body) ? body : {}),
      };
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      return {
        status: 400,
        headers: { 'x-amzn-query-error': `${error.queryCode};Sender` },
        body: { __type: `com.amazonaws.sqs#${error.type}`, message: error.message },
      };
    }
  }

  private send(queue: LocalQueue, input: Record<string, unknown>) {
    const message = queue.send({
      body: str(input.MessageBody) ?? '',
      ...(typeof input.DelaySeconds === 'number' ? { delaySeconds: input.DelaySeconds } : {}),
      ...(isRecord(input.MessageAttributes)
        ? { attributes: input.MessageAttributes as Record<string, MessageAttribute> }
        : {}),
      ...(str(input.MessageGroupId) ? { groupId: str(input.MessageGroupId) } : {}),
      ...(str(input.MessageDeduplicationId) ? { deduplicationId: str(input.MessageDeduplicationId) } : {}),
    });
    return {
      MessageId: message.messageId,
      MD5OfMessageBody: message.md5OfBody,
      ...(message.sequenceNumber ? { SequenceNumber: message.sequenceNumber } : {}),
    };
  }

  private async dispatch(action: string, input: Record<string, unknown>): Promise<unknown> {
    switch (action) {
      case 'GetQueueUrl':
        return { QueueUrl: this.find(str(input.QueueName) ?? '').url };
      case 'ListQueues': {
        const prefix = str(input.QueueNamePrefix) ?? '';
        return {
          QueueUrls: this.list()
            .filter((q) => q.name.startsWith(prefix))
            .map((q) => q.url),
        };
      }
      case 'GetQueueAttributes':
        return { Attributes: this.find(str(input.QueueUrl) ?? '').attributes() };
      case 'SendMessage':
        return this.send(this.find(str(input.QueueUrl) ?? ''), input);
      case 'SendMessageBatch': {
        const queue = this.find(str(input.QueueUrl) ?? '');
        const entries = Array.isArray(input.Entries) ? input.Entries.filter(isRecord) : [];
        if (entries.length === 0 || entries.length > 10) {
          throw new SqsError(
            'TooManyEntriesInBatchRequest',
            'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
            'A batch holds 1 to 10 entries.',
          );
        }
        const Successful: unknown[] = [];
        const Failed: unknown[] = [];
        for (const entry of entries) {
          try {
            Successful.push({ Id: entry.Id, ...this.send(queue, entry) });
          } catch (error) {
            if (!(error instanceof SqsError)) throw error;
            Failed.push({ Id: entry.Id, Code: error.type, Message: error.message, SenderFault: true });
          }
        }
        return { Successful, Failed };
      }
      case 'ReceiveMessage': {
        const queue = this.find(str(input.QueueUrl) ?? '');
        const max = typeof input.MaxNumberOfMessages === 'number' ? input.MaxNumberOfMessages : 1;
        const visibility =
          typeof input.VisibilityTimeout === 'number' ? input.VisibilityTimeout * 1000 : undefined;
        const deadline =
          Date.now() +
          Math.min(typeof input.WaitTimeSeconds === 'number' ? input.WaitTimeSeconds : 0, 20) * 1000;
        for (;;) {
          const messages = queue.receive(max, visibility);
          if (messages.length > 0 || Date.now() >= deadline) {
            return { Messages: messages.map((m) => toApiMessage(queue, m)) };
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      case 'DeleteMessage':
        this.find(str(input.QueueUrl) ?? '').delete(str(input.ReceiptHandle) ?? '');
        return {};
      case 'DeleteMessageBatch': {
        const queue = this.find(str(input.QueueUrl) ?? '');
        const Successful: unknown[] = [];
        const Failed: unknown[] = [];
        for (const entry of Array.isArray(input.Entries) ? input.Entries.filter(isRecord) : []) {
          try {
            queue.delete(str(entry.ReceiptHandle) ?? '');
            Successful.push({ Id: entry.Id });
          } catch (error) {
            if (!(error instanceof SqsError)) throw error;
            Failed.push({ Id: entry.Id, Code: error.type, Message: error.message, SenderFault: true });
          }
        }
        return { Successful, Failed };
      }
      case 'ChangeMessageVisibility':
        this.find(str(input.QueueUrl) ?? '').changeVisibility(
          str(input.ReceiptHandle) ?? '',
          (typeof input.VisibilityTimeout === 'number' ? input.VisibilityTimeout : 0) * 1000,
        );
        return {};
      case 'PurgeQueue':
        this.find(str(input.QueueUrl) ?? '').purge();
        return {};
      default:
        throw new SqsError(
          'UnsupportedOperation',
          'AWS.SimpleQueueService.UnsupportedOperation',
          `${action} is not emulated locally`,
        );
    }
  }
}
