import { appendFileSync } from 'node:fs';

// What the on-failure destination of a stream mapping or an async invocation would receive,
// reduced to metadata: AWS sends only batch coordinates for streams, and event contents hold
// PII, so neither the in-memory list nor failures.jsonl ever carries record or event bodies.

export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded' | 'EventAgeExceeded';

export interface StreamFailure {
  kind: 'stream';
  at: string;
  functionName: string;
  mapping: string;
  destination?: string;
  condition: FailureCondition;
  errorType: string;
  approximateInvokeCount: number;
  batch: {
    streamArn: string;
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    batchSize: number;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
  };
}

export interface EventFailure {
  kind: 'event';
  at: string;
  functionName: string;
  /** What invoked the function: `rule <name>` or `schedule <name>`. */
  source: string;
  destination?: string;
  condition: FailureCondition;
  errorType: string;
  approximateInvokeCount: number;
  eventId: string;
  detailType?: string;
}

/** A message its queue's RedrivePolicy moved to the dead-letter queue. */
export interface QueueFailure {
  kind: 'queue';
  at: string;
  queue: string;
  deadLetterQueue: string;
  messageId: string;
  receiveCount: number;
}

export type LocalFailure = StreamFailure | EventFailure | QueueFailure;

export class FailureLog {
  private readonly entries: LocalFailure[] = [];

  constructor(
    private readonly file: string | undefined,
    private readonly log: (line: string) => void,
    /** Delivers the record to its on-failure destination when that exists locally (an SQS queue). */
    private readonly forward: (failure: LocalFailure) => void = () => {},
  ) {}

  record(failure: LocalFailure): void {
    this.entries.push(failure);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(failure)}\n`);
    this.log(describeFailure(failure));
    this.forward(failure);
  }

  list(): LocalFailure[] {
    return [...this.entries];
  }
}

const describeFailure = (failure: LocalFailure): string => {
  if (failure.kind === 'queue') {
    return `[${failure.queue}] message ${failure.messageId} moved to ${failure.deadLetterQueue} after ${failure.receiveCount} receives`;
  }
  const where =
    failure.kind === 'stream'
      ? `${failure.batch.shardId} ${failure.batch.startSequenceNumber}..${failure.batch.endSequenceNumber} (${failure.batch.batchSize} records)`
      : `${failure.source} event ${failure.eventId}`;
  return `[${failure.functionName}] ${failure.condition} after ${failure.approximateInvokeCount} attempts (${failure.errorType}): ${where} → ${failure.destination ?? 'dropped (no on-failure destination)'}`;
};
