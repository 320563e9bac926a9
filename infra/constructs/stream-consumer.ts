import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, type IFunction, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';
import { FailureQueue } from './failure-queue';

export interface StreamConsumerProps {
  table: ITable;
  fn: IFunction;
  batchSize?: number;
  /** Lambda FilterCriteria patterns: only records matching one of them invoke the function. */
  filters?: readonly Record<string, unknown>[];
}

/**
 * A table's stream feeding a function, with the defaults that keep one bad record from blocking a
 * shard (Lambda's own defaults retry a poison record for a day): partial batch responses, bisect on
 * error, bounded retries and record age, then the record's position goes to a failure queue.
 */
export class StreamConsumer extends Construct {
  readonly failureQueue: FailureQueue;
  /** The consuming function (its IteratorAge is this stream's lag). */
  readonly fn: IFunction;

  constructor(scope: Construct, id: string, props: StreamConsumerProps) {
    super(scope, id);
    this.fn = props.fn;
    this.failureQueue = new FailureQueue(this, 'Failures');
    props.fn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: props.batchSize ?? 100,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 5,
        maxRecordAge: Duration.hours(6),
        parallelizationFactor: 1,
        onFailure: new SqsDlq(this.failureQueue),
        ...(props.filters && { filters: props.filters.map((pattern) => FilterCriteria.filter(pattern)) }),
      }),
    );
    if (props.fn.role) {
      acknowledge(
        props.fn.role,
        'AwsSolutions-IAM5[Resource::*]',
        'dynamodb:ListStreams, added by the DynamoDB event source, has no resource-level permissions; ' +
          'reading the records themselves is granted on this table stream ARN only.',
      );
    }
  }

  static isStreamConsumer(x: unknown): x is StreamConsumer {
    return x instanceof StreamConsumer;
  }
}
