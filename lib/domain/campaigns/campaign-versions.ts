import type { Campaign, CampaignStatus } from './campaign';

// Campaigns as data (README "Campaigns as data"): every change to a campaign's definition is a new
// immutable version (1, 2, …); the head says which version is current and the campaign's status
// (active | paused | archived). Status is not part of a version: pausing a campaign and resuming
// it sends the same definition. A ledger row records the version it was claimed with.

/** A campaign as the functions use it: the current definition, its version and the head's status. */
export type VersionedCampaign = Campaign & { version: number };
/** A campaign a use case is given: from the catalog (versioned) or built in a test (no version). */
export type CatalogCampaign = Campaign & { version?: number };

/** What a version holds: the definition, without the status (that is the head's). */
export type CampaignDefinition = Omit<Campaign, 'status'>;

/** The definition alone: not the status, nor what a stored head carries (version, who, when). */
export const definitionOf = (campaign: Campaign): CampaignDefinition => {
  const {
    status: _s,
    version: _v,
    updatedAt: _a,
    updatedBy: _b,
    ...definition
  } = campaign as Campaign & {
    version?: number;
    updatedAt?: string;
    updatedBy?: string;
  };
  return definition;
};

/** The same JSON whatever the key order (objects' keys sorted), so "changed" means the definition. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** True when two campaigns' definitions differ (status aside). Both must be parsed (defaults applied). */
export const definitionChanged = (a: Campaign, b: Campaign): boolean =>
  canonicalJson(definitionOf(a)) !== canonicalJson(definitionOf(b));

export const STATUS_ACTIONS = ['pause', 'resume', 'archive'] as const;
export type StatusAction = (typeof STATUS_ACTIONS)[number];

/**
 * The status an action leads to, or why it is refused. Pausing a paused campaign (or resuming an
 * active one) changes nothing and is not an error; archiving is for good: an archived campaign is
 * neither paused nor resumed again (its ledger and reports stay).
 */
export function nextStatus(
  current: CampaignStatus,
  action: StatusAction,
): { status: CampaignStatus } | { refused: string } {
  if (current === 'archived') {
    return action === 'archive' ? { status: 'archived' } : { refused: 'the campaign is archived' };
  }
  if (action === 'archive') return { status: 'archived' };
  return { status: action === 'pause' ? 'paused' : 'active' };
}

/** What `apply` does with one campaign of a file. */
export type ApplyStep =
  | { id: string; action: 'create' }
  | { id: string; action: 'update'; expectedVersion: number }
  | { id: string; action: 'unchanged'; version: number };

/**
 * `precis campaigns apply FILE`: a new campaign is created, a changed one gets a new version, an
 * unchanged one is left alone (so applying the same file twice does nothing). Campaigns in the store
 * but not in the file are left alone too (a file is not a deletion list). The file's status is not
 * applied to existing campaigns: status changes are the pause/resume/archive actions.
 */
export function planApply(current: readonly VersionedCampaign[], wanted: readonly Campaign[]): ApplyStep[] {
  const byId = new Map(current.map((c) => [c.id, c]));
  return wanted.map((campaign): ApplyStep => {
    const existing = byId.get(campaign.id);
    if (!existing) return { id: campaign.id, action: 'create' };
    return definitionChanged(existing, campaign)
      ? { id: campaign.id, action: 'update', expectedVersion: existing.version }
      : { id: campaign.id, action: 'unchanged', version: existing.version };
  });
}
