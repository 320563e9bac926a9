import type { Env } from '../../lib/config/env-names';
import type { HttpHandler } from '../shared/http';
import { metricsFor } from '../shared/metrics';
import { orderDeps } from '../shared/order-deps';
import { lambdaEntry, loggerFor } from '../shared/runtime';
import { ordersHandler } from './orders';

/** Composition root of `POST /orders` (admin-authenticated: never open to the form's origin). */
export function createHandler(env: Env): HttpHandler {
  const { deps, rules } = orderDeps(env);
  return ordersHandler(deps, rules, loggerFor(env, 'orders-api'), metricsFor(env, 'orders-api'));
}

export const handler = lambdaEntry(createHandler);
