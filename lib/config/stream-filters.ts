import { CHANGE_ATTRIBUTE, type ChangeKind } from '../domain/customer';

// The Customers stream's filters (Lambda FilterCriteria patterns, one list per consumer; a record
// passes when any pattern matches). Built here once: the CDK app puts them on the event source
// mappings and the local runtime's poller reads them back from the synthesized template.

/** Records of writes whose `change` is not in `skip`, and of items without one (older items, removals). */
function changesOtherThan(skip: readonly ChangeKind[]): Record<string, unknown>[] {
  return [
    { dynamodb: { NewImage: { [CHANGE_ATTRIBUTE]: { S: [{ 'anything-but': [...skip] }] } } } },
    { dynamodb: { NewImage: { [CHANGE_ATTRIBUTE]: { S: [{ exists: false }] } } } },
  ];
}

/**
 * The profile stream re-derives after the person's facts change and announces the segment changes a
 * write stored: it skips derived writes that moved no segment and all send bookkeeping.
 */
export const PROFILE_STREAM_FILTERS = changesOtherThan(['derived', 'sends']);

/** The message triggers act on the person's facts only (a confirmation asked for or made, a phone to verify). */
export const TRIGGER_STREAM_FILTERS = changesOtherThan(['derived', 'segments', 'sends']);
