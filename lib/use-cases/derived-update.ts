import type { Customer } from '../domain/customer';
import { type DerivedKeys, derivedKeys } from '../domain/occasion-keys';
import type { RuleSegment } from '../domain/rule-segments';
import { type Scores, sameValue, scoreProfile } from '../domain/scoring';
import type { ScoringModel } from '../domain/scoring-model';
import type { DerivedUpdate } from '../ports/customer-repository';

/** What scoring needs besides the profile: the model, the operator's rule segments, the day. */
export interface ScoringRun {
  model: ScoringModel;
  rules: readonly RuleSegment[];
  now: Date;
  /** Which derived index keys the caller maintains. */
  keyNames: readonly (keyof DerivedKeys)[];
  /** The day-keyed indexes' write shards (`indexShards` in the config; 1 = unsharded). */
  indexShards?: number;
}

/** The UTC calendar day of an instant: the granularity scores are computed at. */
export const utcDay = (now: Date): string => now.toISOString().slice(0, 10);

/**
 * Scores a profile and returns what must be written for it to be current: `scores` only when the
 * ltv or segments differ from the stored ones, `keys` only for index keys whose value changes
 * (undefined = remove), so an unchanged profile costs no write and an index no write either.
 */
export function derivedUpdate(
  customer: Customer,
  run: ScoringRun,
): { scores: Scores; update: DerivedUpdate; changed: boolean } {
  const scores = scoreProfile(customer, run.model, utcDay(run.now), run.rules);
  // The model version alone is no reason to write: a refit that leaves a profile's values as they
  // were costs nothing (the stored modelVersion is then the version that last changed them).
  const segmentsChanged = !sameValue(customer.segments, scores.segments);
  const scoresChanged =
    !sameValue(customer.ltv && { ...customer.ltv, modelVersion: 0 }, { ...scores.ltv, modelVersion: 0 }) ||
    segmentsChanged;
  const wanted = derivedKeys({ ...customer, ltv: scores.ltv }, run.now, run.indexShards);
  const keys = Object.fromEntries(
    run.keyNames.filter((name) => customer[name] !== wanted[name]).map((name) => [name, wanted[name]]),
  ) as Partial<DerivedKeys>;
  const update: DerivedUpdate = {
    ...(scoresChanged && { scores }),
    ...(segmentsChanged && { segmentsChanged }),
    ...(scoresChanged && !segmentsChanged && { segmentsRead: customer.segments ?? null }),
    ...(Object.keys(keys).length > 0 && { keys }),
  };
  return { scores, update, changed: scoresChanged || update.keys !== undefined };
}
