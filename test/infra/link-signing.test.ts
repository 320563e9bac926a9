import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/config/env-names';
import { functionId, grants, synthStacks } from './support';

// The key of signed links (unsubscribe, confirmation) is a Secrets Manager secret: created with a
// generated value and retained, or named in config. Only the functions that sign or verify links
// may read it, they get its ARN (never the value), and nothing else of it.

const LINK_FUNCTIONS = [
  'functions/message-sender/handler.ts',
  'functions/consent-api/handler.ts',
  // Signs the token of the phone verification page a signup that asked for texts is given.
  'functions/signup-api/handler.ts',
  // Verifies the post-purchase survey's score links.
  'functions/survey-page/handler.ts',
];

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

/** Entries of the functions whose role may do anything on Secrets Manager to a secret matching `secret`. */
const secretReaders = (templates: Template[], secret: RegExp): string[] =>
  templates.flatMap((template) =>
    [...environments([template]).keys()].filter((entry) =>
      grants(template, rolePrefixOf(template, entry)).some(
        (g) => g.actions.some((a) => a.startsWith('secretsmanager:')) && secret.test(g.resources),
      ),
    ),
  );
const LINK_KEY = /LinkSigningKey|link-signing-key/;
const IDENTITY_KEY = /IdentityKey|identity-key/;
/** The secrets a data stack creates, by logical id prefix. */
const secretsNamed = (data: Template, prefix: string) =>
  Object.entries(resourcesOf(data))
    .filter(([id, r]) => r.Type === 'AWS::SecretsManager::Secret' && id.startsWith(prefix))
    .map(([, r]) => r);

describe('the link-signing key, created by the app', () => {
  let data: Template;
  let api: Template;
  let messaging: Template;
  beforeAll(() => {
    ({ data, api, messaging } = synthStacks());
  });

  it('is one Secrets Manager secret with a generated value, kept when the stack is deleted', () => {
    const secrets = secretsNamed(data, 'LinkSigningKey');
    expect(secrets).toHaveLength(1);
    expect(secrets[0]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true } },
    });
    expect(secrets[0]?.Properties?.SecretString).toBeUndefined();
  });

  it('may be read by the sender, the consent and survey pages and the signup only, with GetSecretValue on that secret alone', () => {
    expect(secretReaders([data, api, messaging], LINK_KEY).sort()).toEqual([...LINK_FUNCTIONS].sort());
    for (const [template, entry] of [
      [messaging, LINK_FUNCTIONS[0]],
      [api, LINK_FUNCTIONS[1]],
      [api, LINK_FUNCTIONS[3]],
    ] as const) {
      const onSecrets = grants(template, rolePrefixOf(template, entry as string)).filter(
        (g) => g.actions.some((a) => a.startsWith('secretsmanager:')) && LINK_KEY.test(g.resources),
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
    expect(secretsNamed(data, 'LinkSigningKey')).toEqual([]);
    const envs = environments([api, messaging]);
    for (const entry of LINK_FUNCTIONS)
      expect(envs.get(entry)?.[ENV.linkSigningSecret]).toBe('precis/link-signing-key');
    expect(secretReaders([data, api, messaging], LINK_KEY).sort()).toEqual([...LINK_FUNCTIONS].sort());
    const onSecrets = grants(api, rolePrefixOf(api, 'functions/consent-api/handler.ts')).filter(
      (g) => g.actions.includes('secretsmanager:GetSecretValue') && LINK_KEY.test(g.resources),
    );
    expect(onSecrets[0]?.resources).toContain(':secret:precis/link-signing-key-??????');
  });
});

// The pseudonym key of the Identities table (issue 10 item 7): its own secret, read by exactly the
// functions that use the table, which get its ARN (never the value) next to the table's name.
const IDENTITY_FUNCTIONS = [
  'functions/signup-api/handler.ts',
  'functions/orders-api/handler.ts',
  'functions/surveys-api/handler.ts',
  'functions/customers-api/handler.ts',
  'functions/order-events/handler.ts',
  'functions/message-sender/handler.ts',
  'functions/ses-feedback/handler.ts',
  // The confirmation-email counter per mailbox, keyed by the mailbox's pseudonym.
  'functions/campaign-triggers/handler.ts',
  // The manage pages' "email me a link" form finds the customer by address.
  'functions/consent-api/handler.ts',
];

describe('the identity (pseudonym) key', () => {
  it('is a generated, retained secret; exactly the functions with the Identities table read it', () => {
    const { data, api, messaging } = synthStacks();
    expect(secretsNamed(data, 'IdentityKey')).toEqual([
      expect.objectContaining({
        DeletionPolicy: 'Retain',
        Properties: expect.objectContaining({
          GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
        }),
      }),
    ]);
    const envs = environments([api, messaging]);
    const withTable = [...envs].filter(([, env]) => ENV.identitiesTable in env).map(([entry]) => entry);
    expect(withTable.sort()).toEqual([...IDENTITY_FUNCTIONS].sort());
    expect(secretReaders([data, api, messaging], IDENTITY_KEY).sort()).toEqual(
      [...IDENTITY_FUNCTIONS].sort(),
    );
    for (const entry of IDENTITY_FUNCTIONS) {
      expect(JSON.stringify(envs.get(entry)?.[ENV.identityKeySecret])).toMatch(
        /Fn::ImportValue.*ExportsOutputRefIdentityKey/,
      );
      expect(envs.get(entry)?.[ENV.identityLegacyLookup]).toBe('true');
    }
    const onKey = grants(api, rolePrefixOf(api, 'functions/signup-api/handler.ts')).filter((g) =>
      IDENTITY_KEY.test(g.resources),
    );
    expect(onKey.map((g) => g.actions)).toEqual([['secretsmanager:GetSecretValue']]);
  });

  it('named in config is not created; legacy look-up can be turned off', () => {
    const { data, api } = synthStacks({
      identityKeySecret: 'precis/identity-key',
      identityLegacyLookup: 'false',
    });
    expect(secretsNamed(data, 'IdentityKey')).toEqual([]);
    const signup = environments([api]).get('functions/signup-api/handler.ts');
    expect(signup?.[ENV.identityKeySecret]).toBe('precis/identity-key');
    expect(signup?.[ENV.identityLegacyLookup]).toBe('false');
  });
});
