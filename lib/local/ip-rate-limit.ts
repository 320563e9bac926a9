// Per-IP rate limiting of the local HTTP server's public routes (the signup form, the consent and
// verification pages): what the WAF rate-based rule or the stage throttling does in AWS. A token
// bucket per client address: `burst` requests at once, refilled at `perMinute`; over it, 429 with
// Retry-After. The clock is injected (tests), and the table of addresses is bounded.

export interface IpRateLimit {
  /** Sustained requests per minute per client address. */
  perMinute: number;
  /** Requests a client may make at once before the sustained rate applies. */
  burst: number;
}

/** The local default: generous for a person, far too little for a script posting the form. */
export const DEFAULT_PUBLIC_RATE_LIMIT: IpRateLimit = { perMinute: 60, burst: 30 };

/** Addresses remembered at most; the fullest buckets (idle longest) are forgotten first. */
const MAX_CLIENTS = 10_000;

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class IpRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: IpRateLimit,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limit.perMinute > 0) || !(limit.burst >= 1))
      throw new Error('rate limit: perMinute > 0 and burst ≥ 1');
  }

  /** Takes one request from `client`'s bucket, or says how long until one is available. */
  take(client: string): RateDecision {
    const now = this.now();
    const perMs = this.limit.perMinute / 60_000;
    const bucket = this.buckets.get(client);
    const tokens = bucket
      ? Math.min(this.limit.burst, bucket.tokens + (now - bucket.at) * perMs)
      : this.limit.burst;
    if (tokens < 1) {
      this.buckets.set(client, { tokens, at: now });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
    }
    // Re-insert so the map's order is least recently seen first.
    this.buckets.delete(client);
    this.buckets.set(client, { tokens: tokens - 1, at: now });
    if (this.buckets.size > MAX_CLIENTS) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    return { allowed: true };
  }
}
