import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { PROFILE_STREAM_FILTERS, TRIGGER_STREAM_FILTERS } from '../../../lib/config/stream-filters';
import { compileEventPattern } from '../../../lib/local/event-pattern';

// Which writes to a customer wake which Customers-stream consumer, matched exactly as Lambda's event
// source mapping matches FilterCriteria (the local runtime's matcher runs these same patterns).

const record = (newImage: Record<string, unknown> | undefined, eventName = 'MODIFY') => ({
  eventName,
  dynamodb: {
    Keys: marshall({ customerId: 'cus_ana' }),
    ...(newImage && { NewImage: marshall(newImage, { removeUndefinedValues: true }) }),
  },
});
const wakes = (filters: readonly Record<string, unknown>[], r: unknown) =>
  filters.map((f) => compileEventPattern(f)).some((match) => match(r));
const profile = (change?: string) => ({ customerId: 'cus_ana', version: 3, ...(change && { change }) });

describe('the Customers stream filters', () => {
  it.each([
    ['a signup, a manage-page edit, a confirmation or an erasure (facts)', 'facts', true, true],
    ['a re-score that moved a segment (segments)', 'segments', true, false],
    ['a re-score or an order that moved no segment (derived)', 'derived', false, false],
    ['a confirmation email recorded, a phone code, a bounce (sends)', 'sends', false, false],
    ['an item written before writes were tagged', undefined, true, true],
  ])('%s: profile stream %s, triggers %s', (_, change, profileStream, triggers) => {
    expect(wakes(PROFILE_STREAM_FILTERS, record(profile(change)))).toBe(profileStream);
    expect(wakes(TRIGGER_STREAM_FILTERS, record(profile(change)))).toBe(triggers);
  });

  it('a new profile (INSERT) wakes both', () => {
    expect(wakes(PROFILE_STREAM_FILTERS, record(profile('facts'), 'INSERT'))).toBe(true);
    expect(wakes(TRIGGER_STREAM_FILTERS, record(profile('facts'), 'INSERT'))).toBe(true);
  });
});
