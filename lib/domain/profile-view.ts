import * as z from '../zod';
import { type Customer, CustomerSchema } from './customer';
import { computeProfileMetrics, ProfileMetricsSchema } from './profile-metrics';
import { SatisfactionSchema } from './satisfaction';
import { LtvSchema, SegmentsSchema } from './scoring';

/**
 * A customer as the admin API, the data export and the CLI show them: what the person told us, their
 * consent, and what we derived. Built from an allow-list, so internal attributes (index keys, the
 * optimistic-lock version) and anything added to the item later never leak by default.
 */

export const ProfileViewSchema = z.extend(
  z.pick(CustomerSchema, {
    customerId: true,
    firstName: true,
    lastName: true,
    email: true,
    phone: true,
    birthday: true,
    timeZone: true,
    locale: true,
    interests: true,
    consent: true,
    /** The campaigns the person opted out of, and a phone number waiting for verification. */
    campaignOptOuts: true,
    pendingPhone: true,
    /** Channels no message may go to, why and since when (hard bounce, complaint, STOP / carrier opt-out). */
    suppression: true,
    source: true,
    createdAt: true,
    updatedAt: true,
    /** Present once the person's data was erased: only anonymous aggregates remain. */
    erasedAt: true,
  }),
  {
    /** Order metrics (zero before any order) and the survey satisfaction (null before any answer). */
    metrics: z.extend(ProfileMetricsSchema, { satisfaction: z.nullable(SatisfactionSchema) }),
    /** Lifetime value (historical and predicted) and the expected next order; absent before scoring. */
    ltv: z.optional(LtvSchema),
    /** RFM, value tier, satisfaction matrix, lifecycle stage and rule segments; absent before scoring. */
    segments: z.optional(SegmentsSchema),
  },
);
export type ProfileView = z.infer<typeof ProfileViewSchema>;

/** The person's id, name and contact points, each only when known (the admin views share them). */
export const contactOf = (customer: Customer) => ({
  customerId: customer.customerId,
  ...(customer.firstName !== undefined && { firstName: customer.firstName }),
  ...(customer.lastName !== undefined && { lastName: customer.lastName }),
  ...(customer.email !== undefined && { email: customer.email }),
  ...(customer.phone !== undefined && { phone: customer.phone }),
});

export function toProfileView(customer: Customer): ProfileView {
  return {
    ...contactOf(customer),
    ...(customer.birthday !== undefined && { birthday: customer.birthday }),
    timeZone: customer.timeZone,
    locale: customer.locale,
    interests: [...customer.interests],
    consent: structuredClone(customer.consent),
    ...(customer.campaignOptOuts !== undefined && { campaignOptOuts: [...customer.campaignOptOuts] }),
    ...(customer.pendingPhone !== undefined && { pendingPhone: { ...customer.pendingPhone } }),
    ...(customer.suppression !== undefined && { suppression: structuredClone(customer.suppression) }),
    source: customer.source,
    createdAt: customer.createdAt,
    updatedAt: customer.updatedAt,
    ...(customer.erasedAt !== undefined && { erasedAt: customer.erasedAt }),
    metrics: {
      ...structuredClone(customer.metrics ?? computeProfileMetrics([])),
      satisfaction: customer.satisfaction ? { ...customer.satisfaction } : null,
    },
    ...(customer.ltv !== undefined && { ltv: structuredClone(customer.ltv) }),
    ...(customer.segments !== undefined && { segments: structuredClone(customer.segments) }),
  };
}
