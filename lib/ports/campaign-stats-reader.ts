import type { CountersRow } from '../domain/measurement/report';

/** What a report reads of a campaign's counters (the rows the Deliveries and Orders streams keep). */
export interface CountersQuery {
  /** The all-time rows (`all#treated`, `all#holdout`). */
  allTime: boolean;
  /** The day rows from `from` to `to` (inclusive `YYYY-MM-DD`). */
  days?: { from: string; to: string };
  /** The all-time rows of the deliveries claimed with this campaign version (`version#N#…`). */
  version?: number;
}

/**
 * The read side of campaign measurement: a handful of pre-aggregated rows per report, whatever the
 * number of customers. A row that does not exist yet is simply absent (the report counts it as zeros).
 */
export interface CampaignStatsReader {
  /** The counters rows of one campaign. */
  rows(campaignId: string, query: CountersQuery): Promise<CountersRow[]>;
  /** The all-time rows of several campaigns at once (the campaigns list), by campaign id. */
  allTime(campaignIds: readonly string[]): Promise<Map<string, CountersRow[]>>;
}
