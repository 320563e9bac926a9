import type { ScoringModel } from '../../lib/domain/scoring-model';
import type { SegmentSummary } from '../../lib/domain/segment-summary';
import { type ModelRepository, ModelVersionTakenError } from '../../lib/ports/model-repository';

/** The ModelRepository contract in memory: every version kept, the last saved one current. */
export class InMemoryModelRepository implements ModelRepository {
  readonly versions = new Map<number, ScoringModel>();
  readonly summaries: SegmentSummary[] = [];
  private currentVersion: number | undefined;
  reads = 0;

  async current(): Promise<ScoringModel | undefined> {
    this.reads++;
    const model = this.currentVersion === undefined ? undefined : this.versions.get(this.currentVersion);
    return model && structuredClone(model);
  }

  async save(model: ScoringModel): Promise<void> {
    if (this.versions.has(model.version)) {
      throw new ModelVersionTakenError(`model version ${model.version} is already stored`);
    }
    this.versions.set(model.version, structuredClone(model));
    this.currentVersion = model.version;
  }

  async latestSummary(): Promise<SegmentSummary | undefined> {
    const last = this.summaries[this.summaries.length - 1];
    return last && structuredClone(last);
  }

  async saveSummary(summary: SegmentSummary): Promise<void> {
    this.summaries.push(structuredClone(summary));
  }
}
