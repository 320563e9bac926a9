import type { Campaign } from '../domain/campaigns/campaign';
import type { VersionedCampaign } from '../domain/campaigns/campaign-versions';
import type { CampaignStore } from '../ports/campaign-store';
import type { Clock } from '../ports/clock';

/** How long a function keeps the campaigns it read: a saved change is used within this bound. */
export const CAMPAIGN_CACHE_MS = 60_000;

/** Who seeded a version 1 from the config file. */
export const SEEDED_BY = 'config';

/**
 * The campaigns every function uses (planner, triggers, sender, attribution, reports, the manage
 * page), read from the campaign store and kept for at most CAMPAIGN_CACHE_MS, so a change made
 * through the admin API takes effect at the next planner pass, trigger or send without a restart or
 * deploy. The config file's campaigns are the seed: one the store has no head for is saved as its
 * version 1 (a conditional create: whichever function reads first seeds it, the others find it),
 * and a campaign the store has is never overwritten from config, so deploying again keeps every edit.
 *
 * Order: the config file's campaigns in its order (the order the planner gives them the frequency
 * cap in, as before), then the others by id.
 */
export class CampaignCatalog {
  private cached: { at: number; campaigns: readonly VersionedCampaign[] } | undefined;
  private reading: Promise<readonly VersionedCampaign[]> | undefined;

  constructor(
    private readonly store: CampaignStore,
    private readonly seed: readonly Campaign[],
    private readonly clock: Clock,
    private readonly maxAgeMs = CAMPAIGN_CACHE_MS,
  ) {}

  /** The current campaigns, read at most maxAgeMs ago (a clock moved back reads again). */
  async campaigns(): Promise<readonly VersionedCampaign[]> {
    const now = this.clock.now().getTime();
    const cached = this.cached;
    if (cached && now >= cached.at && now - cached.at < this.maxAgeMs) return cached.campaigns;
    this.reading ??= this.read(now).finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(now: number): Promise<readonly VersionedCampaign[]> {
    let stored = await this.store.list();
    const have = new Set(stored.map((c) => c.id));
    const missing = this.seed.filter((c) => !have.has(c.id));
    if (missing.length > 0) {
      const at = new Date(now).toISOString();
      for (const campaign of missing) await this.store.create(campaign, { at, by: SEEDED_BY });
      stored = await this.store.list();
    }
    const order = new Map(this.seed.map((c, i) => [c.id, i]));
    const rank = (c: VersionedCampaign) => order.get(c.id) ?? this.seed.length;
    const campaigns = [...stored].sort(
      (a, b) => rank(a) - rank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    this.cached = { at: now, campaigns };
    return campaigns;
  }
}
