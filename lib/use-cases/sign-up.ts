import { applySignup, identityOf, newCustomer } from '../domain/customer';
import { sameValue } from '../domain/scoring';
import type { Signup } from '../domain/signup';
import type { Clock } from '../ports/clock';
import {
  ConcurrentUpdateError,
  type CustomerRepository,
  IdentityTakenError,
} from '../ports/customer-repository';

export interface SignUpDeps {
  customers: CustomerRepository;
  clock: Clock;
  newCustomerId: () => string;
}

const addressesOf = (signup: Signup) => [
  ...(signup.email !== undefined ? [{ kind: 'email' as const, value: signup.email }] : []),
  ...(signup.phone !== undefined ? [{ kind: 'phone' as const, value: signup.phone }] : []),
];

/** What happened; the API answers the same whatever it is, so nobody learns who is registered. */
export type SignUpOutcome = 'created' | 'updated' | 'unchanged' | 'ignored_bot';

const ATTEMPTS = 3;

/**
 * Creates or updates the one customer behind the signup's email (or phone). Two signups racing for
 * the same new address both land on one customer: the loser of the identity claim retries as an update.
 */
export async function signUp(deps: SignUpDeps, signup: Signup): Promise<SignUpOutcome> {
  return (await signUpCustomer(deps, signup)).outcome;
}

/** `signUp`, and the customer behind the signup (none for a bot): the phone verification page's token names them. */
export async function signUpCustomer(
  deps: SignUpDeps,
  signup: Signup,
): Promise<{ outcome: SignUpOutcome; customerId?: string }> {
  if (signup.isBot) return { outcome: 'ignored_bot' };
  const identity = identityOf(signup);
  for (let attempt = 1; ; attempt++) {
    const now = deps.clock.now().toISOString();
    try {
      const existing = await deps.customers.findByIdentity(identity.kind, identity.value);
      if (!existing) {
        // An address suppressed before (a bounce or complaint, perhaps of a person since erased) stays so.
        const suppression = await deps.customers.identitySuppression(addressesOf(signup));
        const customer = newCustomer(signup, deps.newCustomerId(), now);
        await deps.customers.create(
          Object.keys(suppression).length > 0 ? { ...customer, suppression } : customer,
          identity,
        );
        return { outcome: 'created', customerId: customer.customerId };
      }
      const next = applySignup(existing, signup, now);
      // Written even when unchanged (the same values, at the same version), in a transaction that
      // also checks the address still names this customer: a known address costs the round trips
      // and the transaction a new one does (the identity look-ups, then a two-item transaction), so
      // the time to answer does not tell them apart (`npm run bench -- signup-timing`); a
      // concurrent change or erasure is detected and retried.
      // A signup that changes nothing keeps the item byte for byte (no stream record, no consumer woken).
      await deps.customers.updateProfile(next, existing.version, identity, {
        unchanged: sameValue(next, existing),
      });
      return { outcome: next === existing ? 'unchanged' : 'updated', customerId: existing.customerId };
    } catch (err) {
      const raced = err instanceof IdentityTakenError || err instanceof ConcurrentUpdateError;
      if (!raced || attempt >= ATTEMPTS) throw err;
    }
  }
}
