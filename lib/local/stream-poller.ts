import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  type _Record,
  type AttributeValue,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent, AttributeValue as LambdaAttributeValue } from 'aws-lambda';
import { Waker } from './activity';
import { type CompiledPattern, compileEventPattern } from './event-pattern';
import type { FailureLog } from './failures';
import {
  InvocationError,
  isEmulatorOverload,
  type LocalFunction,
  MAX_OVERLOAD_RETRIES,
  overloadBackoffMs,
} from './lambda-host';
import { LOCAL_REGION, type StreamMappingModel } from './template';

// Lambda's DynamoDB Streams event source mapping, locally: one reader per shard (children only
// after their parent is drained), records delivered in order in batches of up to BatchSize, and
// Lambda's failure semantics: a thrown error retries the batch (bisected in halves when
// BisectBatchOnFunctionError is on; a split does not count as a retry), a partial batch response
// checkpoints before the first failed record and retries from it, and a batch that exhausts
// MaximumRetryAttempts or MaximumRecordAgeInSeconds goes to the on-failure destination (the
// failure log) so the shard moves on. FilterCriteria drop non-matching records before delivery.

export interface ShardCheckpoint {
  /** Last sequence number fully handled (delivered, filtered out, or sent to the failure log). */
  sequenceNumber?: string;
  /** The shard is closed and every record in it was handled. */
  done?: boolean;
}

export interface CheckpointStore {
  get(mapping: string, streamArn: string, shardId: string): ShardCheckpoint | undefined;
  set(mapping: string, streamArn: string, shardId: string, checkpoint: ShardCheckpoint): void;
}

const checkpointKey = (mapping: string, streamArn: string, shardId: string) =>
  `${mapping} ${streamArn} ${shardId}`;

export class MemoryCheckpoints implements CheckpointStore {
  protected readonly entries = new Map<string, ShardCheckpoint>();

  get(mapping: string, streamArn: string, shardId: string): ShardCheckpoint | undefined {
    return this.entries.get(checkpointKey(mapping, streamArn, shardId));
  }

  set(mapping: string, streamArn: string, shardId: string, checkpoint: ShardCheckpoint): void {
    this.entries.set(checkpointKey(mapping, streamArn, shardId), checkpoint);
  }
}

/** Checkpoints in a JSON file, so a restarted runtime resumes where it stopped. */
export class FileCheckpoints extends MemoryCheckpoints {
  constructor(private readonly file: string) {
    super();
    if (!existsSync(file)) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(
        `Stream checkpoints ${file} are unreadable; delete the file to replay streams from the start`,
        {
          cause: error,
        },
      );
    }
    const checkpoints = (parsed as { checkpoints?: Record<string, ShardCheckpoint> }).checkpoints ?? {};
    for (const [key, value] of Object.entries(checkpoints)) this.entries.set(key, value);
  }

  override set(mapping: string, streamArn: string, shardId: string, checkpoint: ShardCheckpoint): void {
    super.set(mapping, streamArn, shardId, checkpoint);
    // Write-then-rename so a crash never leaves a half-written file behind.
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify({ version: 1, checkpoints: Object.fromEntries(this.entries) }));
    renameSync(temporary, this.file);
  }
}

// ---------------------------------------------------------------------------------------------

/** The SDK deserializes binary attributes to Uint8Array; Lambda events carry base64 strings. */
const toLambdaValue = (value: AttributeValue): LambdaAttributeValue => {
  // The SDK's DynamoDB Streams client reads an empty map `{"M":{}}` as `{}`; Lambda delivers `{"M":{}}`.
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((item) => Buffer.from(item).toString('base64')) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  return value as LambdaAttributeValue;
};

const toLambdaImage = (image: Record<string, AttributeValue>): Record<string, LambdaAttributeValue> =>
  Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));

