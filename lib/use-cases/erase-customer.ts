import { eraseProfile, identitiesOf, isErased } from '../domain/erasure';
import type { Clock } from '../ports/clock';
import { ConcurrentUpdateError, type CustomerRepository } from '../ports/customer-repository';
import type { SurveyRepository } from '../ports/survey-repository';

export interface EraseDeps {
  customers: CustomerRepository;
  surveys: SurveyRepository;
  clock: Clock;
}

export type EraseOutcome = 'erased' | 'already_erased' | 'not_found';

const ATTEMPTS = 3;

/**
 * Erases a person's data everywhere it is stored, idempotently. The steps run in an order that a
 * crash or a retry can resume: identities are found from the stored email/phone, so they are
 * suppressed before the profile loses them; comments go next; the profile last, conditional on its
 * version (a signup racing the erasure is re-read and erased too). Orders hold no personal data and
 * are kept, as are the anonymous aggregates. Every call sweeps again, so repeating it is safe.
 */
export async function eraseCustomer(deps: EraseDeps, customerId: string): Promise<EraseOutcome> {
  for (let attempt = 1; ; attempt++) {
    const customer = await deps.customers.get(customerId);
    if (!customer) return 'not_found';
    const now = deps.clock.now().toISOString();
    await deps.customers.suppressIdentities(customerId, identitiesOf(customer), now);
    await deps.surveys.eraseComments(customerId);
    if (isErased(customer)) return 'already_erased';
    try {
      await deps.customers.erase(eraseProfile(customer, now), customer.version);
      return 'erased';
    } catch (err) {
      if (!(err instanceof ConcurrentUpdateError) || attempt >= ATTEMPTS) throw err;
    }
  }
}
