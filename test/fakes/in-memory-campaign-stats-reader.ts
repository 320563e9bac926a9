import type { CampaignCounters, MeasurementGroup } from '../../lib/domain/measurement/campaign-stats';
import { CampaignCountersSchema } from '../../lib/domain/measurement/campaign-stats';
import type { CountersRow } from '../../lib/domain/measurement/report';
import type { CampaignStatsReader, CountersQuery } from '../../lib/ports/campaign-stats-reader';

/** Counters rows in memory, read the way the Dynamo reader reads them (all# rows, a day range). */
export class InMemoryCampaignStatsReader implements CampaignStatsReader {
  readonly stored = new Map<string, CountersRow[]>();
  reads = 0;

  put(
    campaignId: string,
    period: string,
    group: MeasurementGroup,
    counters: Partial<CampaignCounters>,
  ): this {
    const rows = this.stored.get(campaignId) ?? [];
    rows.push({ period, group, counters: CampaignCountersSchema.parse(counters) });
    this.stored.set(campaignId, rows);
    return this;
  }

  async rows(campaignId: string, query: CountersQuery): Promise<CountersRow[]> {
    this.reads++;
    return (this.stored.get(campaignId) ?? []).filter((row) => {
      if (row.period === 'all') return query.allTime;
      if (row.period.startsWith('version#')) return row.period === `version#${query.version}`;
      const day = row.period.slice('day#'.length);
      return query.days !== undefined && day >= query.days.from && day <= query.days.to;
    });
  }

  async allTime(campaignIds: readonly string[]): Promise<Map<string, CountersRow[]>> {
    this.reads++;
    return new Map(
      campaignIds.map((id) => [id, (this.stored.get(id) ?? []).filter((row) => row.period === 'all')]),
    );
  }
}
