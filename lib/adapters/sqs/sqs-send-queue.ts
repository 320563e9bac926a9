import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SendRequest } from '../../domain/campaigns/delivery';
import type { SendQueue } from '../../ports/send-queue';

// SendMessageBatch takes at most 10 messages.
const BATCH = 10;

export class SendQueueError extends Error {
  override readonly name = 'SendQueueError';
  readonly code = 'send_queue_failed';
  readonly transient = true;
}

/** The SQS send queue: ids only in the body (no personal data rests in the queue). */
export class SqsSendQueue implements SendQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(requests: readonly SendRequest[], options: { delaySeconds?: number } = {}): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH) {
      const batch = requests.slice(i, i + BATCH);
      const out = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((request, n) => ({
            Id: String(n),
            MessageBody: JSON.stringify(request),
            ...(options.delaySeconds !== undefined && { DelaySeconds: options.delaySeconds }),
          })),
        }),
      );
      if ((out.Failed ?? []).length > 0) {
        const codes = [...new Set((out.Failed ?? []).map((f) => f.Code))].join(', ');
        throw new SendQueueError(
          `${out.Failed?.length} of ${batch.length} messages were not queued (${codes})`,
        );
      }
    }
  }
}