export const toLambdaRecord = (record: _Record, streamArn: string, region = LOCAL_REGION): DynamoDBRecord => {
  const data = record.dynamodb ?? {};
  const created = data.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) } : {}),
      ...(data.Keys ? { Keys: toLambdaImage(data.Keys) } : {}),
      ...(data.NewImage ? { NewImage: toLambdaImage(data.NewImage) } : {}),
      ...(data.OldImage ? { OldImage: toLambdaImage(data.OldImage) } : {}),
      ...(data.SequenceNumber ? { SequenceNumber: data.SequenceNumber } : {}),
      ...(data.SizeBytes !== undefined ? { SizeBytes: data.SizeBytes } : {}),
      ...(data.StreamViewType ? { StreamViewType: data.StreamViewType } : {}),
    },
    ...(record.userIdentity
      ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }
      : {}),
  } as DynamoDBRecord;
};

interface Entry {
  seq: string;
  record: DynamoDBRecord;
  arrivalMs: number;
}

interface ShardState {
  shardId: string;
  finished: boolean;
  /** performance.now() at the start of the latest read that found nothing, with nothing buffered. */
  quietAt: number | undefined;
  done?: Promise<void>;
}

type Outcome =
  | { kind: 'ok' }
  | { kind: 'partial'; failedIndex: number }
  | { kind: 'error'; errorType: string };

export interface StreamPollerOptions {
  mapping: StreamMappingModel;
  fn: LocalFunction;
  streamArn: string;
  client: DynamoDBStreamsClient;
  checkpoints: CheckpointStore;
  failures: FailureLog;
  log: (line: string) => void;
  pollIntervalMs?: number;
  shardRefreshMs?: number;
  backoff?: { minMs: number; maxMs: number };
  now?: () => number;
}

export class StreamPoller {
  private stopped = false;
  /** Cuts poll-interval sleeps short (settled(), a finished parent shard, stop). */
  private readonly waker = new Waker();
  /** Cuts backoff and batching-window waits short only on stop, so their timing stays Lambda's. */
  private readonly stopper = new Waker();
  private readonly shards = new Map<string, ShardState>();
  private pendingShards = 0;
  private describedAt = Number.NEGATIVE_INFINITY;
  private loop: Promise<void> | undefined;
  private readonly filters: CompiledPattern[];
  private readonly pollIntervalMs: number;
  private readonly shardRefreshMs: number;
  private readonly backoff: { minMs: number; maxMs: number };
  private readonly now: () => number;
  private lastError = { message: '', at: 0 };

  constructor(private readonly options: StreamPollerOptions) {
    this.filters = options.mapping.filters.map((pattern) => compileEventPattern(pattern));
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.shardRefreshMs = options.shardRefreshMs ?? 1000;
    this.backoff = options.backoff ?? { minMs: 50, maxMs: 500 };
    this.now = options.now ?? Date.now;
  }

  get name(): string {
    return `${this.options.mapping.id.key} → ${this.options.fn.name}`;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops reading; an invocation in flight completes first and its records stay unconsumed if it failed. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.waker.wake();
    this.stopper.wake();
    await this.loop;
  }

  /** Makes sleeping readers poll now (settled() uses it so it never waits a whole interval). */
  wake(): void {
    this.waker.wake();
  }

  /**
   * performance.now() since which every shard has been read to its end with nothing buffered,
   * in flight or awaiting retry; undefined while there is work.
   */
  quietSince(): number | undefined {
    if (this.pendingShards > 0) return undefined;
    let since = this.describedAt;
    for (const shard of this.shards.values()) {
      if (shard.finished) continue;
      if (shard.quietAt === undefined) return undefined;
      since = Math.min(since, shard.quietAt);
    }
    return since;
  }

