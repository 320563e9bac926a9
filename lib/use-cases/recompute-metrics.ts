import { ORDER_KEY_NAMES } from '../domain/occasion-keys';
import { computeProfileMetrics } from '../domain/profile-metrics';
import type { RuleSegment } from '../domain/rule-segments';
import { sameValue } from '../domain/scoring';
import { unfittedModel } from '../domain/scoring-model';
import { type Clock, systemClock } from '../ports/clock';
import type { CustomerRepository } from '../ports/customer-repository';
import type { OrderRepository } from '../ports/order-repository';
import { derivedUpdate } from './derived-update';
import { fixedModel, type ModelSource } from './model-cache';

export interface RecomputeDeps {
  customers: CustomerRepository;
  orders: OrderRepository;
  clock?: Clock;
  /** The current model and the operator's rule segments; without them, the unfitted model, no rules. */
  scoring?: { models: ModelSource; rules: readonly RuleSegment[]; indexShards?: number };
}

const UNFITTED = { models: fixedModel(unfittedModel()), rules: [] };

/**
 * Recomputes a customer's metrics from their whole order history (a query, never an increment), so
 * replayed, duplicated or out-of-order stream records cannot double count, and scores the profile
 * with the current model. Metrics, lifetime value, segments and the next- and last-order index keys go in ONE
 * write, and only what changed; nothing is written when nothing changed.
 */
export async function recomputeMetrics(
  deps: RecomputeDeps,
  customerId: string,
): Promise<'updated' | 'unchanged' | 'no_customer'> {
  const [customer, history] = await Promise.all([
    deps.customers.get(customerId),
    deps.orders.history(customerId),
  ]);
  if (!customer) return 'no_customer';
  const metrics = computeProfileMetrics(
    history
      .filter((order) => order.status === 'placed')
      .map((order) => ({
        orderId: order.orderId,
        orderedAt: order.orderedAt,
        amount: order.reportingAmount,
        lineItems: order.lineItems,
      })),
  );
  const scoring: NonNullable<RecomputeDeps['scoring']> = deps.scoring ?? UNFITTED;
  const { update, changed } = derivedUpdate(
    { ...customer, metrics },
    {
      model: await scoring.models.current(customer.ltv?.modelVersion),
      rules: scoring.rules,
      now: (deps.clock ?? systemClock).now(),
      // The birthday keys follow the person's facts: the profile stream keeps them.
      keyNames: ORDER_KEY_NAMES,
      indexShards: scoring.indexShards,
    },
  );
  const metricsChanged = !sameValue(metrics, customer.metrics);
  if (!metricsChanged && !changed) return 'unchanged';
  await deps.customers.saveDerived(customerId, { ...(metricsChanged && { metrics }), ...update });
  return 'updated';
}
