import type { Customer } from '../domain/customer';
import { MemberRowSchema, memberRow } from '../domain/segment-member-view';
import { audiencesOf } from '../domain/segment-members';
import type { CustomerRepository } from '../ports/customer-repository';
import type { SegmentMembers } from '../ports/segment-members';
import * as z from '../zod';

// A segment's people, as a marketer lists, counts and exports them (issue 11 item 5): ids from the
// segment membership index (one segment's items, never a scan), profiles by key. The index says who
// may be in the segment, the profile who is: a member whose profile no longer places them there (a
// stream record not yet applied, or one that failed) is left out of the page.

export interface SegmentMembersDeps {
  members: Pick<SegmentMembers, 'page' | 'count'>;
  customers: Pick<CustomerRepository, 'getMany'>;
}

/** `GET /segments/{segment}/members`: one page, and the cursor of the next (absent: the last page). */
export const MembersPageViewSchema = z.object({
  segment: z.string(),
  members: z.array(MemberRowSchema),
  cursor: z.optional(z.string()),
});
export type MembersPageView = z.infer<typeof MembersPageViewSchema>;

/** One page of a segment's members, in the index's order (see SegmentMembers.page). */
export async function listSegmentMembers(
  deps: SegmentMembersDeps,
  segment: string,
  options: { limit: number; cursor?: string },
): Promise<MembersPageView> {
  const page = await deps.members.page(segment, options);
  const profiles = new Map(
    (await deps.customers.getMany(page.customerIds)).map((customer) => [customer.customerId, customer]),
  );
  const members = page.customerIds
    .map((id) => profiles.get(id))
    .filter(
      (customer): customer is Customer => customer !== undefined && audiencesOf(customer).includes(segment),
    )
    .map(memberRow);
  return { segment, members, ...(page.cursor !== undefined && { cursor: page.cursor }) };
}

export async function countSegmentMembers(
  deps: Pick<SegmentMembersDeps, 'members'>,
  segment: string,
): Promise<{ segment: string; count: number }> {
  return { segment, count: await deps.members.count(segment) };
}
