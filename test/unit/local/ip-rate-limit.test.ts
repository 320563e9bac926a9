import { describe, expect, it } from 'vitest';
import { IpRateLimiter } from '../../../lib/local/ip-rate-limit';

describe('per-IP rate limiting of public routes (local runtime)', () => {
  it('lets a burst through, then refuses with the seconds until the next request may come', () => {
    let now = 0;
    const limiter = new IpRateLimiter({ perMinute: 6, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('203.0.113.7').allowed)).toEqual([true, true, true]);
    expect(limiter.take('203.0.113.7')).toEqual({ allowed: false, retryAfterSeconds: 10 });
    now = 9_000;
    expect(limiter.take('203.0.113.7')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now = 10_000;
    expect(limiter.take('203.0.113.7')).toEqual({ allowed: true });
  });

  it('counts each address on its own', () => {
    const limiter = new IpRateLimiter({ perMinute: 1, burst: 1 }, () => 0);
    expect(limiter.take('203.0.113.7').allowed).toBe(true);
    expect(limiter.take('203.0.113.7').allowed).toBe(false);
    expect(limiter.take('198.51.100.9').allowed).toBe(true);
  });

  it('a script hammering the form gets at most the burst plus the sustained rate', () => {
    let now = 0;
    const limiter = new IpRateLimiter({ perMinute: 30, burst: 10 }, () => now);
    let allowed = 0;
    for (let i = 0; i < 6_000; i++) {
      now = i * 10; // 100 requests a second for a minute
      if (limiter.take('192.0.2.1').allowed) allowed++;
    }
    expect(allowed).toBeLessThanOrEqual(10 + 30);
    expect(allowed).toBeGreaterThanOrEqual(10 + 29);
  });
});
