import type { Logger } from '@aws-lambda-powertools/logger';
import { parseOrThrow } from '../../lib/domain/validation';
import type { Clock } from '../../lib/ports/clock';
import type { EventPublisher } from '../../lib/ports/event-publisher';
import type { ModelRepository } from '../../lib/ports/model-repository';
import * as z from '../../lib/zod';
import { HttpError, type HttpHandler, httpHandler, json, parseJson, readBody } from '../shared/http';

/** The optional body: `{"reindexMembers": true}` also rebuilds the segment membership index. */
const RefitRequestSchema = z.strictObject({ reindexMembers: z.optional(z.boolean()) });

export interface RefitRequestDeps {
  models: Pick<ModelRepository, 'current'>;
  events: EventPublisher;
  clock: Clock;
}

/**
 * `POST /model/refit` (admin, IAM): asks for a refit now. A refit takes minutes, longer than an HTTP
 * answer may, so the request puts `ModelRefitRequested` on the app's bus, whose rule invokes this same
 * function in the background as the nightly schedule does; 202 with the version in use until then.
 */
export function refitRequestsHandler(deps: RefitRequestDeps, logger: Logger): HttpHandler {
  return httpHandler(logger, async (event) => {
    if (event.routeKey !== 'POST /model/refit')
      throw new HttpError(404, 'not_found', `no route ${event.routeKey}`);
    const request = event.body
      ? parseOrThrow(RefitRequestSchema, parseJson(readBody(event, ['json']).text))
      : {};
    const reindexMembers = request.reindexMembers === true;
    const requestedAt = deps.clock.now().toISOString();
    const current = await deps.models.current();
    await deps.events.publish([
      {
        type: 'ModelRefitRequested',
        detail: { version: 1, requestedAt, ...(reindexMembers && { reindexMembers }) },
      },
    ]);
    logger.info('model refit requested', { currentVersion: current?.version ?? 0, reindexMembers });
    return json(202, { status: 'requested', requestedAt, currentVersion: current?.version ?? 0 });
  });
}
