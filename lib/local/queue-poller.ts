import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { Waker } from './activity';
import { type CompiledPattern, compileEventPattern } from './event-pattern';
import {
  InvocationError,
  isEmulatorOverload,
  type LocalFunction,
  MAX_OVERLOAD_RETRIES,
  overloadBackoffMs,
} from './lambda-host';
import type { LocalQueue, QueuedMessage } from './sqs';
import { LOCAL_REGION, type QueueMappingModel } from './template';

// Lambda's SQS event source mapping, locally: batches of up to BatchSize (waiting up to
// MaximumBatchingWindowInSeconds to fill one), up to MaximumConcurrency batches in flight,
// messages deleted when the invocation succeeds, only the reported ones kept with
// ReportBatchItemFailures, and all kept when it throws. Kept messages come back after the visibility
// timeout, capped locally at `retryDelayMs` so a retry takes a second, not minutes; the queue's
// RedrivePolicy decides when they move to the dead-letter queue. Messages that don't match the
// FilterCriteria are deleted without invoking, as Lambda does.

export const toSqsRecord = (queue: LocalQueue, message: QueuedMessage): SQSRecord =>
  ({
    messageId: message.messageId,
    receiptHandle: message.receiptHandle ?? '',
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 'AROALOCAL',
      ApproximateFirstReceiveTimestamp: String(message.firstReceiveAt ?? message.sentAt),
      ...(queue.model.fifo
        ? {
            SequenceNumber: message.sequenceNumber,
            MessageGroupId: message.groupId,
            MessageDeduplicationId: message.deduplicationId,
          }
        : {}),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.messageAttributes).map(([name, value]) => [
        name,
        {
          dataType: value.DataType,
          ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
          ...(value.BinaryValue !== undefined ? { binaryValue: value.BinaryValue } : {}),
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.md5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: LOCAL_REGION,
  }) as SQSRecord;

/** Lambda filters SQS records with `body` parsed when it is JSON. */
const filterView = (record: SQSRecord): unknown => {
  try {
    return { ...record, body: JSON.parse(record.body) };
  } catch {
    // Not JSON: patterns then match the body as a plain string.
    return record;
  }
};

export interface QueuePollerOptions {
  mapping: QueueMappingModel;
  queue: LocalQueue;
  fn: LocalFunction;
  log: (line: string) => void;
  pollIntervalMs?: number;
  retryDelayMs?: number;
}

/**
 * A message delayed further than this is parked, not pending (`settled()` does not wait for it): the
 * sender defers a message outside its send window by re-queueing it with delays of up to 15 minutes
 * until the window opens, hours later by night, so waiting for it would make `settled()` depend on
 * the hour of day. Throttle and pacing back-offs are shorter and are still waited for.
 */
export const PARKED_AFTER_MS = 60_000;

export class QueuePoller {
  private stopped = false;
  private inFlight = 0;
  private readonly waker = new Waker();
  private readonly stopper = new Waker();
  private readonly pending = new Set<Promise<void>>();
  private readonly filters: CompiledPattern[];
  private loop: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: QueuePollerOptions) {
    this.filters = options.mapping.filters.map((pattern) => compileEventPattern(pattern));
  }

  get name(): string {
    return `${this.options.mapping.id.key} → ${this.options.fn.name}`;
  }

  start(): void {
    this.unsubscribe ??= this.options.queue.onChange(() => this.waker.wake());
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.waker.wake();
    this.stopper.wake();
    await this.loop;
  }

  wake(): void {
    this.waker.wake();
  }

  /**
   * Quiet while the queue is empty (in-retry and briefly delayed messages count; see PARKED_AFTER_MS; unless `ignoreHidden`:
   * then only messages a receive could take now do) and nothing is in flight.
   */
  quietSince(ignoreHidden = false, includeParked = false): number | undefined {
    const { queue } = this.options;
    const waiting = ignoreHidden
      ? queue.visibleCount()
      : includeParked
        ? queue.size
        : queue.pendingCount(PARKED_AFTER_MS);
    return waiting === 0 && this.inFlight === 0 ? performance.now() : undefined;
  }

  private async run(): Promise<void> {
    const { mapping, queue } = this.options;
    const pollMs = this.options.pollIntervalMs ?? 100;
    const windowMs = mapping.maxBatchingWindowSeconds * 1000;
    while (!this.stopped) {
      if (this.inFlight >= mapping.maxConcurrency) {
        await this.waker.sleep(pollMs);
        continue;
      }
      const batch = queue.receive(mapping.batchSize);
      if (batch.length === 0) {
        const next = queue.nextVisibleAt();
        await this.waker.sleep(
          next === undefined ? pollMs : Math.max(1, Math.min(pollMs, next - Date.now())),
        );
        continue;
      }
      const until = Date.now() + windowMs;
      while (batch.length < mapping.batchSize && Date.now() < until && !this.stopped) {
        await this.stopper.sleep(Math.min(50, until - Date.now()));
        batch.push(...queue.receive(mapping.batchSize - batch.length));
      }
      this.inFlight++;
      const work = this.process(batch)
        .catch((error: unknown) =>
          this.options.log(`[${this.options.fn.name}] queue batch failed: ${String(error)}`),
        )
        .finally(() => {
          this.inFlight--;
          this.pending.delete(work);
          this.waker.wake();
        });
      this.pending.add(work);
    }
    await Promise.allSettled([...this.pending]);
  }

  /** Message ids to keep, or 'all'. */
  private failed(result: unknown, batch: QueuedMessage[]): Set<string> | 'all' {
    if (!this.options.mapping.reportBatchItemFailures) return new Set();
    const failures = (result as { batchItemFailures?: unknown } | null)?.batchItemFailures;
    if (failures === undefined || failures === null) return new Set();
    if (!Array.isArray(failures)) return 'all';
    const ids = new Set<string>();
    for (const failure of failures) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      // As for streams, an empty or unknown identifier fails the whole batch.
      if (typeof id !== 'string' || !batch.some((message) => message.messageId === id)) return 'all';
      ids.add(id);
    }
    return ids;
  }

  private settle(message: QueuedMessage, keep: boolean): void {
    const { queue } = this.options;
    const handle = message.receiptHandle ?? '';
    try {
      if (keep) {
        queue.changeVisibility(
          handle,
          Math.min(queue.model.visibilityTimeoutSeconds * 1000, this.options.retryDelayMs ?? 1000),
        );
      } else {
        queue.delete(handle);
      }
    } catch (error) {
      // The visibility timeout ran out during the invocation and the message was handed out
      // again: like Lambda, we cannot delete it any more; it will be delivered again.
      this.options.log(`[${this.options.fn.name}] message ${message.messageId}: ${String(error)}`);
    }
  }

  private async process(batch: QueuedMessage[]): Promise<void> {
    const { queue, fn } = this.options;
    const records = batch.map((message) => ({ message, record: toSqsRecord(queue, message) }));
    const matching = records.filter(
      ({ record }) => this.filters.length === 0 || this.filters.some((filter) => filter(filterView(record))),
    );
    for (const { message } of records)
      if (!matching.some((m) => m.message === message)) this.settle(message, false);
    if (matching.length === 0) return;
    let failed: Set<string> | 'all' = 'all';
    const event: SQSEvent = { Records: matching.map(({ record }) => record) };
    // Retries for overload stay well within the visibility timeout, so no copy is handed out meanwhile.
    const retryUntil = Date.now() + (queue.model.visibilityTimeoutSeconds * 1000) / 2;
    for (let overloadRetries = 0; ; overloadRetries++) {
      try {
        failed = this.failed(
          await fn.invoke(event),
          matching.map(({ message }) => message),
        );
        break;
      } catch (error) {
        // The invocation error is logged by the function host; the messages stay for a retry. When
        // DynamoDB Local was overloaded, the same batch is invoked again after a back-off first, so
        // the emulator's overload does not push messages towards the dead-letter queue.
        failed = 'all';
        const overloaded = error instanceof InvocationError && isEmulatorOverload(error.errorType);
        const delay = overloadBackoffMs(overloadRetries + 1);
        if (!overloaded || overloadRetries >= MAX_OVERLOAD_RETRIES || Date.now() + delay > retryUntil) break;
        if (this.stopped) break;
        await this.stopper.sleep(delay);
      }
    }
    for (const { message } of matching)
      this.settle(message, failed === 'all' || failed.has(message.messageId));
  }
}
