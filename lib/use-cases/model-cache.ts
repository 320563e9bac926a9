import { type ScoringModel, type ScoringSettings, unfittedModel } from '../domain/scoring-model';
import type { Clock } from '../ports/clock';
import type { ModelRepository } from '../ports/model-repository';

/** Where scoring gets the current model from. */
export interface ModelSource {
  /**
   * The current model. `atLeast`: a version the caller has seen stored on a profile; a cached
   * model older than that is reloaded, so a container never scores with an older model than the
   * one a profile already carries (and never writes older scores over newer ones).
   */
  current(atLeast?: number): Promise<ScoringModel>;
}

export const FIVE_MINUTES = 5 * 60_000;

/**
 * The current model, read from the Models table at most once per `ttlMs` per container (one
 * GetItem per container per 5 minutes, not one per record). Before the first refit it is the
 * unfitted model with the deployed settings.
 */
export class ModelCache implements ModelSource {
  private cached: { model: ScoringModel; loadedAt: number } | undefined;
  private loading: Promise<ScoringModel> | undefined;

  constructor(
    private readonly models: Pick<ModelRepository, 'current'>,
    private readonly clock: Clock,
    private readonly settings: ScoringSettings,
    private readonly ttlMs = FIVE_MINUTES,
  ) {}

  async current(atLeast = 0): Promise<ScoringModel> {
    const now = this.clock.now().getTime();
    const cached = this.cached;
    if (cached && now - cached.loadedAt < this.ttlMs && cached.model.version >= atLeast) return cached.model;
    this.loading ??= this.load(now).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(now: number): Promise<ScoringModel> {
    const model = (await this.models.current()) ?? unfittedModel(this.settings);
    this.cached = { model, loadedAt: now };
    return model;
  }
}

/** A fixed model (tests, and recomputing metrics where no model store is wired). */
export const fixedModel = (model: ScoringModel): ModelSource => ({ current: async () => model });
