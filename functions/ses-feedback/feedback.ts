import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import {
  type Feedback,
  interpretSesEvent,
  interpretSmsEvent,
  SesEventSchema,
  SmsEventSchema,
} from '../../lib/domain/campaigns/feedback';
import { parseOrThrow } from '../../lib/domain/validation';
import { type FeedbackDeps, type FeedbackOutcome, recordFeedback } from '../../lib/use-cases/record-feedback';
import * as z from '../../lib/zod';
import { count, flushMetrics, METRIC, type Metrics, metricsFor } from '../shared/metrics';

export type FeedbackHandler = (event: unknown, context?: Context) => Promise<FeedbackOutcome>;

/** SNS's Lambda event: one record, whose Message is the End User Messaging SMS event record (JSON). */
const SnsEnvelopeSchema = z.object({
  Records: z
    .array(z.object({ EventSource: z.literal('aws:sns'), Sns: z.object({ Message: z.string() }) }))
    .check(z.length(1)),
});

const isSnsEnvelope = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && 'Records' in event;

/** What one event means: an SES event (EventBridge) or an SMS event (SNS), parsed or thrown. */
function feedbackOf(event: unknown): { feedback: Feedback; kind: string } {
  if (isSnsEnvelope(event)) {
    const [record] = parseOrThrow(SnsEnvelopeSchema, event).Records;
    const sms = parseOrThrow(
      SmsEventSchema,
      JSON.parse((record as { Sns: { Message: string } }).Sns.Message),
    );
    return { feedback: interpretSmsEvent(sms), kind: sms.eventType };
  }
  const parsed = parseOrThrow(SesEventSchema, event);
  return { feedback: interpretSesEvent(parsed.detail), kind: parsed['detail-type'] };
}

/**
 * Provider events on the messages we sent, into ledger status and suppression: SES events from the
 * campaigns configuration set (EventBridge, default bus) and SMS events from the SMS configuration
 * set (its SNS topic). An event that does not parse throws: after the bounded async retries it is
 * kept, whole, in the failure queue. Logs the message id, type and outcome, never an address or number.
 */
export function sesFeedbackHandler(
  deps: FeedbackDeps,
  logger: Logger,
  metrics: Metrics = metricsFor({}, 'ses-feedback'),
): FeedbackHandler {
  return async (event, context) => {
    if (context) logger.addContext(context);
    const { feedback, kind } = feedbackOf(event);
    const outcome = await recordFeedback(deps, feedback);
    logger.info('provider feedback', {
      detailType: kind,
      messageId: feedback.messageId,
      status: feedback.status,
      ...(feedback.row && { customerId: feedback.row.customerId, deliveryKey: feedback.row.deliveryKey }),
      ...outcome,
    });
    if (feedback.status === 'bounced') count(metrics, METRIC.bounces);
    if (feedback.status === 'complained') count(metrics, METRIC.complaints);
    if (outcome.suppressed) count(metrics, METRIC.suppressions);
    if (outcome.row === 'resolved') count(metrics, METRIC.messagesResolved);
    flushMetrics(metrics);
    return outcome;
  };
}
