import { describe, expect, it } from 'vitest';
import { throttleBackoffSeconds } from '../../../lib/domain/campaigns/throttling';

// The back-off of a throttled message: a throttled birthday email comes back in a couple of
// seconds, a message throttled again and again waits longer, never past SQS's 15 minutes.

describe('throttle back-off', () => {
  it.each([
    [1, 0, 1],
    [1, 0.999, 2],
    [2, 0, 2],
    [2, 0.999, 4],
    [3, 0.5, 6],
    [6, 0, 32],
    [6, 0.999, 64],
  ])('throttled %i time(s), jitter %f: %i s', (throttled, random, seconds) => {
    expect(throttleBackoffSeconds(throttled, random, 900)).toBe(seconds);
  });

  it('never waits longer than the queue allows, however often the message was throttled', () => {
    for (const throttled of [10, 20, 100, 2000]) {
      expect(throttleBackoffSeconds(throttled, 0.999, 900)).toBeLessThanOrEqual(900);
      expect(throttleBackoffSeconds(throttled, 0, 900)).toBe(450);
    }
  });
});
