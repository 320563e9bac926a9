import type { EventBridgeEvent } from 'aws-lambda';
import type { Env } from '../../lib/config/env-names';
import { orderSchema } from '../../lib/domain/order';
import { parseOrThrow } from '../../lib/domain/validation';
import { cancelOrder, placeOrder } from '../../lib/use-cases/place-order';
import * as z from '../../lib/zod';
import { count, flushMetrics, METRIC, metricsFor } from '../shared/metrics';
import { orderDeps } from '../shared/order-deps';
import { lambdaEntry, loggerFor } from '../shared/runtime';

const CancellationSchema = z.strictObject({
  orderId: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  cancelledAt: z.optional(z.iso.datetime({ offset: true })),
});

type OrderEvent = EventBridgeEvent<'OrderPlaced' | 'OrderCancelled', unknown>;

/**
 * `OrderPlaced` / `OrderCancelled` from the app's event bus, the usual way a shop integrates. An
 * invalid event throws: after Lambda's bounded async retries it lands, whole, in the failure queue
 * for the operator to fix and replay (never silently dropped).
 */
export function createHandler(env: Env): (event: OrderEvent) => Promise<void> {
  const { deps, rules } = orderDeps(env);
  const logger = loggerFor(env, 'order-events');
  const metrics = metricsFor(env, 'order-events');
  const handle = async (event: OrderEvent): Promise<void> => {
    if (event['detail-type'] === 'OrderCancelled') {
      const cancellation = parseOrThrow(CancellationSchema, event.detail);
      const at = cancellation.cancelledAt ?? event.time;
      const outcome = await cancelOrder(deps, cancellation.orderId, at);
      logger.info('order cancellation handled', { outcome });
      if (outcome === 'cancelled') count(metrics, METRIC.ordersCancelled);
      return;
    }
    const outcome = await placeOrder(deps, parseOrThrow(orderSchema(rules()), event.detail));
    logger.info('order event handled', { status: outcome.status });
    if (outcome.status === 'accepted') count(metrics, METRIC.ordersIngested);
    if (outcome.status === 'conflict' || outcome.status === 'unknown_customer') {
      throw new Error(`order event rejected: ${outcome.status}`);
    }
  };
  return async (event) => {
    try {
      await handle(event);
    } finally {
      flushMetrics(metrics);
    }
  };
}

export const handler = lambdaEntry(createHandler);
