import type { LinkClaims, LinkSigner } from '../../ports/link-signer';
import { HmacLinkSigner } from '../crypto/hmac-link-signer';

// The keys of signed links live in a Secrets Manager secret (deployed: created by the data stack
// or named in config; locally: the runtime's emulation). Functions get only the secret's ARN and
// read its value through Powertools Parameters, which caches it in the container: the first
// invocation of a container reads it, later ones use the cache until it is `maxAgeSeconds` old.
//
// The value is one key, or a JSON array of keys, newest first (rotation: put the new key in front
// of the old one; links signed with the old key keep verifying until it is removed).

/** How long a container trusts the keys it read; a rotation reaches every container within it. */
export const LINK_KEYS_MAX_AGE_SECONDS = 15 * 60;

/** What this adapter needs of Powertools' SecretsProvider (a fake in tests). */
export interface SecretValues {
  get(name: string, options?: { maxAge?: number }): Promise<unknown>;
}

export class LinkKeysError extends Error {
  override readonly name = 'LinkKeysError';
  readonly code = 'link_keys_invalid';
}

/** The keys in a secret value: one key, or a JSON array of keys (newest first). Never echoes the value. */
export function parseLinkSigningKeys(value: string): string[] {
  const trimmed = value.trim();
  if (!trimmed.startsWith('[')) return [trimmed];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new LinkKeysError('the link signing secret starts with [ but is not a JSON array');
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((key) => typeof key === 'string'))
    throw new LinkKeysError('the link signing secret must be one key or a non-empty JSON array of keys');
  return parsed.map((key: string) => key.trim());
}

/** A LinkSigner whose keys come from a secret; `refresh()` before each invocation. */
export class SecretLinkSigner implements LinkSigner {
  private current: HmacLinkSigner | undefined;
  private currentValue: string | undefined;

  constructor(
    private readonly secrets: SecretValues,
    private readonly secretId: string,
    private readonly maxAgeSeconds = LINK_KEYS_MAX_AGE_SECONDS,
  ) {}

  /** Reads the keys: from the provider's cache while it is fresh, from Secrets Manager otherwise. */
  async refresh(): Promise<void> {
    const value = await this.secrets.get(this.secretId, { maxAge: this.maxAgeSeconds });
    if (typeof value !== 'string' || value.trim() === '')
      throw new LinkKeysError('the link signing secret has no string value');
    if (value === this.currentValue) return;
    try {
      this.current = new HmacLinkSigner(parseLinkSigningKeys(value));
    } catch (error) {
      if (error instanceof LinkKeysError) throw error;
      throw new LinkKeysError('the link signing secret holds an unusable key (each needs ≥ 16 characters)');
    }
    this.currentValue = value;
  }

  sign(claims: LinkClaims, expiresAt: Date): string {
    return this.loaded().sign(claims, expiresAt);
  }

  verify(token: string, now: Date): LinkClaims | undefined {
    return this.loaded().verify(token, now);
  }

  digest(value: string): string {
    return this.loaded().digest(value);
  }

  matchesDigest(value: string, expected: string): boolean {
    return this.loaded().matchesDigest(value, expected);
  }

  private loaded(): HmacLinkSigner {
    if (!this.current) throw new Error('link signing keys not loaded: refresh() before use');
    return this.current;
  }
}
