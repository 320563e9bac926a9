import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/config/env-names';
import { functionId, grants, synthStacks } from './support';

// The key of signed links (unsubscribe, confirmation) is a Secrets Manager secret: created with a
// generated value and retained, or named in config. Only the functions that sign or verify links
// may read it, they get its ARN (never the value), and nothing else of it.

const LINK_FUNCTIONS = ['functions/message-sender/handler.ts', 'functions/consent-api/handler.ts'];

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, string> }
>;

const resourcesOf = (template: Template): Resources => template.toJSON().Resources as Resources;

/** Every function of every template: entry → its environment variables. */
const environments = (templates: Template[]): Map<string, Record<string, unknown>> => {
  const found = new Map<string, Record<string, unknown>>();
  for (const template of templates)
    for (const resource of Object.values(resourcesOf(template))) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const entry = resource.Metadata?.['precis:entry'];
      const env = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      if (entry) found.set(entry, env ?? {});
    }
  return found;
};

/** The role prefix `grants()` matches for the function whose handler is `entry`. */
const rolePrefixOf = (template: Template, entry: string): string => {
  const role = resourcesOf(template)[functionId(template, entry)]?.Properties?.Role as
    | { 'Fn::GetAtt': string[] }
    | undefined;
  const logicalId = role?.['Fn::GetAtt'][0];
  if (!logicalId) throw new Error(`no role for ${entry}`);
  return logicalId.replace(/[0-9A-F]{8}$/, '');
};

/** Entries of the functions whose role may do anything on Secrets Manager. */
const secretReaders = (templates: Template[]): string[] =>
  templates.flatMap((template) =>
    [...environments([template]).keys()].filter((entry) =>
      grants(template, rolePrefixOf(template, entry)).some((g) =>
        g.actions.some((a) => a.startsWith('secretsmanager:')),
      ),
    ),
  );

describe('the link-signing key, created by the app', () => {
  let data: Template;
  let api: Template;
  let messaging: Template;
  beforeAll(() => {
    ({ data, api, messaging } = synthStacks());
  });

  it('is one Secrets Manager secret with a generated value, kept when the stack is deleted', () => {
    const secrets = Object.values(resourcesOf(data)).filter((r) => r.Type === 'AWS::SecretsManager::Secret');
    expect(secrets).toHaveLength(1);
    expect(secrets[0]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true } },
    });
    expect(secrets[0]?.Properties?.SecretString).toBeUndefined();
  });

  it('may be read by the sender and the consent pages only, with GetSecretValue on that secret alone', () => {
    expect(secretReaders([data, api, messaging]).sort()).toEqual([...LINK_FUNCTIONS].sort());
    for (const [template, entry] of [
      [messaging, LINK_FUNCTIONS[0]],
      [api, LINK_FUNCTIONS[1]],
    ] as const) {
      const onSecrets = grants(template, rolePrefixOf(template, entry as string)).filter((g) =>
        g.actions.some((a) => a.startsWith('secretsmanager:')),
      );
      expect(onSecrets).toHaveLength(1);
      expect(onSecrets[0]?.actions).toEqual(['secretsmanager:GetSecretValue']);
      expect(onSecrets[0]?.resources).toMatch(/PrecisData:ExportsOutputRefLinkSigningKey[0-9A-F]{8}/);
    }
  });

  it('reaches those functions as the secret ARN; no environment variable of any function holds a key', () => {
    const envs = environments([data, api, messaging]);
    for (const entry of LINK_FUNCTIONS)
      expect(JSON.stringify(envs.get(entry)?.[ENV.linkSigningSecret])).toMatch(
        /Fn::ImportValue.*ExportsOutputRefLinkSigningKey/,
      );
    for (const [entry, env] of envs) {
      expect(Object.keys(env), entry).not.toContain('LINK_SIGNING_KEY');
      if (!LINK_FUNCTIONS.includes(entry))
        expect(Object.keys(env), entry).not.toContain(ENV.linkSigningSecret);
    }
  });
});

describe('the link-signing key named in config', () => {
  it('is not created; the link functions get its name and GetSecretValue on that secret (any version suffix)', () => {
    const { data, api, messaging } = synthStacks({ linkSigningSecret: 'precis/link-signing-key' });
    expect(Object.values(resourcesOf(data)).filter((r) => r.Type === 'AWS::SecretsManager::Secret')).toEqual(
      [],
    );
    const envs = environments([api, messaging]);
    for (const entry of LINK_FUNCTIONS)
      expect(envs.get(entry)?.[ENV.linkSigningSecret]).toBe('precis/link-signing-key');
    expect(secretReaders([data, api, messaging]).sort()).toEqual([...LINK_FUNCTIONS].sort());
    const onSecrets = grants(api, rolePrefixOf(api, 'functions/consent-api/handler.ts')).filter((g) =>
      g.actions.includes('secretsmanager:GetSecretValue'),
    );
    expect(onSecrets[0]?.resources).toContain(':secret:precis/link-signing-key-??????');
  });
});
