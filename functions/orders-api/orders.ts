import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type OrderRules, orderSchema } from '../../lib/domain/order';
import { parseOrThrow, ValidationError } from '../../lib/domain/validation';
import { type OrderDeps, placeOrder } from '../../lib/use-cases/place-order';
import { type HttpHandler, type HttpResult, httpHandler, json, parseJson, readBody } from '../shared/http';
import { count, METRIC, type Metrics } from '../shared/metrics';

/** Orders may be large (up to 1,000 line items); the limit keeps a request well inside Lambda's. */
export const MAX_ORDER_BYTES = 1024 * 1024;

export async function handleOrder(
  event: APIGatewayProxyEventV2,
  deps: OrderDeps,
  rules: OrderRules,
  logger: Logger,
  metrics?: Metrics,
): Promise<HttpResult> {
  const body = readBody(event, ['json'], MAX_ORDER_BYTES);
  const order = parseOrThrow(orderSchema(rules), parseJson(body.text));
  const outcome = await placeOrder(deps, order);
  logger.info('order handled', { status: outcome.status, lineItems: order.lineItems.length });
  if (metrics && outcome.status === 'accepted') count(metrics, METRIC.ordersIngested);
  switch (outcome.status) {
    case 'unknown_customer':
      throw new ValidationError([{ path: 'customer.customerId', message: 'no customer has this id' }]);
    case 'conflict':
      return json(409, {
        error: 'order_conflict',
        message: 'this order id was already used for a different order; the first one stands',
      });
    default:
      return json(202, outcome);
  }
}

/** `POST /orders` with the shared HTTP stack around it. */
export const ordersHandler = (
  deps: OrderDeps,
  rules: () => OrderRules,
  logger: Logger,
  metrics?: Metrics,
): HttpHandler => httpHandler(logger, (event) => handleOrder(event, deps, rules(), logger, metrics), metrics);
