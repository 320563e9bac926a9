import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag';

/**
 * Where work that failed for good is kept for the operator (a stream consumer's failed batch
 * positions, an async invocation's event, a queue's dead letters): encrypted, SSL only, 14 days.
 * The operations construct alarms on every one of them as soon as it holds a message.
 */
export class FailureQueue extends Queue {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter / on-failure destination; nothing consumes it automatically, ' +
        'an operator inspects and replays its messages, and an alarm fires when it is not empty.',
    );
  }

  static isFailureQueue(x: unknown): x is FailureQueue {
    return x instanceof FailureQueue;
  }
}
