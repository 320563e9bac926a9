import { describe, expect, it } from 'vitest';
import { InProcessSendPacer } from '../../../lib/adapters/pacing/in-process-send-pacer';

// One sender instance holding its share of the rate, on an injected clock: an account allowed 14
// emails a second with 5 senders at once gives each 2.8 a second.

function pacerAt(rates: Record<string, number>, instances: number) {
  let now = 0;
  const asked: string[] = [];
  const pacer = new InProcessSendPacer({
    rateOf: async (lane) => {
      asked.push(lane);
      return rates[lane] ?? 1;
    },
    instances,
    nowMs: () => now,
    // The clock stands still: every reservation below is made at the same instant.
    sleep: async () => {},
  });
  return { pacer, asked, advance: (ms: number) => (now += ms) };
}

describe('an instance pacing its sends', () => {
  it('gives a parallel batch of ten emails one slot each, 357 ms apart, and asks the rate once', async () => {
    const { pacer, asked } = pacerAt({ email: 14 }, 5);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => pacer.pace('email')));
    expect(outcomes.map((o) => ('waitedMs' in o ? Math.round(o.waitedMs) : -1))).toEqual([
      0, 357, 714, 1071, 1429, 1786, 2143, 2500, 2857, 3214,
    ]);
    expect(asked).toEqual(['email']);
  });

  it('paces each SMS country on its own: US texts do not wait behind UK ones', async () => {
    const { pacer } = pacerAt({ 'sms:US': 3, 'sms:GB': 1 }, 1);
    await pacer.pace('sms:GB');
    expect(await pacer.pace('sms:US')).toEqual({ waitedMs: 0 });
    expect(await pacer.pace('sms:GB')).toEqual({ waitedMs: 1000 });
  });

  it('sends at once after a quiet spell', async () => {
    const { pacer, advance } = pacerAt({ email: 2 }, 1);
    await pacer.pace('email');
    await pacer.pace('email');
    advance(5000);
    expect(await pacer.pace('email')).toEqual({ waitedMs: 0 });
  });

  it('defers what it would wait more than 10 s for, keeping no slot for it', async () => {
    const { pacer } = pacerAt({ 'sms:GB': 1 }, 5);
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => pacer.pace('sms:GB')));
    expect(outcomes).toEqual([
      { waitedMs: 0 },
      { waitedMs: 5000 },
      { waitedMs: 10_000 },
      { deferMs: 15_000 },
    ]);
  });
});
