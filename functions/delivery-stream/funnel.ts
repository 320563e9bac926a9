import type { Logger } from '@aws-lambda-powertools/logger';
import { type FunnelDeps, recordFunnel } from '../../lib/use-cases/record-funnel';
import { images, type StreamHandler, streamHandler } from '../shared/stream';

/**
 * The Deliveries stream consumer: the funnel stages each ledger row newly reached, counted once per
 * campaign, group and period. A record that fails (throttling, a lost race) is retried by the
 * stream; the counted-stages marker makes the retry count nothing twice.
 */
export function deliveryStreamHandler(deps: FunnelDeps, logger: Logger): StreamHandler {
  return streamHandler(
    logger,
    async (record) => {
      const { oldImage, newImage } = images(record);
      const outcome = await recordFunnel(deps, {
        ...(oldImage && { before: oldImage }),
        ...(newImage && { after: newImage }),
      });
      if (outcome.status === 'counted') {
        logger.debug('funnel counted', {
          customerId: newImage?.customerId,
          deliveryKey: newImage?.deliveryKey,
          stages: outcome.stages,
        });
      }
    },
    // Every record of a batch updates its campaign's counter rows: one at a time, not racing.
    { sequential: true },
  );
}
