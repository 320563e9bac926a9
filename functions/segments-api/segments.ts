import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { membersCsv } from '../../lib/domain/segment-member-view';
import { InvalidCursorError, parseSegmentRef } from '../../lib/domain/segment-members';
import { segmentsView } from '../../lib/domain/segments-view';
import { parseOrThrow, ValidationError } from '../../lib/domain/validation';
import type { ModelRepository } from '../../lib/ports/model-repository';
import {
  countSegmentMembers,
  listSegmentMembers,
  type SegmentMembersDeps,
} from '../../lib/use-cases/segment-members';
import * as z from '../../lib/zod';
import { HttpError, type HttpHandler, type HttpResult, httpHandler, json } from '../shared/http';

/**
 * The admin routes over segments and the scoring model (IAM-authenticated; `POST /model/refit` is the
 * refit function's own, see functions/model-refit):
 * - `GET /segments`: each segment's size and revenue share, the 80/20 point, and the model they were
 *   scored with — the summary the last refit stored, so the request reads two items, never the
 *   customers. 404 `no_summary` before the first refit.
 * - `GET /segments/{segment}/members?limit=&cursor=`: one page of a segment's members (`kind:name`,
 *   URL-encoded: `rfm:Champions`, `valueTier:vip`, `lifecycle:at_risk`, `matrix:one-to-one`,
 *   `rule:<id>`, `consent:email`), read from the segment membership index, then their profiles.
 * - `GET /segments/{segment}/count`: how many members (the index's keys only).
 * - `GET /segments/{segment}/export?limit=&cursor=`: the same members as CSV, a page per request
 *   (the header line on the first), the next page's cursor in `x-next-cursor`.
 * An unknown segment, limit or cursor is a 400 naming the field.
 */
export interface SegmentsDeps extends SegmentMembersDeps {
  models: Pick<ModelRepository, 'current' | 'latestSummary'>;
  /** The operator's rule segment ids: the names `rule:<id>` may take. */
  ruleIds: readonly string[];
}

export const MEMBERS_PAGE = { default: 50, max: 1000 } as const;
export const EXPORT_PAGE = { default: 1000, max: 5000 } as const;

const pageQuery = (page: { default: number; max: number }) =>
  z.strictObject({
    limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(page.max)), page.default),
    cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(500))),
  });
const MembersQuerySchema = pageQuery(MEMBERS_PAGE);
const ExportQuerySchema = pageQuery(EXPORT_PAGE);

function segmentOf(event: APIGatewayProxyEventV2, ruleIds: readonly string[]): string {
  const parsed = parseSegmentRef(event.pathParameters?.segment ?? '', ruleIds);
  if (!parsed.ok) throw new ValidationError([{ path: 'segment', message: parsed.message }]);
  return parsed.segment.key;
}

/** A cursor the index did not issue is the caller's mistake: 400 on `cursor`. */
async function paged<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof InvalidCursorError) {
      throw new ValidationError([{ path: 'cursor', message: 'is not a cursor this segment gave out' }]);
    }
    throw err;
  }
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
    case 'GET /segments/{segment}/members': {
      const segment = segmentOf(event, deps.ruleIds);
      const query = parseOrThrow(MembersQuerySchema, event.queryStringParameters ?? {});
      return json(200, await paged(() => listSegmentMembers(deps, segment, query)));
    }
    case 'GET /segments/{segment}/count': {
      const segment = segmentOf(event, deps.ruleIds);
      parseOrThrow(z.strictObject({}), event.queryStringParameters ?? {});
      return json(200, await countSegmentMembers(deps, segment));
    }
    case 'GET /segments/{segment}/export': {
      const segment = segmentOf(event, deps.ruleIds);
      const query = parseOrThrow(ExportQuerySchema, event.queryStringParameters ?? {});
      const page = await paged(() => listSegmentMembers(deps, segment, query));
      return {
        statusCode: 200,
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="${segment.replace(/[^\w-]+/g, '-')}.csv"`,
          ...(page.cursor !== undefined && { 'x-next-cursor': page.cursor }),
        },
        body: membersCsv(page.members, { header: query.cursor === undefined }),
      };
    }
    default:
      throw new HttpError(404, 'not_found', `no route ${event.routeKey}`);
  }
}

export const segmentsHandler = (deps: SegmentsDeps, logger: Logger): HttpHandler =>
  httpHandler(logger, (event) => handleSegments(event, deps));
