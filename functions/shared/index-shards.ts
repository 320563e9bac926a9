import { ENV, type Env } from '../../lib/config/env-names';
import { ConfigError, readEnv } from '../../lib/config/read-env';
import { MAX_INDEX_SHARDS } from '../../lib/domain/occasion-keys';

/** The day-keyed indexes' write shards (INDEX_SHARDS, set from the config's `indexShards`). */
export function indexShardsOf(env: Env): number {
  const value = Number(readEnv(env, [ENV.indexShards])[ENV.indexShards]);
  if (!Number.isInteger(value) || value < 1 || value > MAX_INDEX_SHARDS) {
    throw new ConfigError(`${ENV.indexShards} must be a whole number from 1 to ${MAX_INDEX_SHARDS}`);
  }
  return value;
}
