/**
 * The SMS pumping cap: at most one customer's texts per phone number per local day, whatever number
 * of profiles share the number. Keyed by a hash of the number, never the number itself.
 */
export interface SmsNumberDays {
  /**
   * Claims the number's `localDate` for `customerId`: true when it was free or is already this
   * customer's, false when another customer holds it.
   */
  claim(phone: string, localDate: string, customerId: string): Promise<boolean>;
}
