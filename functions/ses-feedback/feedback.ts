import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { interpretSesEvent, SesEventSchema } from '../../lib/domain/campaigns/feedback';
import { parseOrThrow } from '../../lib/domain/validation';
import { type FeedbackDeps, type FeedbackOutcome, recordFeedback } from '../../lib/use-cases/record-feedback';
import { count, flushMetrics, METRIC, type Metrics, metricsFor } from '../shared/metrics';

export type FeedbackHandler = (event: unknown, context?: Context) => Promise<FeedbackOutcome>;

/**
 * SES events from the campaigns configuration set (EventBridge, default bus): ledger status and
 * suppression. An event that does not parse throws: after the bounded async retries it is kept,
 * whole, in the failure queue. Logs the message id, type and outcome, never an address.
 */
export function sesFeedbackHandler(
  deps: FeedbackDeps,
  logger: Logger,
  metrics: Metrics = metricsFor({}, 'ses-feedback'),
): FeedbackHandler {
  return async (event, context) => {
    if (context) logger.addContext(context);
    const parsed = parseOrThrow(SesEventSchema, event);
    const feedback = interpretSesEvent(parsed.detail);
    const outcome = await recordFeedback(deps, feedback);
    logger.info('ses feedback', {
      detailType: parsed['detail-type'],
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
