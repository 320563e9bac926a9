import {
  codeBinding,
  codeState,
  normaliseCode,
  VERIFICATION_MAX_ATTEMPTS,
} from '../domain/phone-verification';
import { verifyPendingPhone } from '../domain/preferences';
import type { Clock } from '../ports/clock';
import type { ConsentStore } from '../ports/consent-store';
import { ConcurrentUpdateError, type CustomerRepository } from '../ports/customer-repository';
import type { LinkSigner } from '../ports/link-signer';

// `POST /verify-phone {token, code}`: the person types back the code we texted to their number
// (phone-verification.ts). The token says who: the signup's (purpose `verify-phone`) or the
// manage page's. Every try is counted before the code is compared (at most
// VERIFICATION_MAX_ATTEMPTS per code, atomically), the digest compared in constant time; the right
// code makes the pending number the profile's phone and turns SMS consent given for it on.

export interface VerifyPhoneDeps {
  customers: Pick<CustomerRepository, 'get' | 'updateProfile'>;
  consent: Pick<ConsentStore, 'countPhoneCodeAttempt'>;
  links: LinkSigner;
  clock: Clock;
}

export type VerifyPhoneOutcome =
  /** The token does not verify, or names nobody (gone, erased): nothing said about whom. */
  | { status: 'invalid' }
  /** Not six digits: nothing counted. */
  | { status: 'malformed' }
  | { status: 'verified' }
  | { status: 'wrong_code' | 'expired' | 'no_code' | 'no_request' | 'too_many_attempts' };

const ATTEMPTS = 3;

export async function verifyPhone(
  deps: VerifyPhoneDeps,
  token: string | undefined,
  typed: string,
): Promise<VerifyPhoneOutcome> {
  const claims = token && token.length <= 1000 ? deps.links.verify(token, deps.clock.now()) : undefined;
  if (claims?.purpose !== 'verify-phone' && claims?.purpose !== 'manage') return { status: 'invalid' };
  const code = normaliseCode(typed);
  if (code === undefined) return { status: 'malformed' };
  const customerId = claims.customerId;
  let customer = await deps.customers.get(customerId);
  if (!customer || customer.erasedAt !== undefined) return { status: 'invalid' };
  const state = codeState(customer, deps.clock.now());
  if (!state.usable) return { status: state.reason };
  const { requestedAt, codeHash } = state.code;
  if (!(await deps.consent.countPhoneCodeAttempt(customerId, requestedAt, VERIFICATION_MAX_ATTEMPTS)))
    return { status: 'too_many_attempts' };
  if (!deps.links.matchesDigest(codeBinding(customerId, requestedAt, code), codeHash))
    return { status: 'wrong_code' };
  const phone = state.pending.phone;
  for (let attempt = 1; ; attempt++) {
    // After a concurrent change (re-read): the same request still pending is verified; one
    // verified meanwhile is done; one replaced by a new request is not this code's any more.
    if (customer.pendingPhone?.requestedAt !== requestedAt)
      return customer.phone === phone && customer.pendingPhone === undefined
        ? { status: 'verified' }
        : { status: 'no_request' };
    const next = verifyPendingPhone(customer, phone, deps.clock.now().toISOString());
    try {
      await deps.customers.updateProfile(next, customer.version);
      return { status: 'verified' };
    } catch (err) {
      if (!(err instanceof ConcurrentUpdateError) || attempt >= ATTEMPTS) throw err;
    }
    const reread = await deps.customers.get(customerId);
    if (!reread || reread.erasedAt !== undefined) return { status: 'invalid' };
    customer = reread;
  }
}
