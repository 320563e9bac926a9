import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalSecrets, secretNameOf } from '../../../lib/local/secrets';

// The local runtime's Secrets Manager: the link-signing key without an AWS account.

const ARN = 'arn:aws:secretsmanager:local:000000000000:secret:LinkSigningKey';
const get = (secrets: LocalSecrets, secretId: string) =>
  secrets.handle('secretsmanager.GetSecretValue', { SecretId: secretId });

describe('LocalSecrets', () => {
  it('answers the ARN and the name of a secret with the same generated value, stable for the run', () => {
    const secrets = new LocalSecrets();
    const byArn = get(secrets, ARN);
    expect(byArn.status).toBe(200);
    const value = (byArn.body as { SecretString: string }).SecretString;
    expect(value.length).toBeGreaterThanOrEqual(32);
    expect((get(secrets, 'LinkSigningKey').body as { SecretString: string }).SecretString).toBe(value);
    expect((get(new LocalSecrets(), ARN).body as { SecretString: string }).SecretString).not.toBe(value);
  });

  it('keeps generated values in the data folder (owner-only), so links signed before a restart still verify', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'precis-secrets-')), 'secrets.json');
    const first = new LocalSecrets(file).value(ARN);
    expect(new LocalSecrets(file).value(ARN)).toBe(first);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ LinkSigningKey: first });
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('uses a value set by the caller (tests) over a stored one', () => {
    expect(new LocalSecrets(undefined, { LinkSigningKey: 'preset-key-of-enough-length' }).value(ARN)).toBe(
      'preset-key-of-enough-length',
    );
  });

  it('answers other operations and a missing SecretId as AWS errors', () => {
    expect(new LocalSecrets().handle('secretsmanager.PutSecretValue', {}).status).toBe(400);
    expect(get(new LocalSecrets(), '').status).toBe(400);
  });

  it.each([
    [ARN, 'LinkSigningKey'],
    ['arn:aws:secretsmanager:eu-west-1:1:secret:precis/key-AbCdEf', 'precis/key-AbCdEf'],
    ['precis/key', 'precis/key'],
  ])('names %s %s', (id, name) => expect(secretNameOf(id)).toBe(name));
});
