import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isIsoDate, REPORT_PERIODS } from '../../lib/domain/measurement/report';
import { parseOrThrow } from '../../lib/domain/validation';
import {
  type CampaignReportDeps,
  campaignHeadlines,
  campaignReport,
  UnknownCampaignError,
} from '../../lib/use-cases/campaign-report';
import * as z from '../../lib/zod';
import { HttpError, type HttpHandler, type HttpResult, httpHandler, json } from '../shared/http';

/**
 * The campaign measurement routes (admin: IAM when deployed, the admin key locally):
 * - `GET /campaigns`: every configured campaign with its all-time headline (audience per group,
 *   conversion rates, uplift with its 95% interval and verdict), one BatchGet for all of them.
 * - `GET /campaigns/{id}/report?version=N`: all time, for the deliveries claimed with campaign version N.
 * - `GET /campaigns/{id}/report?period=all|week|day&date=YYYY-MM-DD`: the full report (see
 *   lib/domain/measurement/report.ts); `date` picks the day or the ISO week (default today in the
 *   operator's zone). Unknown campaign → 404 `unknown_campaign`; a bad period or date → 400 naming it.
 */
const ReportQuerySchema = z
  .strictObject({
    period: z._default(z.enum(REPORT_PERIODS, { error: 'must be all, week or day' }), 'all'),
    date: z.optional(z.string().check(z.refine(isIsoDate, { error: 'must be a date YYYY-MM-DD' }))),
    /** The deliveries claimed with one campaign version (all time). */
    version: z.optional(
      z.string().check(z.regex(/^[1-9]\d{0,5}$/, { error: 'must be a campaign version (1, 2, …)' })),
    ),
  })
  .check(
    z.refine((q) => q.version === undefined || q.period === 'all', {
      error: 'a version report is all-time: leave period out (or all)',
      path: ['period'],
    }),
  );

export async function handleCampaignReports(
  event: APIGatewayProxyEventV2,
  deps: CampaignReportDeps,
  logger: Logger,
): Promise<HttpResult> {
  switch (event.routeKey) {
    case 'GET /campaigns':
      return json(200, { currency: deps.currency, campaigns: await campaignHeadlines(deps) });
    case 'GET /campaigns/{id}/report': {
      const { period, date, version } = parseOrThrow(ReportQuerySchema, event.queryStringParameters ?? {});
      const id = event.pathParameters?.id ?? '';
      try {
        const report = await campaignReport(
          deps,
          id,
          period,
          date,
          version === undefined ? undefined : Number(version),
        );
        logger.info('campaign report', {
          campaignId: id,
          period: report.period.label,
          verdict: report.verdict,
        });
        return json(200, report);
      } catch (err) {
        if (err instanceof UnknownCampaignError) throw new HttpError(404, err.code, err.message);
        throw err;
      }
    }
    default:
      throw new HttpError(404, 'not_found', `no route ${event.routeKey}`);
  }
}

export const campaignReportsHandler = (deps: CampaignReportDeps, logger: Logger): HttpHandler =>
  httpHandler(logger, (event) => handleCampaignReports(event, deps, logger));
