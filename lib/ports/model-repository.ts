import type { ScoringModel } from '../domain/scoring-model';
import type { SegmentSummary } from '../domain/segment-summary';

/**
 * The Models table: every fitted scoring model version, the current one, and the segment summary
 * the last refit computed (what GET /segments shows, so no request ever scans the customers).
 */
export interface ModelRepository {
  /** The current scoring model; undefined before the first refit. */
  current(): Promise<ScoringModel | undefined>;
  /**
   * Stores `model` as its version and makes it current. Throws ModelVersionTakenError when that
   * version is already stored (another refit got there first).
   */
  save(model: ScoringModel): Promise<void>;
  /** The latest segment summary; undefined before the first refit. */
  latestSummary(): Promise<SegmentSummary | undefined>;
  saveSummary(summary: SegmentSummary): Promise<void>;
}

export class ModelVersionTakenError extends Error {
  override readonly name = 'ModelVersionTakenError';
  readonly code = 'model_version_taken';
}
