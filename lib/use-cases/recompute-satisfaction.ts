import { computeSatisfaction } from '../domain/satisfaction';
import type { CustomerRepository } from '../ports/customer-repository';
import type { SurveyRepository } from '../ports/survey-repository';

/**
 * Recomputes a customer's satisfaction from their whole survey history (a query, never an increment),
 * so replayed, duplicated or out-of-order stream records cannot double count. Writes only on change.
 * An answer that reached an erased record (it raced the erasure) loses its comment here.
 */
export async function recomputeSatisfaction(
  deps: { customers: CustomerRepository; surveys: SurveyRepository },
  customerId: string,
): Promise<'updated' | 'unchanged' | 'no_customer' | 'no_answers'> {
  const [customer, history] = await Promise.all([
    deps.customers.get(customerId),
    deps.surveys.history(customerId),
  ]);
  if (!customer) return 'no_customer';
  if (customer.erasedAt !== undefined && history.some((survey) => survey.comment !== undefined)) {
    await deps.surveys.eraseComments(customerId);
  }
  const satisfaction = computeSatisfaction(history);
  if (!satisfaction) return 'no_answers';
  if (JSON.stringify(satisfaction) === JSON.stringify(customer.satisfaction)) return 'unchanged';
  await deps.customers.saveSatisfaction(customerId, satisfaction);
  return 'updated';
}
