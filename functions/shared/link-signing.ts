import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { Context } from 'aws-lambda';
import { secretsManagerClient } from '../../lib/adapters/aws/clients';
import { SecretLinkSigner } from '../../lib/adapters/secrets/secret-link-signer';
import type { Env } from '../../lib/config/env-names';

/** The link signer of a function that signs or verifies links: keys from the named secret. */
export const linkSignerFor = (env: Env, secretId: string): SecretLinkSigner =>
  new SecretLinkSigner(new SecretsProvider({ awsSdkV3Client: secretsManagerClient(env) }), secretId);

/** Loads the keys (cached per container) before the handler runs, so the use case signs synchronously. */
export const withLinkKeys =
  <E, R>(links: SecretLinkSigner, handler: (event: E, context: Context) => Promise<R>) =>
  async (event: E, context: Context): Promise<R> => {
    await links.refresh();
    return handler(event, context);
  };
