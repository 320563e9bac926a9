import * as z from '../zod';
import type { Customer } from './customer';
import { LIFECYCLE_STAGES } from './lifecycle';
import { indexPartitions, shardedPartition } from './occasion-keys';
import { RFM_SEGMENTS } from './rfm';
import { MATRIX_STRATEGIES } from './satisfaction-matrix';
import { memberships, SegmentsSchema } from './scoring';
import { VALUE_TIERS } from './value-tier';

// Who is in a segment, findable without reading anyone else (issue 11 item 5; the audience of a
// broadcast). A profile carries its segments, but it is in several at once (an RFM segment, a value
// tier, a lifecycle stage, a matrix strategy, any number of rule segments), so no one index of the
// Customers table can list them. Each membership is therefore an item of its own in the
// SegmentMembers table: partition `<kind>:<segment>#<shard>` (the shard from the customer id, as
// the day-keyed indexes shard: occasion-keys.ts), sort key the customer id. A reader queries each
// shard of one segment, reading that segment's members and nobody else.
//
// Written by the profile stream from the old and new images of each profile write (the write that
// moved a segment is a `segments` change, consent moves with a `facts` change): a put per segment
// entered, a delete per segment left, nothing at all when no membership moved. So an order costs no
// membership write unless it moves the person into or out of a segment.
//
// Audiences a segment does not cover, for broadcasts "to all with consent": `consent:email` (email
// consent confirmed: double opt-in done) and `consent:sms` (texts opted in and the number verified).
// Suppression, quiet hours and frequency caps are checked when a message is planned and when it
// leaves (eligibility.ts, the send-time guard), never by the audience. An erased profile is in no
// audience.

export const AUDIENCE_KINDS = ['rfm', 'valueTier', 'lifecycle', 'matrix', 'rule', 'consent'] as const;
export type AudienceKind = (typeof AUDIENCE_KINDS)[number];

const CONSENT_AUDIENCES = ['email', 'sms'] as const;

/** The names each built-in kind has (rule segments: the operator's ids, checked against the config). */
const NAMES: Readonly<Record<Exclude<AudienceKind, 'rule'>, readonly string[]>> = {
  rfm: RFM_SEGMENTS,
  valueTier: VALUE_TIERS,
  lifecycle: LIFECYCLE_STAGES,
  matrix: MATRIX_STRATEGIES,
  consent: CONSENT_AUDIENCES,
};

/**
 * The audiences a profile is in, as `kind:name` strings: its stored segments (`memberships` in
 * scoring.ts, the same strings SegmentEntered / SegmentExited carry) and its consent audiences.
 * Reads a stored item leniently (the stream's old image is raw); an erased profile is in none.
 */
export function audiencesOf(profile: unknown): string[] {
  if (typeof profile !== 'object' || profile === null) return [];
  const item = profile as Partial<Record<keyof Customer, unknown>>;
  if (item.erasedAt !== undefined) return [];
  const segments = SegmentsSchema.safeParse(item.segments);
  const consent = (item.consent ?? {}) as { email?: { status?: unknown }; sms?: { status?: unknown } };
  return [
    ...memberships(segments.success ? segments.data : undefined),
    ...(consent.email?.status === 'confirmed' ? ['consent:email'] : []),
    ...(consent.sms?.status === 'opted_in' ? ['consent:sms'] : []),
  ];
}

/** What a profile write did to its audiences: the ones to add and to remove, each sorted. */
export function audienceChanges(before: unknown, after: unknown): { entered: string[]; exited: string[] } {
  const was = new Set(audiencesOf(before));
  const is = new Set(audiencesOf(after));
  return {
    entered: [...is].filter((a) => !was.has(a)).sort(),
    exited: [...was].filter((a) => !is.has(a)).sort(),
  };
}

/** The partition of one member of a segment (`rfm:Champions#3`; unsharded: `rfm:Champions`). */
export const memberPartition = (segment: string, customerId: string, shards: number): string =>
  shardedPartition(segment, customerId, shards);

/** Every partition a segment's members may be under, in shard order: what a reader queries. */
export const memberPartitions = (segment: string, shards: number): string[] =>
  indexPartitions(segment, shards);

// ---- naming a segment ------------------------------------------------------------------------

export type SegmentRef = { kind: AudienceKind; name: string; key: string };

/**
 * `kind:name` as a caller writes it (`rfm:Champions`, `valueTier:vip`, `lifecycle:at_risk`,
 * `matrix:one-to-one`, `rule:cat-lovers`, `consent:email`), checked against the names that exist:
 * the built-in ones and the operator's rule segment ids. Returns why not when it names none.
 */
export function parseSegmentRef(
  text: string,
  ruleIds: readonly string[],
): { ok: true; segment: SegmentRef } | { ok: false; message: string } {
  const at = text.indexOf(':');
  const kind = text.slice(0, at) as AudienceKind;
  const name = text.slice(at + 1);
  if (at < 1 || !AUDIENCE_KINDS.includes(kind)) {
    return { ok: false, message: `must be kind:name with kind one of ${AUDIENCE_KINDS.join(', ')}` };
  }
  const names = kind === 'rule' ? ruleIds : NAMES[kind];
  if (!names.includes(name)) {
    const known = names.length > 0 ? `: one of ${names.join(', ')}` : ' (no rule segments are configured)';
    return { ok: false, message: `no ${kind} segment "${name}"${known}` };
  }
  return { ok: true, segment: { kind, name, key: `${kind}:${name}` } };
}

// ---- paging ----------------------------------------------------------------------------------

/** Where a page of members ends: the shard it was reading and the last customer id it returned. */
export interface MembersPosition {
  shard: number;
  after?: string;
}

const PositionSchema = z.strictObject({
  s: z.int().check(z.nonnegative()),
  a: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});

/** An opaque cursor (base64url JSON): what a caller passes back to get the next page. */
export function encodeCursor(position: MembersPosition): string {
  const body = { s: position.shard, ...(position.after !== undefined && { a: position.after }) };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The position a cursor names; undefined when it is not one of ours (the caller answers 400). */
export function decodeCursor(cursor: string): MembersPosition | undefined {
  try {
    const parsed = PositionSchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (!parsed.success) return undefined;
    return { shard: parsed.data.s, ...(parsed.data.a !== undefined && { after: parsed.data.a }) };
  } catch {
    return undefined;
  }
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  readonly code = 'invalid_cursor';
}