  private report(context: string, error: unknown): void {
    const message = `[${this.options.fn.name}] stream ${context}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    // The same error repeats every poll while, e.g., DynamoDB Local is down: log it every 30 s.
    if (message === this.lastError.message && Date.now() - this.lastError.at < 30_000) return;
    this.lastError = { message, at: Date.now() };
    this.options.log(message);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const startedAt = performance.now();
      try {
        this.refresh(await this.describeShards());
        this.describedAt = startedAt;
      } catch (error) {
        if (this.stopped) break;
        this.report('DescribeStream failed', error);
      }
      await this.waker.sleep(this.shardRefreshMs);
    }
    await Promise.all([...this.shards.values()].map((shard) => shard.done));
  }

  private async describeShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStart: string | undefined;
    do {
      const { StreamDescription } = await this.options.client.send(
        new DescribeStreamCommand({
          StreamArn: this.options.streamArn,
          ExclusiveStartShardId: exclusiveStart,
        }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      exclusiveStart = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStart);
    return shards;
  }

  private refresh(shards: Shard[]): void {
    const { mapping, streamArn, checkpoints } = this.options;
    const listed = new Set(shards.map((shard) => shard.ShardId));
    let pending = 0;
    for (const shard of shards) {
      const shardId = shard.ShardId;
      if (!shardId || this.shards.has(shardId)) continue;
      if (checkpoints.get(mapping.id.key, streamArn, shardId)?.done) {
        this.shards.set(shardId, { shardId, finished: true, quietAt: undefined });
        continue;
      }
      // Lambda reads a child shard only after its parent is fully processed, to keep key order.
      const parent = shard.ParentShardId;
      if (parent && listed.has(parent) && !this.shards.get(parent)?.finished) {
        pending++;
        continue;
      }
      const state: ShardState = { shardId, finished: false, quietAt: undefined };
      this.shards.set(shardId, state);
      state.done = this.readShard(state).catch((error: unknown) => {
        // Forget the shard so the next refresh starts a new reader from its checkpoint.
        this.report(`shard ${shardId} reader failed; restarting it from the checkpoint`, error);
        this.shards.delete(shardId);
      });
    }
    this.pendingShards = pending;
  }

  private async iterator(shardId: string, after: string | undefined): Promise<string | undefined> {
    const { ShardIterator } = await this.options.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.options.streamArn,
        ShardId: shardId,
        // Without a checkpoint, start at the oldest record: locally the tables are created by the
        // runtime just before its pollers start, so nothing is replayed that was already handled.
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return ShardIterator;
  }

  /** An iterator at `after` (or the oldest record), retrying until it works or the poller stops. */
  private async acquire(shardId: string, after: string | undefined): Promise<string | undefined> {
    while (!this.stopped) {
      try {
        return await this.iterator(shardId, after);
      } catch (error) {
        this.report(`GetShardIterator ${shardId} failed`, error);
        await this.stopper.sleep(this.backoff.maxMs);
      }
    }
    return undefined;
  }

  /**
   * A new iterator after TrimmedDataAccessException. DynamoDB Local numbers stream records with
   * one counter across tables and throws this for a read at an empty shard's start once another
   * table took the next number: starting again at the oldest record is then exact, since nothing
   * was read. After a record was read, resume after it; only if that position is gone too was the
   * data really trimmed (24 h retention), and reading restarts at the oldest record that is left.
   */
  private async afterTrimmed(
    shardId: string,
    lastRead: string | undefined,
  ): Promise<{ value: string | undefined; reset: boolean } | undefined> {
    if (lastRead === undefined) {
      const value = await this.acquire(shardId, undefined);
      return this.stopped ? undefined : { value, reset: false };
    }
    try {
      return { value: await this.iterator(shardId, lastRead), reset: false };
    } catch (error) {
      if (!(error instanceof Error && error.name === 'TrimmedDataAccessException')) {
        this.report(`GetShardIterator ${shardId} failed`, error);
        const value = await this.acquire(shardId, lastRead);
        return this.stopped ? undefined : { value, reset: false };
      }
      this.report(
        `shard ${shardId}: records after ${lastRead} expired; restarting at the oldest record`,
        error,
      );
      const value = await this.acquire(shardId, undefined);
      return this.stopped ? undefined : { value, reset: true };
    }
  }

  private checkpoint(shardId: string, checkpoint: ShardCheckpoint): void {
    this.options.checkpoints.set(this.options.mapping.id.key, this.options.streamArn, shardId, checkpoint);
  }

  private matches(record: DynamoDBRecord): boolean {
    return this.filters.length === 0 || this.filters.some((filter) => filter(record));
  }

  private async readShard(state: ShardState): Promise<void> {
    const { mapping, streamArn, client } = this.options;
    const saved = this.options.checkpoints.get(mapping.id.key, streamArn, state.shardId);
    let handled = saved?.sequenceNumber;
    let lastRead = handled;
    let iterator = await this.acquire(state.shardId, handled);
    const buffer: Entry[] = [];
    const windowMs = mapping.maxBatchingWindowSeconds * 1000;

    while (!this.stopped) {
      let read = 0;
      if (iterator !== undefined && buffer.length < mapping.batchSize) {
        const pollStartedAt = performance.now();
        let response: GetRecordsCommandOutput;
        try {
          response = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        } catch (error) {
          if (this.stopped) return;
          const name = error instanceof Error ? error.name : '';
          if (name === 'ExpiredIteratorException') {
            iterator = await this.acquire(state.shardId, lastRead);
            continue;
          }
          if (name === 'TrimmedDataAccessException') {
            const restart = await this.afterTrimmed(state.shardId, lastRead);
            if (restart === undefined) return;
            if (restart.reset) {
              handled = undefined;
              lastRead = undefined;
            }
            iterator = restart.value;
            continue;
          }
          this.report(`GetRecords ${state.shardId} failed`, error);
          await this.stopper.sleep(this.backoff.maxMs);
          continue;
        }
        iterator = response.NextShardIterator ?? undefined;
        const readAt = this.now();
        for (const raw of response.Records ?? []) {
          const seq = raw.dynamodb?.SequenceNumber;
          if (!seq) continue;
          read++;
          lastRead = seq;
          const record = toLambdaRecord(raw, streamArn);
          if (!this.matches(record)) continue;
          // DynamoDB Local truncates ApproximateCreationDateTime to the minute: trust it only for
          // records clearly older than that (read after a restart), else use the read time.
          const created = raw.dynamodb?.ApproximateCreationDateTime?.getTime() ?? readAt;
          buffer.push({ seq, record, arrivalMs: readAt - created > 60_000 ? created : readAt });
        }
        if (read === 0 && buffer.length === 0) state.quietAt = pollStartedAt;
        else state.quietAt = undefined;
        if (buffer.length === 0 && lastRead !== handled) {
          handled = lastRead;
          this.checkpoint(state.shardId, { sequenceNumber: handled });
        }
      }

      if (buffer.length > 0) {
        state.quietAt = undefined;
        const first = buffer[0] as Entry;
        const waited = this.now() - first.arrivalMs;
        if (buffer.length < mapping.batchSize && iterator !== undefined && waited < windowMs) {
          await this.stopper.sleep(Math.min(this.pollIntervalMs, windowMs - waited));
          continue;
        }
        const consumedUpTo = await this.processBatch(state.shardId, buffer);
        if (consumedUpTo !== undefined) {
          handled = buffer.length === 0 ? lastRead : consumedUpTo;
          this.checkpoint(state.shardId, { sequenceNumber: handled });
        }
        continue;
      }

      if (iterator === undefined) {
        // A closed shard read to its end: its children may start.
        this.checkpoint(state.shardId, { ...(handled ? { sequenceNumber: handled } : {}), done: true });
        state.finished = true;
        this.waker.wake();
        return;
      }
      if (read === 0) await this.waker.sleep(this.pollIntervalMs);
    }
  }

  private interpret(result: unknown, batch: Entry[]): Outcome {
    if (!this.options.mapping.reportBatchItemFailures) return { kind: 'ok' };
    if (typeof result !== 'object' || result === null) return { kind: 'ok' };
    const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
    if (failures === undefined || failures === null) return { kind: 'ok' };
    if (!Array.isArray(failures)) return { kind: 'error', errorType: 'InvalidBatchItemFailures' };
    if (failures.length === 0) return { kind: 'ok' };
    let failedIndex = Number.POSITIVE_INFINITY;
    for (const failure of failures) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      const index = typeof id === 'string' && id !== '' ? batch.findIndex((entry) => entry.seq === id) : -1;
      // Lambda treats an empty, missing or unknown itemIdentifier as a failure of the whole batch.
      if (index < 0) return { kind: 'error', errorType: 'InvalidBatchItemFailures' };
      failedIndex = Math.min(failedIndex, index);
    }
    return { kind: 'partial', failedIndex };
  }

  /**
   * Delivers the head of the buffer as one batch until every record in it is handled (delivered
   * or sent to the failure log). Consumed records are removed from the buffer; returns the last
   * consumed sequence number, or undefined if the poller stopped before consuming anything.
   */
  private async processBatch(shardId: string, buffer: Entry[]): Promise<string | undefined> {
    const { mapping, fn } = this.options;
    const segments = [Math.min(mapping.batchSize, buffer.length)];
    let consumedUpTo: string | undefined;
    let head = '';
    let failedAttempts = 0;
    let overloadRetries = 0;
    let lastErrorType = 'Unhandled';
    const consume = (count: number) => {
      const removed = buffer.splice(0, count);
      consumedUpTo = removed.at(-1)?.seq ?? consumedUpTo;
      const size = segments[0] as number;
      if (count >= size) segments.shift();
      else segments[0] = size - count;
    };

    while (segments.length > 0) {
      const size = segments[0] as number;
      const batch = buffer.slice(0, size);
      const first = batch[0] as Entry;
      if (first.seq !== head) {
        head = first.seq;
        failedAttempts = 0;
        overloadRetries = 0;
      }
      if (
        mapping.maxRecordAgeSeconds >= 0 &&
        this.now() - first.arrivalMs > mapping.maxRecordAgeSeconds * 1000
      ) {
        this.exhausted(shardId, batch, 'RecordAgeExceeded', lastErrorType, failedAttempts);
        consume(size);
        continue;
      }

      let outcome: Outcome;
      try {
        const event: DynamoDBStreamEvent = { Records: batch.map((entry) => entry.record) };
        outcome = this.interpret(await fn.invoke(event), batch);
      } catch (error) {
        outcome = {
          kind: 'error',
          errorType: error instanceof InvocationError ? error.errorType : 'Unhandled',
        };
      }

      if (outcome.kind === 'ok') {
        consume(size);
        continue;
      }
      if (this.stopped) return consumedUpTo;
      if (outcome.kind === 'partial') {
        // Checkpoint before the first failed record; the retry starts there.
        if (outcome.failedIndex > 0) {
          consume(outcome.failedIndex);
          head = (buffer[0] as Entry).seq;
          failedAttempts = 0;
        }
        lastErrorType = 'BatchItemFailure';
        failedAttempts++;
      } else {
        lastErrorType = outcome.errorType;
        if (isEmulatorOverload(outcome.errorType) && overloadRetries < MAX_OVERLOAD_RETRIES) {
          // DynamoDB Local is overloaded, not the function broken: the same batch again, after a
          // back-off, without using up MaximumRetryAttempts (MaximumRecordAge still applies).
          overloadRetries++;
          await this.stopper.sleep(overloadBackoffMs(overloadRetries));
          if (this.stopped) return consumedUpTo;
          continue;
        }
        if (mapping.bisectOnError && size > 1) {
          segments.splice(0, 1, Math.ceil(size / 2), Math.floor(size / 2));
          continue;
        }
        failedAttempts++;
      }
      if (mapping.maxRetryAttempts >= 0 && failedAttempts > mapping.maxRetryAttempts) {
        const failed = segments[0] as number;
        this.exhausted(
          shardId,
          buffer.slice(0, failed),
          'RetryAttemptsExhausted',
          lastErrorType,
          failedAttempts,
        );
        consume(failed);
        continue;
      }
      await this.stopper.sleep(Math.min(this.backoff.minMs * 2 ** (failedAttempts - 1), this.backoff.maxMs));
      if (this.stopped) return consumedUpTo;
    }
    return consumedUpTo;
  }

  private exhausted(
    shardId: string,
    batch: Entry[],
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded',
    errorType: string,
    attempts: number,
  ): void {
    const { mapping, fn, streamArn } = this.options;
    const first = batch[0] as Entry;
    const last = batch.at(-1) as Entry;
    this.options.failures.record({
      kind: 'stream',
      at: new Date(this.now()).toISOString(),
      functionName: fn.name,
      mapping: mapping.id.key,
      ...(mapping.onFailure ? { destination: mapping.onFailure } : {}),
      condition,
      errorType,
      approximateInvokeCount: attempts,
      batch: {
        streamArn,
        shardId,
        startSequenceNumber: first.seq,
        endSequenceNumber: last.seq,
        batchSize: batch.length,
        approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
        approximateArrivalOfLastRecord: new Date(last.arrivalMs).toISOString(),
      },
    });
  }
}
