import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LinkClaims, LinkSigner } from '../../ports/link-signer';

// Token = base64url(JSON {p, c, ch, e, d?}) "." base64url(HMAC-SHA256(key, payload)). The payload
// holds ids only (no address; `d` the message's ledger key); a changed byte or an expired token
// verifies as nothing.

const PURPOSES = new Set(['unsubscribe', 'confirm']);
const CHANNELS = new Set(['email', 'sms']);
const MAX_DELIVERY_KEY = 200;

export class HmacLinkSigner implements LinkSigner {
  constructor(private readonly key: string) {
    if (key.length < 16) throw new Error('the link signing key must be at least 16 characters');
  }

  sign(claims: LinkClaims, expiresAt: Date): string {
    const payload = Buffer.from(
      JSON.stringify({
        p: claims.purpose,
        c: claims.customerId,
        ch: claims.channel,
        e: Math.floor(expiresAt.getTime() / 1000),
        ...(claims.deliveryKey !== undefined && { d: claims.deliveryKey }),
      }),
    ).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  verify(token: string, now: Date): LinkClaims | undefined {
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined) return undefined;
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    const { p, c, ch, e, d } = (body ?? {}) as Record<string, unknown>;
    if (typeof p !== 'string' || !PURPOSES.has(p) || typeof c !== 'string' || typeof ch !== 'string')
      return undefined;
    if (!CHANNELS.has(ch) || typeof e !== 'number' || e * 1000 <= now.getTime()) return undefined;
    if (d !== undefined && (typeof d !== 'string' || d.length === 0 || d.length > MAX_DELIVERY_KEY))
      return undefined;
    return {
      purpose: p as LinkClaims['purpose'],
      customerId: c,
      channel: ch as LinkClaims['channel'],
      ...(d !== undefined && { deliveryKey: d }),
    };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
