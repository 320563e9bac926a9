import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LinkClaims, LinkSigner } from '../../ports/link-signer';

// Token = base64url(JSON {p, c, ch, e}) "." base64url(HMAC-SHA256(key, payload)). The payload holds
// ids only (no address); a changed byte or an expired token verifies as nothing.

const PURPOSES = new Set(['unsubscribe', 'confirm']);
const CHANNELS = new Set(['email', 'sms']);

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
    const { p, c, ch, e } = (body ?? {}) as Record<string, unknown>;
    if (typeof p !== 'string' || !PURPOSES.has(p) || typeof c !== 'string' || typeof ch !== 'string')
      return undefined;
    if (!CHANNELS.has(ch) || typeof e !== 'number' || e * 1000 <= now.getTime()) return undefined;
    return { purpose: p as LinkClaims['purpose'], customerId: c, channel: ch as LinkClaims['channel'] };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
