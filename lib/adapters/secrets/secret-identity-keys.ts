import type { IdentityKind } from '../../ports/customer-repository';
import type { IdentityKeys } from '../../ports/identity-keys';
import { HmacIdentityKeys, IdentityKeysError } from '../crypto/hmac-identity-keys';
import {
  LINK_KEYS_MAX_AGE_SECONDS,
  LinkKeysError,
  parseLinkSigningKeys,
  type SecretValues,
} from './secret-link-signer';

// The pseudonym keys live in their own Secrets Manager secret (deployed: created by the data stack
// or named in config `identityKeySecret`; locally: the runtime's emulation, kept in
// .precis/secrets.json), read through Powertools Parameters like the link-signing key: cached per
// container for 15 minutes, so a rotation reaches every container within that time. One key, or a
// JSON array of keys, newest first.

export class SecretIdentityKeys implements IdentityKeys {
  private current: HmacIdentityKeys | undefined;
  private currentValue: string | undefined;

  constructor(
    private readonly secrets: SecretValues,
    private readonly secretId: string,
    private readonly options: { legacyLookup: boolean },
    private readonly maxAgeSeconds = LINK_KEYS_MAX_AGE_SECONDS,
  ) {}

  async keysOf(kind: IdentityKind, value: string): Promise<string[]> {
    return (await this.loaded()).candidates(kind, value);
  }

  async counterKey(name: 'mailbox' | 'phone-code', value: string): Promise<string> {
    return (await this.loaded()).counterKey(name, value);
  }

  private async loaded(): Promise<HmacIdentityKeys> {
    const value = await this.secrets.get(this.secretId, { maxAge: this.maxAgeSeconds });
    if (typeof value !== 'string' || value.trim() === '')
      throw new IdentityKeysError('the identity key secret has no string value');
    if (value !== this.currentValue || !this.current) {
      try {
        this.current = new HmacIdentityKeys(parseLinkSigningKeys(value), this.options);
      } catch (error) {
        // Never the value itself: only what is wrong with it.
        if (error instanceof LinkKeysError || error instanceof IdentityKeysError)
          throw new IdentityKeysError(`the identity key secret is unusable: ${error.message}`);
        throw error;
      }
      this.currentValue = value;
    }
    return this.current;
  }
}
