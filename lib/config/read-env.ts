import type { Env, EnvName } from './env-names';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config_missing';
}

/**
 * Reads the named variables at cold start and fails fast naming every missing one, so a
 * misconfigured function never runs with `undefined` in place of a table name.
 */
export function readEnv<const K extends EnvName>(env: Env, required: readonly K[]): Record<K, string> {
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0) throw new ConfigError(`missing environment variables: ${missing.join(', ')}`);
  return Object.fromEntries(required.map((name) => [name, env[name] as string])) as Record<K, string>;
}
