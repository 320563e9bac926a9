import type { SmsNumberDays } from '../../lib/ports/sms-number-days';

/** The SMS pumping cap's claims in memory: (number, local day) → the customer texted. */
export class InMemorySmsNumberDays implements SmsNumberDays {
  readonly claims = new Map<string, string>();

  async claim(phone: string, localDate: string, customerId: string): Promise<boolean> {
    const key = `${phone}|${localDate}`;
    const holder = this.claims.get(key);
    if (holder !== undefined && holder !== customerId) return false;
    this.claims.set(key, customerId);
    return true;
  }
}
