import { describe, expect, it } from 'vitest';
import {
  instanceShare,
  pacedDelaySeconds,
  reserveSlot,
  SendRateSettingsSchema,
  sendLane,
  smsLaneRate,
} from '../../../lib/domain/campaigns/send-rate';

// Pacing to the provider's rate: an SES account allowed 14 emails a second, five senders at once,
// each may send 2.8 a second; a birthday morning of 1,000 emails takes a minute and a bit, not a
// burst SES would throttle.

describe('a lane paced at its rate', () => {
  /** Reserves `count` slots at the same instant, as a batch processed in parallel does. */
  const burst = (count: number, rate: number, maxWaitMs: number, nowMs = 0) => {
    let state: { nextAtMs: number } | undefined;
    return Array.from({ length: count }, () => {
      const slot = reserveSlot(state, nowMs, rate, maxWaitMs);
      if (slot.granted) state = slot.state;
      return slot;
    });
  };

  it('spaces a batch of ten at 2.8 a second 357 ms apart: the tenth goes after 3.2 s', () => {
    const waits = burst(10, 2.8, 10_000).map((slot) => Math.round(slot.waitMs));
    expect(waits).toEqual([0, 357, 714, 1071, 1429, 1786, 2143, 2500, 2857, 3214]);
  });

  it('never lets more than its share through in any one second', () => {
    // Whole milliseconds: 14 intervals of 1000/14 ms add up to 999.99… in floating point.
    const sentAt = burst(100, 14, 60_000).map((slot) => Math.round(slot.waitMs));
    for (let second = 0; second < 7; second++) {
      const inSecond = sentAt.filter((ms) => ms >= second * 1000 && ms < (second + 1) * 1000);
      expect(inSecond.length).toBeLessThanOrEqual(14);
    }
  });

  it('refuses a slot further away than the longest wait, and keeps no slot for it', () => {
    // SMS at 1 a second split over five senders: one text every 5 s per sender.
    const slots = burst(4, 0.2, 10_000);
    expect(slots.map((slot) => [slot.granted, slot.waitMs])).toEqual([
      [true, 0],
      [true, 5_000],
      [true, 10_000],
      [false, 15_000],
    ]);
  });

  it('a message arriving after a quiet spell goes at once', () => {
    const first = reserveSlot(undefined, 0, 2, 10_000);
    if (!first.granted) throw new Error('the first message goes');
    expect(reserveSlot(first.state, 5_000, 2, 10_000)).toMatchObject({ granted: true, waitMs: 0 });
  });

  it('starts again from now when the clock went back (no wait longer than it could ever be)', () => {
    const slot = reserveSlot({ nextAtMs: 3_600_000 }, 0, 2, 10_000);
    expect(slot).toMatchObject({ granted: true, waitMs: 0, state: { nextAtMs: 500 } });
  });
});

describe('the rate of each lane', () => {
  const settings = SendRateSettingsSchema.parse({ sms: { default: 1, US: 3 } });

  it.each([
    ['email', undefined, 'email'],
    ['sms', '+12125551234', 'sms:US'],
    ['sms', '+447400123456', 'sms:GB'],
    ['sms', undefined, 'sms:ZZ'],
  ] as const)('%s to %s goes out on lane %s', (channel, phone, lane) => {
    expect(sendLane(channel, phone)).toBe(lane);
  });

  it('a US text goes at the toll-free number’s 3 a second, a UK one at the default 1', () => {
    expect(smsLaneRate(settings, 'sms:US')).toBe(3);
    expect(smsLaneRate(settings, 'sms:GB')).toBe(1);
  });

  it('texts default to 1 a second everywhere', () => {
    expect(SendRateSettingsSchema.parse({}).sms).toEqual({ default: 1 });
  });

  it('five senders share an account rate of 14 a second: 2.8 each', () => {
    expect(instanceShare(14, 5)).toBeCloseTo(2.8);
    expect(instanceShare(14, 1)).toBe(14);
  });

  it('refuses a rate that is not a positive number and a country that is not a code', () => {
    expect(SendRateSettingsSchema.safeParse({ email: 0 }).success).toBe(false);
    expect(SendRateSettingsSchema.safeParse({ sms: { usa: 3 } }).success).toBe(false);
  });
});

describe('the delay of a message deferred for the rate', () => {
  it.each([
    [15_000, 0, 15],
    [15_000, 0.5, 23],
    [15_000, 0.999, 30],
    [200, 0, 1],
    [2_000_000, 0.9, 900],
  ])('a wait of %i ms, jitter %f: %i s', (waitMs, random, seconds) => {
    expect(pacedDelaySeconds(waitMs, random, 900)).toBe(seconds);
  });
});
