import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { segmentsView } from '../../lib/domain/segments-view';
import type { ModelRepository } from '../../lib/ports/model-repository';
import { HttpError, type HttpHandler, type HttpResult, httpHandler, json } from '../shared/http';

/**
 * The admin route over segments and the scoring model (IAM-authenticated; `POST /model/refit` is the
 * refit function's own, see functions/model-refit):
 * - `GET /segments`: each segment's size and revenue share, the 80/20 point, and the model they were
 *   scored with — the summary the last refit stored, so the request reads two items, never the
 *   customers. 404 `no_summary` before the first refit.
 */
export interface SegmentsDeps {
  models: Pick<ModelRepository, 'current' | 'latestSummary'>;
}

export async function handleSegments(event: APIGatewayProxyEventV2, deps: SegmentsDeps): Promise<HttpResult> {
  switch (event.routeKey) {
    case 'GET /segments': {
      const [summary, model] = await Promise.all([deps.models.latestSummary(), deps.models.current()]);
      if (!summary) {
        return json(404, {
          error: 'no_summary',
          message: 'no segment summary yet: the model has not been fitted (POST /model/refit runs it now)',
        });
      }
      return json(200, segmentsView(summary, model));
    }
    default:
      throw new HttpError(404, 'not_found', `no route ${event.routeKey}`);
  }
}

export const segmentsHandler = (deps: SegmentsDeps, logger: Logger): HttpHandler =>
  httpHandler(logger, (event) => handleSegments(event, deps));
