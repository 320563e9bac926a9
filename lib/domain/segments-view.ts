import { purchaseModelOf, type ScoringModel } from './scoring-model';
import type { SegmentSummary } from './segment-summary';

/**
 * `GET /segments` as the admin API answers it (and the dashboard and CLI read it): the summary the last
 * refit stored, its day as `asOf`, and the model it was scored with (absent before any stored model).
 */
export function segmentsView(summary: SegmentSummary, model: ScoringModel | undefined) {
  const { asOfDay, ...rest } = summary;
  return {
    asOf: asOfDay,
    ...rest,
    model: model
      ? {
          version: model.version,
          fittedAt: model.fittedAt,
          customers: model.customers,
          repeatCustomers: model.repeatCustomers,
          triples: model.triples,
          bgnbd: model.bgnbd,
          purchaseModel: purchaseModelOf(model),
          modelChoice: model.modelChoice,
          gammaGamma: model.gammaGamma,
          ltvFromVersion: model.ltvFromVersion,
          notes: model.notes,
        }
      : undefined,
  };
}
export type SegmentsView = ReturnType<typeof segmentsView>;
