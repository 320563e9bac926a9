import type { Campaign } from '../domain/campaigns/campaign';
import { statsKeys } from '../domain/measurement/campaign-stats';
import {
  buildCampaignReport,
  type CampaignHeadline,
  type CampaignReport,
  campaignHeadline,
  type ReportPeriodKind,
  type ReportSettings,
  resolvePeriod,
} from '../domain/measurement/report';
import { localDate } from '../domain/zoned-time';
import type { CampaignStatsReader } from '../ports/campaign-stats-reader';
import type { Clock } from '../ports/clock';
import type { ModelRepository } from '../ports/model-repository';

export interface CampaignReportDeps {
  stats: CampaignStatsReader;
  models: Pick<ModelRepository, 'latestSummary'>;
  clock: Clock;
  /** The catalog's campaigns (with their current version; fixtures may leave it out). */
  campaigns: readonly (Campaign & { version?: number })[];
  settings: ReportSettings;
  currency: string;
  /** The operator's zone: day rows are keyed by the local date of each delivery's plannedAt. */
  timeZone: string;
}

export class UnknownCampaignError extends Error {
  override readonly name = 'UnknownCampaignError';
  readonly code = 'unknown_campaign';
}

/** Today in the operator's zone (the default date of a day or week report). */
export const localToday = (deps: Pick<CampaignReportDeps, 'clock' | 'timeZone'>): string =>
  localDate(deps.clock.now(), deps.timeZone) as string;

/**
 * The report of one configured campaign over all time, one ISO week or one day (`date`, default
 * today, picks the week or day): at most two Queries on the campaign's counters partition and one
 * read of the segment summary, whatever the number of customers.
 */
export async function campaignReport(
  deps: CampaignReportDeps,
  campaignId: string,
  kind: ReportPeriodKind,
  date?: string,
  version?: number,
): Promise<CampaignReport & { version?: number }> {
  const campaign = deps.campaigns.find((c) => c.id === campaignId);
  if (!campaign) throw new UnknownCampaignError(`no campaign "${campaignId}"`);
  const period = resolvePeriod(kind, date ?? localToday(deps), deps.settings);
  if (version !== undefined) return versionReport(deps, campaign, period, version);
  const [rows, summary] = await Promise.all([
    deps.stats.rows(campaign.id, {
      allTime: kind === 'all',
      days: { from: period.seriesFrom, to: period.seriesTo },
    }),
    deps.models.latestSummary(),
  ]);
  return buildCampaignReport({
    campaign,
    currency: deps.currency,
    period,
    rows,
    overallTop20RevenueShare: summary?.top20RevenueShare ?? null,
    settings: deps.settings,
  });
}

/**
 * The all-time report of the deliveries claimed with one campaign version (their `version#N` rows,
 * read as the report's all-time rows; no day series). One Query, like the all-time rows.
 */
async function versionReport(
  deps: CampaignReportDeps,
  campaign: Campaign,
  period: ReturnType<typeof resolvePeriod>,
  version: number,
): Promise<CampaignReport & { version: number }> {
  const [rows, summary] = await Promise.all([
    deps.stats.rows(campaign.id, { allTime: false, version }),
    deps.models.latestSummary(),
  ]);
  const report = buildCampaignReport({
    campaign,
    currency: deps.currency,
    period,
    rows: rows.map((row) => ({ ...row, period: statsKeys.allPeriod })),
    overallTop20RevenueShare: summary?.top20RevenueShare ?? null,
    settings: deps.settings,
  });
  return { ...report, version };
}

/** Every configured campaign with its all-time headline: one BatchGet for all of them. */
export async function campaignHeadlines(deps: CampaignReportDeps): Promise<CampaignHeadline[]> {
  const allTime = await deps.stats.allTime(deps.campaigns.map((c) => c.id));
  const today = localToday(deps);
  // The list shows no chart: the all-time rows alone, over a one-day (empty) series.
  const settings = { ...deps.settings, seriesDays: 1 };
  return deps.campaigns.map((campaign) =>
    campaignHeadline(
      buildCampaignReport({
        campaign,
        currency: deps.currency,
        period: resolvePeriod('all', today, settings),
        rows: allTime.get(campaign.id) ?? [],
        overallTop20RevenueShare: null,
        settings,
      }),
      campaign,
    ),
  );
}
