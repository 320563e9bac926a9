import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './template';

// Secrets Manager, locally: GetSecretValue for any secret the functions name (by ARN or name).
// A secret nobody set gets a generated value on first read, kept in the data folder (so links
// signed before a restart still verify) or, in memory, for this run only. Values are never logged.

export interface SecretsResult {
  status: number;
  body: unknown;
}

/** `arn:aws:secretsmanager:…:secret:Name` (or `Name-AbCdEf` in AWS) → `Name`; a plain name as is. */
export const secretNameOf = (secretId: string): string => {
  const marker = ':secret:';
  const at = secretId.indexOf(marker);
  return at === -1 ? secretId : secretId.slice(at + marker.length);
};

export class LocalSecrets {
  private readonly values = new Map<string, string>();

  /** `file`: where generated values persist (JSON name → value); `preset`: values by secret name. */
  constructor(
    private readonly file?: string,
    preset: Record<string, string> = {},
  ) {
    if (file && existsSync(file)) {
      const stored: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (stored && typeof stored === 'object')
        for (const [name, value] of Object.entries(stored))
          if (typeof value === 'string') this.values.set(name, value);
    }
    for (const [name, value] of Object.entries(preset)) this.values.set(name, value);
  }

  value(secretId: string): string {
    const name = secretNameOf(secretId);
    let value = this.values.get(name);
    if (value === undefined) {
      value = randomBytes(48).toString('base64url');
      this.values.set(name, value);
      if (this.file)
        writeFileSync(this.file, JSON.stringify(Object.fromEntries(this.values), null, 2), { mode: 0o600 });
    }
    return value;
  }

  /** The Secrets Manager JSON API (`X-Amz-Target: secretsmanager.*`): GetSecretValue only. */
  handle(target: string, body: unknown): SecretsResult {
    if (target !== 'secretsmanager.GetSecretValue')
      return {
        status: 400,
        body: { __type: 'UnknownOperationException', message: `${target} is not emulated locally` },
      };
    const secretId = (body as { SecretId?: unknown } | null)?.SecretId;
    if (typeof secretId !== 'string' || secretId === '')
      return { status: 400, body: { __type: 'InvalidParameterException', message: 'SecretId is required' } };
    const name = secretNameOf(secretId);
    return {
      status: 200,
      body: {
        ARN: `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${name}`,
        Name: name,
        SecretString: this.value(secretId),
        VersionId: 'local',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 0,
      },
    };
  }
}
