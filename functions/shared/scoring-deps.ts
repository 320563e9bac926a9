import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoModelRepository } from '../../lib/adapters/dynamodb/dynamo-model-repository';
import { ENV, type Env } from '../../lib/config/env-names';
import { ConfigError, readEnv } from '../../lib/config/read-env';
import { type RuleSegment, RuleSegmentsSchema } from '../../lib/domain/rule-segments';
import { type ScoringSettings, ScoringSettingsSchema } from '../../lib/domain/scoring-model';
import { systemClock } from '../../lib/ports/clock';
import { ModelCache } from '../../lib/use-cases/model-cache';
import type * as z from '../../lib/zod';
import { indexShardsOf } from './shards';

/** What every function that scores profiles is built from: the model store and the operator's config. */
export function scoringDeps(
  env: Env,
  db: DynamoDBDocumentClient,
): {
  models: ModelCache;
  modelRepository: DynamoModelRepository;
  rules: RuleSegment[];
  settings: ScoringSettings;
  indexShards: number;
} {
  const config = readEnv(env, [ENV.modelsTable, ENV.ruleSegments, ENV.scoringConfig]);
  const rules = parseConfig(ENV.ruleSegments, RuleSegmentsSchema, config[ENV.ruleSegments]);
  const settings = parseConfig(ENV.scoringConfig, ScoringSettingsSchema, config[ENV.scoringConfig]);
  const modelRepository = new DynamoModelRepository(db, config[ENV.modelsTable]);
  return {
    models: new ModelCache(modelRepository, systemClock, settings),
    modelRepository,
    rules,
    settings,
    indexShards: indexShardsOf(env),
  };
}

/** Parses a JSON config variable; a bad one fails the cold start naming the variable and the path. */
export function parseConfig<T>(name: string, schema: z.ZodMiniType<T>, json: string): T {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new ConfigError(`${name} is not valid JSON`, { cause: err });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new ConfigError(`${name} is invalid: ${problems.join('; ')}`);
  }
  return parsed.data;
}
