import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { ENV } from '../../lib/config/env-names';
import { grantLinkSigningKey, linkSigningSecretId } from './campaigns-messaging';

/** The Identities table and the secret of its pseudonym keys: every function that uses one uses both. */
export interface IdentityStore {
  identities: ITable;
  identityKey: ISecret;
  /** Whether look-ups still try the plain hashes of earlier versions (config `identityLegacyLookup`). */
  identityLegacyLookup: boolean;
}

/**
 * What a function needs to find customers by address or to mark addresses: the named actions on
 * the Identities table, GetSecretValue on the pseudonym key's secret (its value is never in the
 * template or the environment), and both names in its environment.
 */
export function grantIdentities(store: IdentityStore, fn: LambdaFunction, ...actions: string[]): void {
  store.identities.grant(fn, ...actions);
  grantLinkSigningKey(store.identityKey, fn);
  fn.addEnvironment(ENV.identitiesTable, store.identities.tableName);
  fn.addEnvironment(ENV.identityKeySecret, linkSigningSecretId(store.identityKey));
  fn.addEnvironment(ENV.identityLegacyLookup, String(store.identityLegacyLookup));
}
