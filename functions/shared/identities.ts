import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { secretsManagerClient } from '../../lib/adapters/aws/clients';
import type { IdentityTable } from '../../lib/adapters/dynamodb/dynamo-customer-repository';
import { SecretIdentityKeys } from '../../lib/adapters/secrets/secret-identity-keys';
import { ENV, type Env } from '../../lib/config/env-names';
import { readEnv } from '../../lib/config/read-env';

/**
 * The Identities table of a function that finds customers by address or marks addresses
 * suppressed: its name and the keyed pseudonyms (keys from the named secret, cached per container).
 */
export function identityTable(env: Env): IdentityTable {
  const config = readEnv(env, [ENV.identitiesTable, ENV.identityKeySecret]);
  return {
    table: config[ENV.identitiesTable],
    keys: new SecretIdentityKeys(
      new SecretsProvider({ awsSdkV3Client: secretsManagerClient(env) }),
      config[ENV.identityKeySecret],
      { legacyLookup: env[ENV.identityLegacyLookup] !== 'false' },
    ),
  };
}
