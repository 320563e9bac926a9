import type { ConsentStore } from '../../lib/ports/consent-store';
import type { InMemoryCustomerRepository } from './in-memory-customer-repository';

/**
 * The phone-code half of the ConsentStore on the fake repository's stored profiles (contract:
 * test/integration/contracts/phone-codes.test.ts). No await between read and write: atomic, as
 * DynamoDB's conditional update is.
 */
export class InMemoryPhoneCodes implements Pick<ConsentStore, 'recordPhoneCode' | 'countPhoneCodeAttempt'> {
  constructor(private readonly customers: InMemoryCustomerRepository) {}

  async recordPhoneCode(
    ...[customerId, code]: Parameters<ConsentStore['recordPhoneCode']>
  ): Promise<boolean> {
    const stored = this.customers.customers.get(customerId);
    if (!stored || stored.erasedAt !== undefined || stored.pendingPhone?.requestedAt !== code.requestedAt)
      return false;
    this.customers.customers.set(customerId, { ...stored, phoneCode: structuredClone(code) });
    return true;
  }

  async countPhoneCodeAttempt(customerId: string, requestedAt: string, max: number): Promise<boolean> {
    const stored = this.customers.customers.get(customerId);
    const code = stored?.phoneCode;
    if (!stored || !code || code.requestedAt !== requestedAt || code.attempts >= max) return false;
    this.customers.customers.set(customerId, {
      ...stored,
      phoneCode: { ...code, attempts: code.attempts + 1 },
    });
    return true;
  }
}
