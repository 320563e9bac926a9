import type { Campaign, CampaignStatus } from '../../lib/domain/campaigns/campaign';
import { CampaignSchema } from '../../lib/domain/campaigns/campaign';
import { definitionOf, type VersionedCampaign } from '../../lib/domain/campaigns/campaign-versions';
import type {
  CampaignHistory,
  CampaignStore,
  CampaignVersionRecord,
  ChangeMeta,
  SaveResult,
} from '../../lib/ports/campaign-store';

interface Head {
  version: number;
  status: CampaignStatus;
  definition: string;
  updatedAt: string;
  updatedBy: string;
}

/** The CampaignStore in memory; the contract test (integration/contracts) keeps it honest. */
export class InMemoryCampaignStore implements CampaignStore {
  private readonly heads = new Map<string, Head>();
  private readonly versions = new Map<string, { version: number; definition: string } & ChangeMeta>();
  /** Every write attempted (saved or not), for tests that count them. */
  writes = 0;

  async list(): Promise<VersionedCampaign[]> {
    return [...this.heads.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, head]) => this.headOf(head));
  }

  async history(id: string): Promise<CampaignHistory | undefined> {
    const head = this.heads.get(id);
    if (!head) return undefined;
    const versions: CampaignVersionRecord[] = [];
    for (let v = 1; v <= head.version; v++) {
      const stored = this.versions.get(`${id}#${v}`);
      if (stored) {
        versions.push({
          version: v,
          campaign: parse(stored.definition, head.status),
          at: stored.at,
          by: stored.by,
        });
      }
    }
    return { current: this.headOf(head), versions };
  }

  async create(campaign: Campaign, meta: ChangeMeta): Promise<SaveResult> {
    this.writes++;
    const existing = this.heads.get(campaign.id);
    if (existing) return { status: 'conflict', currentVersion: existing.version };
    const definition = JSON.stringify(definitionOf(campaign));
    this.versions.set(`${campaign.id}#1`, { version: 1, definition, ...meta });
    this.heads.set(campaign.id, {
      version: 1,
      status: campaign.status,
      definition,
      updatedAt: meta.at,
      updatedBy: meta.by,
    });
    return { status: 'saved', version: 1 };
  }

  async update(campaign: Campaign, expectedVersion: number, meta: ChangeMeta): Promise<SaveResult> {
    this.writes++;
    const head = this.heads.get(campaign.id);
    if (!head) return { status: 'missing' };
    if (head.version !== expectedVersion) return { status: 'conflict', currentVersion: head.version };
    const definition = JSON.stringify(definitionOf(campaign));
    const version = expectedVersion + 1;
    this.versions.set(`${campaign.id}#${version}`, { version, definition, ...meta });
    this.heads.set(campaign.id, { ...head, version, definition, updatedAt: meta.at, updatedBy: meta.by });
    return { status: 'saved', version };
  }

  async setStatus(
    id: string,
    from: CampaignStatus,
    to: CampaignStatus,
    meta: ChangeMeta,
  ): Promise<SaveResult> {
    this.writes++;
    const head = this.heads.get(id);
    if (!head) return { status: 'missing' };
    if (head.status !== from) return { status: 'conflict', currentVersion: head.version };
    this.heads.set(id, { ...head, status: to, updatedAt: meta.at, updatedBy: meta.by });
    return { status: 'saved', version: head.version };
  }

  private headOf(head: Head): CampaignHistory['current'] {
    return {
      ...parse(head.definition, head.status),
      version: head.version,
      updatedAt: head.updatedAt,
      updatedBy: head.updatedBy,
    };
  }
}

const parse = (json: string, status: CampaignStatus): Campaign =>
  CampaignSchema.parse({ ...(JSON.parse(json) as object), status });
