import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PlannerPage, PlannerPageQueue } from '../../use-cases/plan-campaigns';
import { SendQueueError } from './sqs-send-queue';

/** Pages sent at once (each its own message: a page of 1,000 ids is ~60 KB, SQS takes 256 KB). */
const IN_FLIGHT = 10;

/** The planner's page queue: one message per page, ids only (no personal data rests in the queue). */
export class SqsPlannerPages implements PlannerPageQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(pages: readonly PlannerPage[]): Promise<void> {
    for (let i = 0; i < pages.length; i += IN_FLIGHT) {
      await Promise.all(
        pages.slice(i, i + IN_FLIGHT).map(async (page) => {
          const out = await this.client.send(
            new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(page) }),
          );
          if (!out.MessageId) throw new SendQueueError('a planner page was not queued');
        }),
      );
    }
  }
}
