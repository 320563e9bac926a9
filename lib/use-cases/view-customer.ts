import { DeliverySchema } from '../domain/campaigns/delivery';
import { ProfileViewSchema, toProfileView } from '../domain/profile-view';
import type { CustomerRepository } from '../ports/customer-repository';
import type { DeliveryLedger } from '../ports/delivery-ledger';
import * as z from '../zod';

/** One Deliveries ledger row as the profile shows it: campaign, occasion, channel, status, dates. */
export const MessageViewSchema = z.omit(DeliverySchema, {
  customerId: true,
  deliveryKey: true,
  providerMessageId: true,
});
export type MessageView = z.infer<typeof MessageViewSchema>;

/** The profile and the person's message history (newest claim first). */
export const CustomerViewSchema = z.extend(ProfileViewSchema, { messages: z.array(MessageViewSchema) });
export type CustomerView = z.infer<typeof CustomerViewSchema>;

/** The customer behind an id (erased records included, as anonymous aggregates) or a live email. */
export async function viewCustomer(
  deps: { customers: CustomerRepository; deliveries: Pick<DeliveryLedger, 'history'> },
  key: { customerId: string } | { email: string },
): Promise<CustomerView | undefined> {
  const customer =
    'customerId' in key
      ? await deps.customers.get(key.customerId)
      : await deps.customers.findByIdentity('email', key.email);
  if (!customer) return undefined;
  const history = await deps.deliveries.history(customer.customerId);
  const messages = history
    .map(({ customerId: _c, deliveryKey: _k, providerMessageId: _p, ...row }) => row)
    .sort((a, b) => b.claimedAt.localeCompare(a.claimedAt));
  return { ...toProfileView(customer), messages };
}
