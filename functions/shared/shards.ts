import { ENV, type Env, type EnvName } from '../../lib/config/env-names';
import { ConfigError, readEnv } from '../../lib/config/read-env';
import { MAX_COUNTER_SHARDS } from '../../lib/domain/measurement/campaign-stats';
import { MAX_INDEX_SHARDS } from '../../lib/domain/occasion-keys';

/** The day-keyed indexes' write shards (INDEX_SHARDS, set from the config's `indexShards`). */
export const indexShardsOf = (env: Env): number => shardsOf(env, ENV.indexShards, MAX_INDEX_SHARDS);

/** The campaign counters rows' write shards (COUNTER_SHARDS, from the config's `counterShards`). */
export const counterShardsOf = (env: Env): number => shardsOf(env, ENV.counterShards, MAX_COUNTER_SHARDS);

function shardsOf(env: Env, name: EnvName, max: number): number {
  const value = Number(readEnv(env, [name])[name]);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`${name} must be a whole number from 1 to ${max}`);
  }
  return value;
}
