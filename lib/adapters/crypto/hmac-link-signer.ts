import { createHmac, timingSafeEqual } from 'node:crypto';
import { SCORE_MAX, SCORE_MIN } from '../../domain/satisfaction';
import type { LinkClaims, LinkSigner } from '../../ports/link-signer';

// Token = base64url(JSON {p, c, ch, e, d?, o?, s?}) "." base64url(HMAC-SHA256(key, payload)). The
// payload holds ids only (no address; `d` the message's ledger key; `o` and `s` a survey link's order
// and score, on survey tokens only); a changed byte or an expired token verifies as nothing.

const PURPOSES = new Set(['unsubscribe', 'confirm', 'manage', 'verify-phone', 'survey']);
const CHANNELS = new Set(['email', 'sms']);
const MAX_DELIVERY_KEY = 200;
const MAX_ORDER_ID = 100;

// Key rotation: `keys` is a list, newest first — tokens are signed with the first and verified
// with any, so a new key can be added in front while the links already sent keep working.
export class HmacLinkSigner implements LinkSigner {
  private readonly keys: readonly string[];

  constructor(keys: string | readonly string[]) {
    this.keys = typeof keys === 'string' ? [keys] : keys;
    if (this.keys.length === 0) throw new Error('at least one link signing key is needed');
    if (this.keys.some((key) => key.length < 16))
      throw new Error('a link signing key must be at least 16 characters');
  }

  sign(claims: LinkClaims, expiresAt: Date): string {
    const payload = Buffer.from(
      JSON.stringify({
        p: claims.purpose,
        c: claims.customerId,
        ch: claims.channel,
        e: Math.floor(expiresAt.getTime() / 1000),
        ...(claims.deliveryKey !== undefined && { d: claims.deliveryKey }),
        ...(claims.orderId !== undefined && { o: claims.orderId }),
        ...(claims.score !== undefined && { s: claims.score }),
      }),
    ).toString('base64url');
    return `${payload}.${this.mac(this.keys[0] as string, payload)}`;
  }

  verify(token: string, now: Date): LinkClaims | undefined {
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined) return undefined;
    const given = Buffer.from(mac);
    const signedByOne = this.keys.some((key) => {
      const expected = Buffer.from(this.mac(key, payload));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (!signedByOne) return undefined;
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    const { p, c, ch, e, d, o, s } = (body ?? {}) as Record<string, unknown>;
    if (typeof p !== 'string' || !PURPOSES.has(p) || typeof c !== 'string' || typeof ch !== 'string')
      return undefined;
    if (!CHANNELS.has(ch) || typeof e !== 'number' || e * 1000 <= now.getTime()) return undefined;
    if (d !== undefined && (typeof d !== 'string' || d.length === 0 || d.length > MAX_DELIVERY_KEY))
      return undefined;
    if (!surveyPartsValid(p, o, s)) return undefined;
    return {
      purpose: p as LinkClaims['purpose'],
      customerId: c,
      channel: ch as LinkClaims['channel'],
      ...(d !== undefined && { deliveryKey: d }),
      ...(o !== undefined && { orderId: o as string }),
      ...(s !== undefined && { score: s as number }),
    };
  }

  digest(value: string): string {
    return this.mac(this.keys[0] as string, `digest:${value}`);
  }

  matchesDigest(value: string, expected: string): boolean {
    const given = Buffer.from(expected);
    // Every key is tried (no early exit), so the time says nothing about which one matched.
    let matched = false;
    for (const key of this.keys) {
      const mine = Buffer.from(this.mac(key, `digest:${value}`));
      if (mine.length === given.length && timingSafeEqual(mine, given)) matched = true;
    }
    return matched;
  }

  private mac(key: string, payload: string): string {
    return createHmac('sha256', key).update(payload).digest('base64url');
  }
}

/** A survey token's order and score are well formed; no other token carries them. */
function surveyPartsValid(purpose: string, orderId: unknown, score: unknown): boolean {
  if (purpose !== 'survey') return orderId === undefined && score === undefined;
  const orderOk =
    orderId === undefined ||
    (typeof orderId === 'string' && orderId.length > 0 && orderId.length <= MAX_ORDER_ID);
  const scoreOk =
    score === undefined ||
    (Number.isInteger(score) && (score as number) >= SCORE_MIN && (score as number) <= SCORE_MAX);
  return orderOk && scoreOk;
}
