import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HmacLinkSigner } from '../../../lib/adapters/crypto/hmac-link-signer';
import {
  LINK_KEYS_MAX_AGE_SECONDS,
  LinkKeysError,
  parseLinkSigningKeys,
  SecretLinkSigner,
} from '../../../lib/adapters/secrets/secret-link-signer';

// The link signer reads its keys from Secrets Manager through Powertools Parameters (the real
// SecretsProvider over a mocked SDK client): one read per container until the cache is stale.

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:LinkSigningKey-AbCdEf';
const OLD = 'an-old-key-of-at-least-32-characters';
const NEW = 'a-new-key-of-at-least-32-characters!';
const claims = { purpose: 'unsubscribe', customerId: 'c-1', channel: 'email' } as const;
const NOW = new Date('2026-05-17T09:00:00Z');
const IN_A_DAY = new Date('2026-05-18T09:00:00Z');

const secretsManager = mockClient(SecretsManagerClient);
const signerWith = () =>
  new SecretLinkSigner(
    new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({ region: 'eu-west-1' }) }),
    SECRET,
  );

beforeEach(() => {
  secretsManager.reset();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => vi.useRealTimers());

describe('SecretLinkSigner', () => {
  it('reads the secret once for many invocations while the cache is fresh, then again', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: OLD });
    const links = signerWith();
    for (let invocation = 0; invocation < 5; invocation++) await links.refresh();
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    vi.setSystemTime(NOW.getTime() + (LINK_KEYS_MAX_AGE_SECONDS + 1) * 1000);
    await links.refresh();
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('signs with the key in the secret: the same key verifies the token, another does not', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: OLD });
    const links = signerWith();
    await links.refresh();
    const token = links.sign(claims, IN_A_DAY);
    expect(new HmacLinkSigner(OLD).verify(token, NOW)).toEqual(claims);
    expect(new HmacLinkSigner(NEW).verify(token, NOW)).toBeUndefined();
  });

  it('after a rotation ([new, old]) signs with the new key and still accepts links signed with the old', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: OLD })
      .resolves({
        SecretString: JSON.stringify([NEW, OLD]),
      });
    const links = signerWith();
    await links.refresh();
    const sentBefore = links.sign(claims, IN_A_DAY);
    vi.setSystemTime(NOW.getTime() + (LINK_KEYS_MAX_AGE_SECONDS + 1) * 1000);
    await links.refresh();
    const later = new Date(NOW.getTime() + (LINK_KEYS_MAX_AGE_SECONDS + 1) * 1000);
    expect(links.verify(sentBefore, later)).toEqual(claims);
    const sentAfter = links.sign(claims, IN_A_DAY);
    expect(new HmacLinkSigner(NEW).verify(sentAfter, later)).toEqual(claims);
    expect(new HmacLinkSigner(OLD).verify(sentAfter, later)).toBeUndefined();
  });

  it('fails before use when the keys were never loaded, and on an unusable secret without echoing it', async () => {
    const links = signerWith();
    expect(() => links.sign(claims, IN_A_DAY)).toThrow(/not loaded/);
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'short-secret' });
    const error = await links.refresh().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LinkKeysError);
    expect(String(error)).not.toContain('short-secret');
  });

  it('lets a Secrets Manager failure fail the invocation (a retry can fix it)', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(new Error('ThrottlingException'));
    await expect(signerWith().refresh()).rejects.toThrow();
  });
});

describe('parseLinkSigningKeys', () => {
  it.each([
    ['one key', OLD, [OLD]],
    ['one key with a trailing newline', `${OLD}\n`, [OLD]],
    ['newest first', JSON.stringify([NEW, OLD]), [NEW, OLD]],
  ])('%s', (_, value, keys) => expect(parseLinkSigningKeys(value)).toEqual(keys));

  it.each([['[not json'], ['[]'], ['[1, 2]']])('rejects %s', (value) =>
    expect(() => parseLinkSigningKeys(value)).toThrow(LinkKeysError),
  );
});
