import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  HmacIdentityKeys,
  IdentityKeysError,
  legacyIdentityKey,
} from '../../../lib/adapters/crypto/hmac-identity-keys';
import { SecretIdentityKeys } from '../../../lib/adapters/secrets/secret-identity-keys';

// Keyed pseudonyms of addresses (issue 10 item 7): HMAC-SHA-256 under a secret key, rotated like the
// link-signing key (newest first; look-ups try all, writes use the first).

const OLD = 'an-old-identity-key-0123456789';
const NEW = 'a-new-identity-key-9876543210';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:IdentityKey-AbCdEf';

describe('HmacIdentityKeys', () => {
  it('derives a different pseudonym per key, none of them the plain hash, the same one every time', () => {
    const one = new HmacIdentityKeys([NEW]).writeKey('email', 'ana@example.com');
    expect(one).toMatch(/^email#k:[0-9a-f]{64}$/);
    expect(new HmacIdentityKeys([NEW]).writeKey('email', 'ana@example.com')).toBe(one);
    expect(new HmacIdentityKeys([OLD]).writeKey('email', 'ana@example.com')).not.toBe(one);
    expect(one).not.toBe(legacyIdentityKey('email', 'ana@example.com'));
    // The kind is part of what is keyed: an email and a phone never share a pseudonym.
    expect(new HmacIdentityKeys([NEW]).writeKey('phone', 'ana@example.com').slice(8)).not.toBe(one.slice(8));
  });

  it('lists every key newest first, then the legacy plain hash unless turned off', async () => {
    const keys = new HmacIdentityKeys([NEW, OLD]);
    expect(await keys.keysOf('phone', '+447911123456')).toEqual([
      new HmacIdentityKeys([NEW]).writeKey('phone', '+447911123456'),
      new HmacIdentityKeys([OLD]).writeKey('phone', '+447911123456'),
      legacyIdentityKey('phone', '+447911123456'),
    ]);
    expect(
      await new HmacIdentityKeys([NEW], { legacyLookup: false }).keysOf('phone', '+447911123456'),
    ).toEqual([new HmacIdentityKeys([NEW]).writeKey('phone', '+447911123456')]);
  });

  it('refuses no keys or a short key', () => {
    expect(() => new HmacIdentityKeys([])).toThrow(IdentityKeysError);
    expect(() => new HmacIdentityKeys(['short'])).toThrow(IdentityKeysError);
  });
});

describe('SecretIdentityKeys', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  const keysWith = () =>
    new SecretIdentityKeys(
      new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({ region: 'eu-west-1' }) }),
      SECRET,
      { legacyLookup: false },
    );
  beforeEach(() => secretsManager.reset());

  it('reads the keys from the secret once per container, a JSON array newest first', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({
      SecretString: JSON.stringify([NEW, OLD]),
    });
    const keys = keysWith();
    expect(await keys.keysOf('email', 'ana@example.com')).toEqual(
      await new HmacIdentityKeys([NEW, OLD], { legacyLookup: false }).keysOf('email', 'ana@example.com'),
    );
    await keys.keysOf('email', 'bo@example.com');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('fails naming what is wrong, never echoing the value', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'tiny-secret' });
    const failure = await keysWith()
      .keysOf('email', 'ana@example.com')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(IdentityKeysError);
    expect(String((failure as Error).message)).not.toContain('tiny-secret');
  });
});
