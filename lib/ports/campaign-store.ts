import type { Campaign, CampaignStatus } from '../domain/campaigns/campaign';
import type { VersionedCampaign } from '../domain/campaigns/campaign-versions';

/** Who made a change and when: an admin caller, or `config` for the first version seeded from it. */
export interface ChangeMeta {
  at: string;
  by: string;
}

/** One immutable version of a campaign. */
export interface CampaignVersionRecord extends ChangeMeta {
  version: number;
  campaign: Campaign;
}

/** A campaign's head (the current version and its status) with every version, oldest first. */
export interface CampaignHistory {
  current: VersionedCampaign & { updatedAt: string; updatedBy: string };
  versions: CampaignVersionRecord[];
}

export type SaveResult =
  | { status: 'saved'; version: number }
  /** Someone saved first (create: the id exists; update: the current version is not the expected one). */
  | { status: 'conflict'; currentVersion: number }
  | { status: 'missing' };

/**
 * Campaigns as data: per campaign an immutable version item per change and a head item (current
 * version, status, a copy of the current definition). Writes are conditional, so two editors never
 * lose an edit: the second gets `conflict` and the version it should have started from.
 */
export interface CampaignStore {
  /** Every campaign's head with its current definition (one read, whatever the number of versions). */
  list(): Promise<VersionedCampaign[]>;
  history(id: string): Promise<CampaignHistory | undefined>;
  /** Version 1 and the head, only if the id has no head yet (seeding from config uses this too). */
  create(campaign: Campaign, meta: ChangeMeta): Promise<SaveResult>;
  /** Version expectedVersion + 1, only if the head is still at expectedVersion. Status kept. */
  update(campaign: Campaign, expectedVersion: number, meta: ChangeMeta): Promise<SaveResult>;
  /** Sets the head's status, only if it is still `from` (no version: the definition is unchanged). */
  setStatus(id: string, from: CampaignStatus, to: CampaignStatus, meta: ChangeMeta): Promise<SaveResult>;
}
