import { confirmEmail, unsubscribe } from '../domain/consent';
import type { Customer } from '../domain/customer';
import type { Clock } from '../ports/clock';
import { ConcurrentUpdateError, type CustomerRepository } from '../ports/customer-repository';
import type { DeliveryUnsubscribes } from '../ports/delivery-ledger';
import type { LinkClaims, LinkSigner } from '../ports/link-signer';

// The signed links in our emails: `GET /confirm?token=…` (double opt-in) and `POST
// /unsubscribe?token=…` (one click, RFC 8058). A token that does not verify (tampered, expired, for
// the other purpose) and a customer who no longer exists get the same answer, so a link reveals
// nothing about who is registered.

export interface ConsentLinkDeps {
  customers: Pick<CustomerRepository, 'get' | 'updateProfile'>;
  links: LinkSigner;
  clock: Clock;
  /**
   * Measurement: an unsubscribe link names the message it came in (its ledger row), which is marked
   * so the campaign's report counts it. Without it, unsubscribes are not counted per campaign.
   */
  deliveries?: DeliveryUnsubscribes;
}

export type LinkOutcome =
  | { status: 'invalid' }
  | { status: 'confirmed' | 'already_confirmed' }
  | { status: 'unsubscribed' | 'already_unsubscribed'; channel: 'email' | 'sms' };

const ATTEMPTS = 3;

/** Verifies a token for one purpose; undefined for anything else. */
export function verifyLink(
  deps: Pick<ConsentLinkDeps, 'links' | 'clock'>,
  token: string | undefined,
  purpose: LinkClaims['purpose'],
): LinkClaims | undefined {
  if (!token || token.length > 1000) return undefined;
  const claims = deps.links.verify(token, deps.clock.now());
  return claims?.purpose === purpose ? claims : undefined;
}

export async function confirmByLink(deps: ConsentLinkDeps, token: string | undefined): Promise<LinkOutcome> {
  const claims = verifyLink(deps, token, 'confirm');
  if (claims?.channel !== 'email') return { status: 'invalid' };
  return change(deps, claims.customerId, confirmEmail, (before, after) => {
    if (after.consent.email.status !== 'confirmed') return { status: 'invalid' };
    return before === after ? { status: 'already_confirmed' } : { status: 'confirmed' };
  });
}

export async function unsubscribeByLink(
  deps: ConsentLinkDeps,
  token: string | undefined,
): Promise<LinkOutcome> {
  const claims = verifyLink(deps, token, 'unsubscribe');
  if (!claims) return { status: 'invalid' };
  const { channel, customerId, deliveryKey } = claims;
  // The row is marked before the profile is written: a failure in between leaves the person
  // subscribed and the link still works (a retry finds the row marked and keeps the first time).
  const markRow =
    deps.deliveries && deliveryKey !== undefined
      ? async (now: string) =>
          void (await deps.deliveries?.markUnsubscribed({ customerId, deliveryKey }, now))
      : undefined;
  return change(
    deps,
    customerId,
    (customer, now) => unsubscribe(customer, channel, now),
    (before, after) =>
      before === after ? { status: 'already_unsubscribed', channel } : { status: 'unsubscribed', channel },
    markRow,
  );
}

/** Read → change → conditional write, re-read on a concurrent update. */
async function change(
  deps: ConsentLinkDeps,
  customerId: string,
  apply: (customer: Customer, now: string) => Customer,
  outcome: (before: Customer, after: Customer) => LinkOutcome,
  beforeWrite?: (now: string) => Promise<void>,
): Promise<LinkOutcome> {
  for (let attempt = 1; ; attempt++) {
    const customer = await deps.customers.get(customerId);
    if (!customer || customer.erasedAt !== undefined) return { status: 'invalid' };
    const now = deps.clock.now().toISOString();
    const next = apply(customer, now);
    try {
      if (next !== customer) {
        await beforeWrite?.(now);
        await deps.customers.updateProfile(next, customer.version);
      }
      return outcome(customer, next);
    } catch (err) {
      if (!(err instanceof ConcurrentUpdateError) || attempt >= ATTEMPTS) throw err;
    }
  }
}
